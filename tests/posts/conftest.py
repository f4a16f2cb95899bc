"""Fixtures of the shared-posts tests (helpers in posts_support.py)."""

from __future__ import annotations

import contextlib

import pytest

from ensemble.tenancy import context
from posts.posts_support import OfficerPost, build_officer_post


@pytest.fixture
def as_user(demo, db_session):
    """`with as_user(email):` runs the block in that person's tenant context."""

    @contextlib.contextmanager
    def run(email: str):
        with context.using(demo.context_of(email), db_session) as ctx:
            yield ctx

    return run


@pytest.fixture
def officer_post(demo, db_session) -> OfficerPost:
    return build_officer_post(demo, db_session)
