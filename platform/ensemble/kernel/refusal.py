"""The one way an operation says no.

Operations raise `Refusal(message, field)`; the form-view helper turns it into a
field error (or a form-level error when `field` is None) and re-renders the
form, having rolled back whatever the operation had flushed.
"""

from __future__ import annotations


class Refusal(Exception):  # noqa: N818 - a refusal is not a bug: it is answered, never logged
    """A request the rules refuse. `message` is French, addressed to the reader."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field

    def __str__(self) -> str:
        return self.message
