"""Fixtures of the reporting tests."""

from __future__ import annotations

import contextlib

import pytest

from ensemble.tenancy import context


@pytest.fixture
def as_user(demo, db_session):
    """`with as_user(email):` runs the block in that person's tenant context."""

    @contextlib.contextmanager
    def run(email: str):
        with context.using(demo.context_of(email), db_session) as ctx:
            yield ctx

    return run
