"""Two directors booking the officer at the same moment cannot both succeed:
many simultaneous bookings of overlapping slots, on real connections and
threads, committed for real — exactly one wins."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from posts.posts_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    FRESNOY_DIRECTOR,
    OFFICER,
    build_officer_post,
)
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Busy, Calendar, Category
from ensemble.tenancy import context
from ensemble.tenancy.scopes import context_for_user

from conftest import Demo, clone_database

pytestmark = pytest.mark.no_db_rollback


class AgendaSession(Session):
    pass


context.install(AgendaSession)

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=60)


@pytest.fixture(scope="module")
def engine(servers, template_database):
    urls = clone_database(servers, "agenda_concurrency")
    engine = create_engine(
        urls.runtime.replace("postgresql://", "postgresql+psycopg://", 1)
        if urls.runtime.startswith("postgresql://")
        else urls.runtime,
        pool_size=12,
        max_overflow=4,
    )
    yield engine
    engine.dispose()


def test_many_simultaneous_overlapping_bookings_exactly_one_wins(app, engine):
    with app.app_context(), AgendaSession(bind=engine) as session:
        demo = Demo(session)
        post = build_officer_post(demo, session)
        officer = demo.user(OFFICER)
        with context.using(demo.context_of(OFFICER), session):
            calendar_id = agenda.open_calendar(session, post.agreement_id, officer.id).id
        centres = {
            OFFICER: demo.centre("alma").id,
            ALMA_DIRECTOR: demo.centre("alma").id,
            FRESNOY_DIRECTOR: demo.centre("fresnoy-mackellerie").id,
            BASSE_MASURE_DIRECTOR: demo.centre("basse-masure").id,
        }
        contexts = {email: context_for_user(session, demo.user(email).id) for email in centres}
        session.commit()

    people = [OFFICER, ALMA_DIRECTOR, FRESNOY_DIRECTOR, BASSE_MASURE_DIRECTOR] * 3
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int, email: str) -> None:
        # Overlapping slots between 10:00 and 13:00, at three different centres.
        start = datetime(2026, 6, 15, 10, 5 * index)
        with app.app_context(), AgendaSession(bind=engine) as session:
            context.activate(contexts[email])
            calendar = session.get(Calendar, calendar_id)
            barrier.wait()
            try:
                agenda.book(
                    session,
                    calendar,
                    centre_id=centres[email],
                    category=Category.MEETING,
                    title=f"Réunion {index}",
                    starts_local=start,
                    ends_local=start.replace(hour=12),
                    config=CFG,
                )
                session.commit()
                result = "won"
            except agenda.Clash:
                session.rollback()
                result = "clash"
            except Exception as error:  # noqa: BLE001 — reported by the assertion below
                session.rollback()
                result = f"error: {error!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i, e)) for i, e in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["clash"] * (len(people) - 1) + ["won"], outcomes
    with AgendaSession(bind=engine) as session, context.using(contexts[OFFICER], session):
        assert (
            session.scalar(select(func.count(Busy.id)).where(Busy.calendar_id == calendar_id)) == 1
        )
