"""What the actions show elsewhere: on a centre's home page, the sessions whose
attendance is still to record (« what needs me today »)."""

from __future__ import annotations

from collections.abc import Mapping

from ensemble.extensions import db
from ensemble.home.panels import HomePlace, home_panel
from ensemble.kernel import clock, french
from ensemble.network.models import Centre


@home_panel(
    "centre",
    "activity.to_record",
    "activity/_home_to_record.html",
    order=37,
    # A session that begins while a copy is cached shows after PAGE_CACHE_SECONDS.
    versions=lambda place: [f"activity:{place.tenant_id}"],
)
def sessions_to_record(place: HomePlace) -> Mapping[str, object] | None:
    from ensemble.activity import operations as activity

    if place.tenant_id is None or place.tenant_id not in place.context.centre_ids:
        return None
    centre = db.session.get(Centre, place.tenant_id)
    if centre is None:
        return None
    sessions = activity.to_record(db.session, centre)
    if not sessions:
        return None
    return {
        "centre": centre,
        "sessions": sessions,
        "when": lambda s: french.long_datetime(clock.paris(s.starts_at), weekday=True),
    }
