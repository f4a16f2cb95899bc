"""Pages of the calls for projects and joint answers, under /c/<centre>/aap/….

The centre named in the URL must take part in the answer (lead, partner or
invited), or the page is a 404; what the person may do follows from their
context (see operations.can_* and is_lead_director)."""

from __future__ import annotations

# Each module registers its routes on the blueprint when imported.
from ensemble.aap.views import (  # noqa: F401
    answers,
    attachments,
    budget,
    calls,
    dossier,
    home,
    report,
    sections,
)
from ensemble.aap.views.common import bp

__all__ = ["bp"]
