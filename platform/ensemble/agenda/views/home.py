"""What the calendar puts on the home pages (ensemble.home.panels): a centre's
director sees today's sessions at the centre and the proposals waiting for an
answer; a shared person sees today and the week across their centres and the
requests waiting for them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Request, RequestStatus
from ensemble.extensions import db
from ensemble.home.panels import HomePlace, home_panel
from ensemble.kernel import clock
from ensemble.network.models import Centre

SHOWN = 8


def _centres(ids: Iterable[int]) -> dict[int, Centre]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in db.session.scalars(select(Centre).where(Centre.id.in_(wanted)))}


@home_panel(
    "centre",
    "agenda.today",
    "agenda/_home_centre.html",
    order=20,
    # Events and requests are audited in the centre's log, which bumps this version.
    versions=lambda place: [f"centre-activity:{place.tenant_id}"],
)
def centre_today(place: HomePlace) -> dict | None:
    assert place.tenant_id is not None
    if place.tenant_id not in place.context.director_centre_ids:
        return None
    today = clock.today()
    sessions = [
        s
        for s in agenda.slots(
            db.session, today, today + timedelta(days=1), centre_id=place.tenant_id
        )
        if not s.hidden
    ]
    proposals = list(
        db.session.scalars(
            select(Request)
            .where(Request.centre_id == place.tenant_id, Request.status == RequestStatus.PROPOSED)
            .order_by(Request.created_at, Request.id)
            .limit(SHOWN)
        )
    )
    return {"sessions": sessions[:SHOWN], "more": len(sessions) > SHOWN, "proposals": proposals}


@home_panel("person", "agenda.week", "agenda/_home_person.html", order=5)
def person_week(place: HomePlace) -> dict | None:
    # Whether the person has a calendar, and the requests waiting for them, in one
    # statement: a one-row select of the answer, outer-joined to the requests.
    has_calendar = (
        select(Calendar.id).where(Calendar.user_id == place.user_id).exists().label("has")
    )
    rows = db.session.execute(
        select(has_calendar, Request)
        .select_from(select(has_calendar).subquery())
        .outerjoin(
            Request,
            (Request.user_id == place.user_id) & (Request.status == RequestStatus.PENDING),
        )
        .order_by(Request.starts_local, Request.id)
        .limit(SHOWN)
    ).all()
    if not rows or not rows[0][0]:
        return None
    waiting = [request for _, request in rows if request is not None]
    today = clock.today()
    week = agenda.slots(db.session, today, today + timedelta(days=7), user_ids=[place.user_id])
    centres = _centres([s.centre_id for s in week] + [r.centre_id for r in waiting])
    return {
        "today": [s for s in week if clock.paris(s.starts_at).date() == today],
        "later": [s for s in week if clock.paris(s.starts_at).date() != today][: 2 * SHOWN],
        "waiting": waiting,
        "centres": centres,
    }
