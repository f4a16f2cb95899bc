"""Celery through the real Redis broker, with a real worker thread."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from ensemble import redis_store


@pytest.mark.no_db_rollback
def test_heartbeat_task_runs_on_a_worker_and_shows_on_the_health_page(app):
    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = celery.send_task("ensemble.heartbeat")
        beat_at = result.get(timeout=20)
    with app.app_context():
        stored = redis_store.current().get(redis_store.key("worker", "heartbeat"))
    assert float(stored) == pytest.approx(beat_at)
    health = app.test_client().get("/sante").get_json()
    assert health["base_de_donnees"] == "ok" and health["redis"] == "ok"
    assert health["dernier_battement_worker_s"] is not None


def test_overlapping_runs_of_a_periodic_task_are_skipped(app):
    from ensemble.celery_app import single_flight

    with (
        app.app_context(),
        single_flight("test-lock") as first,
        single_flight("test-lock") as second,
    ):
        assert first is True and second is False


def test_beat_schedule_declares_the_heartbeat(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["heartbeat-every-minute"]["task"] == "ensemble.heartbeat"
