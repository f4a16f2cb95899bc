"""Pages of federation reporting.

Centres: /c/<centre>/declarations/… (fill, import, submit, answer, export,
compare with the network). Federations: /f/<federation>/declarations/…
(review, return with a question, validate), /f/<federation>/tableau-de-bord
(published aggregates, exports) and /f/<federation>/consolidation (runs)."""

from __future__ import annotations

# Each module registers its routes on the blueprint when imported.
from ensemble.reporting.views import centre, federation, home, shared_figures  # noqa: F401
from ensemble.reporting.views.common import bp

__all__ = ["bp"]
