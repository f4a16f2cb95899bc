"""What the operations on shared posts share: the parties a post can have, the
source name of hand-entered hours, and the refusal they raise."""

from __future__ import annotations

from ensemble.network.models import Centre, Employer

Tenant = Centre | Employer
MANUAL = "manual"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class PostError(ValueError):
    """A refusal to show the user, attached to a form field when there is one."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
