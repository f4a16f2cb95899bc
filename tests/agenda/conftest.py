"""Fixtures of the shared-calendar tests: the officer's post (Alma 40 %,
Fresnoy Mackellerie 30 %, Basse Masure 30 %) and the officer's calendar."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
from posts.posts_support import OFFICER, build_officer_post

from ensemble.agenda import operations as agenda
from ensemble.tenancy import context


@dataclass
class Setup:
    agreement_id: int
    calendar_id: int
    officer_id: int
    alma: int
    fresnoy: int
    basse_masure: int
    echo: int


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
