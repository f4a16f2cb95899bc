"""Pages of the shared calendars, under /c/<centre>/agenda/…, and the private
feeds under /agenda/flux/<token>.ics.

What a page shows follows row-level security: the events of the centre in
the URL (and all of one's own) in full, the shared people's time elsewhere as
« Occupé — autre structure ». An id from elsewhere is a 404.
"""

from __future__ import annotations

# Each module registers its routes on the blueprint when imported.
from ensemble.agenda.views import (  # noqa: F401
    calendars,
    events,
    finding,
    home,
    ics_import,
    requests,
    subscription,
)
from ensemble.agenda.views.common import bp

__all__ = ["bp"]
