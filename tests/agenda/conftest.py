"""Fixtures of the shared-calendar tests: the officer's post (Alma 40 %,
Fresnoy Mackellerie 30 %, Basse Masure 30 %) and the officer's calendar."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
from posts.posts_support import OFFICER, build_officer_post
from sqlalchemy import delete

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Event
from ensemble.tenancy import context

# The funded action of the demo (tenants/demo_data/grant_report.py): the officer's
# Thursday workshops over the last twelve months, booked in his calendar.
GRANT_WORKSHOPS = "Ateliers numériques des aînés"


@dataclass
class Setup:
    agreement_id: int
    calendar_id: int
    officer_id: int
    alma: int
    fresnoy: int
    basse_masure: int
    echo: int


@pytest.fixture(autouse=True)
def _officer_without_the_grant_workshops(request, demo, db_session):
    """The calendar tests book the officer on fixed days of 2026 and count his hours
    there; the demo's funded workshops move with today and would land among them.
    test_demo.py reads the demo as it is."""
    if db_session is None or request.module.__name__.endswith("test_demo"):
        return  # a test on committed data (no rolled-back session), or the demo itself
    with context.using(demo.context_of(OFFICER), db_session):
        db_session.execute(delete(Event).where(Event.title == GRANT_WORKSHOPS))
        db_session.flush()


@pytest.fixture
def as_user(demo, db_session):
    @contextlib.contextmanager
    def run(email: str):
        with context.using(demo.context_of(email), db_session) as ctx:
            yield ctx

    return run


@pytest.fixture
def setup(demo, db_session, as_user) -> Setup:
    post = build_officer_post(demo, db_session)
    officer = demo.user(OFFICER)
    with as_user(OFFICER):
        calendar = agenda.open_calendar(db_session, post.agreement_id, officer.id)
    return Setup(
        post.agreement_id,
        calendar.id,
        officer.id,
        demo.centre("alma").id,
        demo.centre("fresnoy-mackellerie").id,
        demo.centre("basse-masure").id,
        demo.centre("echo").id,
    )
