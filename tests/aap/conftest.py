"""Fixtures of the joint-answer tests (helpers in aap_support.py)."""

from __future__ import annotations

import contextlib

import pytest

from aap.aap_support import JointAnswer, build_answer
from ensemble.tenancy import context


@pytest.fixture
def as_user(demo, db_session):
    """`with as_user(email):` runs the block in that person's tenant context."""

    @contextlib.contextmanager
    def run(email: str):
        with context.using(demo.context_of(email), db_session) as ctx:
            yield ctx

    return run


@pytest.fixture
def joint_answer(demo, db_session) -> JointAnswer:
    return build_answer(demo, db_session)
