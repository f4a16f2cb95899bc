"""The reporting tasks are scheduled: the sweeper every minute (what recovers work
lost with Redis), a full consolidation every night."""

from __future__ import annotations

from ensemble.reporting.tasks import CONSOLIDATE, SWEEP


def test_beat_schedules_the_sweeper_and_the_nightly_full_run(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["reporting-sweep-every-minute"]["task"] == SWEEP
    assert schedule["reporting-sweep-every-minute"]["schedule"] == 60.0
    nightly = schedule["reporting-full-nightly"]
    assert nightly["task"] == CONSOLIDATE and nightly["kwargs"] == {"full": True, "nightly": True}


def test_validation_enqueues_only_after_commit(app, monkeypatch, db_session):
    from ensemble.reporting import tasks

    sent = []
    monkeypatch.setattr(tasks.consolidate, "delay", lambda *a, **k: sent.append(k))
    tasks.enqueue_after_commit(db_session)
    assert sent == []  # nothing before the commit: a worker would not see the validation
    db_session.commit()
    assert sent == [{}]
