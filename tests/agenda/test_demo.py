"""The demo network holds the officer's calendar (journey 2 starts from it):
the demo loader reads under row-level security, so a lookup made without a
context would find nothing and leave the calendar silently empty."""

from __future__ import annotations

from sqlalchemy import func, select

from ensemble.agenda.models import Busy, Calendar, Event, Request, RequestStatus
from ensemble.tenancy import context

OFFICER = "hugo.carpentier@alma.demo"


def test_the_demo_officer_has_a_week_of_series_and_a_pending_request(demo, db_session):
    officer = demo.user(OFFICER)
    with context.using(demo.context_of(OFFICER), db_session):
        calendar = db_session.scalar(select(Calendar).where(Calendar.user_id == officer.id))
        assert calendar is not None
        titles = set(
            db_session.scalars(select(Event.title).where(Event.calendar_id == calendar.id))
        )
        assert "Atelier numérique : premiers pas sur tablette" in titles
        # Five series of his weeks, and the funded action's workshops (grant_report.py).
        assert "Ateliers numériques des aînés" in titles
        assert len(titles) == 6
        places = set(
            db_session.scalars(select(Busy.centre_id).where(Busy.calendar_id == calendar.id))
        )
        assert places == {
            demo.centre(slug).id for slug in ("alma", "fresnoy-mackellerie", "basse-masure")
        }
        pending = db_session.scalars(
            select(Request).where(Request.status == RequestStatus.PENDING)
        ).all()
        assert [(r.title, r.centre_id) for r in pending] == [
            ("Atelier démarches CAF en ligne", demo.centre("basse-masure").id)
        ]
        assert db_session.scalar(select(func.count(Busy.id))) == 50 + 16  # 16 workshops
