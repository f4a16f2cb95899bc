"""Pre-fill refreshes under real concurrency, each on its own connection of a
database of their own: two workers refreshing one centre's year at the same
moment (as when the demo loads, or two sessions are recorded together) both
succeed and leave what one refresh leaves; the nightly refresh of every centre,
on the reporting role, stores what the per-centre refresh computes, and waits
for (or is waited on by) a per-centre refresh of the same year."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from ensemble.activity import prefill
from ensemble.network.models import Centre
from ensemble.tenancy import context

from conftest import clone_database

pytestmark = pytest.mark.no_db_rollback
YEAR = 2021  # the demo's year of attendance (Alma's activity report)


class RaceSession(Session):
    """A plain session that writes the tenant context at each transaction start."""


context.install(RaceSession)


@pytest.fixture(scope="module")
def race_urls(servers, template_database):
    return clone_database(servers, "activity_race")


@pytest.fixture(scope="module")
def engines(race_urls):
    runtime = create_engine(race_urls.runtime, pool_size=4, max_overflow=0)
    reporting = create_engine(race_urls.reporting, pool_size=2, max_overflow=0)
    yield runtime, reporting
    runtime.dispose()
    reporting.dispose()


@pytest.fixture(scope="module")
def centre_ids(app, engines):
    runtime, _reporting = engines
    admin = context.system_context(is_admin=True)
    with app.app_context(), context.using(admin), RaceSession(runtime) as session:
        ids = list(session.scalars(select(Centre.id).order_by(Centre.id)))
        alma = session.scalar(select(Centre.id).where(Centre.slug == "alma"))
    return ids, alma


def _stored(engine, centre_ids: list[int]) -> list[tuple]:
    """Every stored cell of the year, as the centres see them (one row per cell)."""
    centres = context.system_context(centre_ids=centre_ids)
    with context.using(centres), RaceSession(engine) as session:
        return [
            tuple(r)
            for r in session.execute(
                text(
                    "SELECT centre_id, indicator_code, breakdown_key, value, sessions"
                    " FROM activity_prefill WHERE year = :year"
                    " ORDER BY centre_id, indicator_code, breakdown_key"
                ),
                {"year": YEAR},
            )
        ]


def _computed(engine, centre_ids: list[int]) -> list[tuple]:
    centres = context.system_context(centre_ids=centre_ids)
    with context.using(centres), RaceSession(engine) as session:
        params = prefill._parameters(centre_ids, YEAR)
        rows = session.execute(text(prefill._cells(False)), params).all()
    return sorted((r.centre_id, r.code, r.key, round(r.value, 2), r.sessions) for r in rows)


def _together(app, works) -> list[object]:
    """Run each `work()` on its own thread, released together; returns each
    one's result or exception."""
    barrier = threading.Barrier(len(works))
    results: list[object] = [None] * len(works)

    def run(index: int) -> None:
        with app.app_context():
            try:
                results[index] = works[index](barrier)
            except Exception as exc:  # reported, and the test fails on it
                results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _one_centre(engine, centre_id: int):
    def work(barrier) -> int:
        centre = context.system_context(centre_ids=[centre_id])
        with context.using(centre), RaceSession(engine) as session:
            session.execute(text("SELECT 1"))  # the transaction (and its context) is open
            barrier.wait(timeout=30)
            stored = prefill.refresh(session, [centre_id], YEAR)
            time.sleep(0.5)  # the other refresh runs meanwhile, before this commits
            session.commit()
            return stored

    return work


def _every_centre(engine):
    def work(barrier) -> int:
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))
            barrier.wait(timeout=30)
            stored = prefill.refresh_every_centre(connection, YEAR)
            time.sleep(0.5)
            return stored

    return work


def test_two_refreshes_of_one_centre_at_once_leave_one_refresh(app, engines, centre_ids):
    runtime, _reporting = engines
    _ids, alma = centre_ids
    expected = _computed(runtime, [alma])
    assert len(expected) > 5  # Alma's 2021 actions pre-fill several lines
    results = _together(app, [_one_centre(runtime, alma), _one_centre(runtime, alma)])
    assert results == [len(expected), len(expected)], results
    assert _stored(runtime, [alma]) == expected


def test_the_nightly_refresh_on_the_reporting_role_equals_the_per_centre_one(
    app, engines, centre_ids
):
    """Every centre at once, on the reporting role (no row-level security to
    check), alongside a per-centre refresh of Alma: both succeed, one after the
    other, and every centre's cells are those the runtime role computes."""
    runtime, reporting = engines
    ids, alma = centre_ids
    expected = _computed(runtime, ids)
    results = _together(app, [_every_centre(reporting), _one_centre(runtime, alma)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0] == len(expected)
    assert _stored(runtime, ids) == expected
