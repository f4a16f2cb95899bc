"""Consolidation on a database of its own (the runs commit): equal to an
independent reference GROUP BY, incremental equal to full, idempotent, shared
posts counted once, and the delivery guarantees with a real worker process."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from ensemble.reporting import consolidation
from reporting.consolidation_support import (
    Worker,
    execute,
    make_clone,
    reference,
    scalar,
    stored,
    wait_for,
)

pytestmark = pytest.mark.no_db_rollback

GENERATED_YEARS = (2030, 2031)


@pytest.fixture(scope="module")
def clone(servers, template_database):
    clone = make_clone(servers, "reporting_consolidation")
    yield clone
    clone.dispose()


def test_full_run_equals_the_reference_and_a_second_run_changes_nothing(clone):
    # What validations record: every (federation, year) key pending.
    execute(
        clone.admin,
        "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
        " SELECT DISTINCT federation_id, year, 0, '' FROM reporting_declarations",
    )
    assert consolidation.pending_keys(clone.reporting) > 0
    outcome = consolidation.consolidate(clone.reporting, full=True)
    assert outcome.status == "done" and outcome.rows_written > 0
    assert consolidation.pending_keys(clone.reporting) == 0
    expected = reference(clone.admin)
    assert stored(clone.admin) == expected
    # One row per key (`stored` checks it; the count confirms nothing is missing).
    assert scalar(clone.admin, "SELECT count(*) FROM reporting_aggregates") == len(expected)
    again = consolidation.consolidate(clone.reporting, full=True)
    assert again.status == "done" and stored(clone.admin) == expected
    # An incremental run over every key finds nothing to change, and writes nothing.
    execute(
        clone.admin,
        "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
        " SELECT DISTINCT federation_id, year, 0, '' FROM reporting_declarations",
    )
    third = consolidation.consolidate(clone.reporting)
    assert third.keys > 0 and (third.rows_written, third.rows_removed) == (0, 0)
    assert stored(clone.admin) == expected
    assert consolidation.consolidate(clone.reporting).status == "idle"


def _generate(clone, figures: dict[tuple[int, int, str], int]) -> None:
    """Replace the generated declarations (years 2030-2031) by `figures`:
    (centre index, year, indicator) → value; all validated, keys marked dirty."""
    with clone.admin.begin() as conn:
        centres = conn.execute(text("SELECT id, federation_id FROM centres ORDER BY id")).all()
        conn.execute(
            text("DELETE FROM reporting_declarations WHERE year = ANY(:y)"),
            {"y": list(GENERATED_YEARS)},
        )
        declarations: dict[tuple[int, int], int] = {}
        for (index, year, code), value in sorted(figures.items()):
            centre_id, federation_id = centres[index % len(centres)]
            if (centre_id, year) not in declarations:
                declarations[(centre_id, year)] = conn.execute(
                    text(
                        "INSERT INTO reporting_declarations (centre_id, federation_id, year,"
                        " status, share_centre_figures) VALUES (:c, :f, :y, 'validated', false)"
                        " RETURNING id"
                    ),
                    {"c": centre_id, "f": federation_id, "y": year},
                ).scalar()
            conn.execute(
                text(
                    "INSERT INTO reporting_values (declaration_id, centre_id, federation_id, year,"
                    " indicator_code, breakdown_key, value, comment)"
                    " VALUES (:d, :c, :f, :y, :code, '', :v, '')"
                ),
                {
                    "d": declarations[(centre_id, year)],
                    "c": centre_id,
                    "f": federation_id,
                    "y": year,
                    "code": code,
                    "v": value,
                },
            )
        # What a validation records: every (federation, year) that may have changed.
        conn.execute(
            text(
                "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
                " SELECT f.id, y, 0, '' FROM federations f, unnest(CAST(:y AS int[])) y"
            ),
            {"y": list(GENERATED_YEARS)},
        )


figures_strategy = st.dictionaries(
    st.tuples(
        st.integers(0, 9),
        st.sampled_from(GENERATED_YEARS),
        st.sampled_from(["pe.enfants", "fi.produits", "asf.passages"]),
    ),
    st.integers(0, 5000),
    max_size=25,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(figures=figures_strategy)
def test_incremental_equals_reference_and_full(clone, figures):
    _generate(clone, figures)
    outcome = consolidation.consolidate(clone.reporting)
    assert outcome.status == "done"
    incremental = stored(clone.admin)
    assert incremental == reference(clone.admin)
    consolidation.consolidate(clone.reporting, full=True)
    assert stored(clone.admin) == incremental


def test_a_shared_post_counts_once_in_the_network_fte(clone):
    from posts.posts_support import build_officer_post

    from conftest import Demo

    def network_fte() -> Decimal:
        consolidation.consolidate(clone.reporting, full=True)
        return scalar(
            clone.admin,
            "SELECT coalesce(sum(total), 0) FROM reporting_aggregates a JOIN federations f"
            " ON f.id = a.federation_id WHERE f.slug = 'nord' AND indicator_code ="
            " 'shared_posts.fte' AND departement = '*' AND year = 2026",
        )

    before = network_fte()
    with Session(clone.runtime) as session:
        session.connection()
        # A post of 40 % + 30 % + 30 % across three centres for all of 2026.
        build_officer_post(Demo(session), session)
        session.commit()
    assert network_fte() - before == Decimal("1.00")


# --- Delivery guarantees --------------------------------------------------------


def _mark_dirty(clone, year: int) -> None:
    _generate(clone, {(0, 2030, "pe.enfants"): year, (3, 2031, "fi.produits"): 7})


def test_a_worker_killed_mid_run_loses_nothing(clone, app):
    from ensemble.reporting.tasks import CONSOLIDATE, SWEEP

    _mark_dirty(clone, 1234)
    celery = app.extensions["celery"]
    worker = Worker(clone, REPORTING_PAUSE_BEFORE_COMMIT="120")
    try:
        celery.send_task(CONSOLIDATE)
        # The run has written its rows and waits before committing: kill it there.
        assert wait_for(
            lambda: (
                scalar(
                    clone.admin,
                    "SELECT count(*) FROM reporting_runs"
                    " WHERE status = 'running' AND steps_done = 2",
                )
                > 0
            ),
            timeout=90,
        )
        worker.kill()
    finally:
        worker.kill()
    # Nothing of the killed run's transaction was committed.
    assert consolidation.pending_keys(clone.reporting) > 0
    assert stored(clone.admin) != reference(clone.admin)
    worker = Worker(clone)
    try:
        celery.send_task(SWEEP)
        assert wait_for(lambda: consolidation.pending_keys(clone.reporting) == 0, timeout=90)
    finally:
        worker.stop()
    assert stored(clone.admin) == reference(clone.admin)
    # The killed run is not left "running" forever.
    assert scalar(clone.admin, "SELECT count(*) FROM reporting_runs WHERE status = 'running'") == 0


def test_queued_work_lost_with_redis_is_recovered_by_the_sweeper(clone, app):
    from ensemble import redis_store
    from ensemble.reporting.tasks import CONSOLIDATE, SWEEP

    _mark_dirty(clone, 4321)
    celery = app.extensions["celery"]
    celery.send_task(CONSOLIDATE)
    # Redis loses the queue before any worker took the message.
    client = redis_store.client(app.config["REDIS_URL"])
    assert client.delete(app.config["CELERY_QUEUE"]) == 1
    worker = Worker(clone)
    try:
        assert not wait_for(lambda: consolidation.pending_keys(clone.reporting) == 0, timeout=3)
        celery.send_task(SWEEP)
        assert wait_for(lambda: consolidation.pending_keys(clone.reporting) == 0, timeout=90)
    finally:
        worker.stop()
    assert stored(clone.admin) == reference(clone.admin)


def test_a_run_that_always_fails_ends_failed_without_looping(clone, app, monkeypatch):
    from ensemble.reporting import tasks

    _mark_dirty(clone, 99)
    monkeypatch.setattr(tasks, "reporting_engine", lambda: clone.reporting)
    monkeypatch.setattr(consolidation, "upsert_sql", lambda full: "SELECT 1 / 0, 0")
    monkeypatch.setitem(app.config, "REPORTING_RETRY_DELAY", 0)
    with app.app_context():
        result = tasks.consolidate.apply().get()
    assert result["status"] == "failed"
    attempts = {
        r[0]
        for r in clone.admin.connect().execute(
            text("SELECT attempts FROM reporting_dirty WHERE failed_at IS NOT NULL")
        )
    }
    assert attempts == {consolidation.MAX_ATTEMPTS}
    assert consolidation.pending_keys(clone.reporting) == 0
    assert (
        scalar(clone.admin, "SELECT count(*) FROM reporting_runs WHERE status = 'failed'")
        >= consolidation.MAX_ATTEMPTS
    )
    # The sweeper has nothing left to re-enqueue: the failure is final.
    with app.app_context():
        assert tasks.sweep.apply().get() == 0
    execute(clone.admin, "DELETE FROM reporting_dirty")
