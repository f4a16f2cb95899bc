"""Consolidation tasks: on validation, every minute for what is pending (the
sweeper), and a full run every night.

PostgreSQL holds the record of pending work (`reporting_dirty`, written with
the validation): a message lost with Redis, or a worker killed mid-run (its
transaction rolls back), only delays the work until the sweeper's next pass.
Each key counts its attempts in PostgreSQL, so a run that always fails ends
"failed" after MAX_ATTEMPTS instead of looping.
"""

from __future__ import annotations

import contextlib

from celery import shared_task
from celery.schedules import crontab
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from ensemble.celery_app import BEAT_SCHEDULE, periodic
from ensemble.extensions import db
from ensemble.reporting import consolidation

CONSOLIDATE = "ensemble.reporting.consolidate"
SWEEP = "ensemble.reporting.sweep"


def reporting_engine():
    return db.engines["reporting"]


def rules():
    from ensemble.reporting.disclosure.rules import Rules

    return Rules.from_config(current_app.config)


@shared_task(name=CONSOLIDATE, bind=True, max_retries=consolidation.MAX_ATTEMPTS - 1)
def consolidate(
    self, full: bool = False, federation_id: int | None = None, nightly: bool = False
) -> dict:
    try:
        outcome = consolidation.consolidate(
            reporting_engine(),
            full=full,
            federation_id=federation_id,
            nightly=nightly,
            rules=rules(),
            pause=float(current_app.config.get("REPORTING_PAUSE_BEFORE_COMMIT", 0)),
        )
    except consolidation.ConsolidationFailed as exc:
        if exc.final:
            return {"status": "failed", "error": str(exc)}
        raise self.retry(
            exc=exc, countdown=float(current_app.config.get("REPORTING_RETRY_DELAY", 30))
        ) from exc
    return {
        "status": outcome.status,
        "run_id": outcome.run_id,
        "run_ids": list(outcome.run_ids),
        "keys": outcome.keys,
        "rows": outcome.rows_written + outcome.rows_removed,
        "published": [(r.federation_id, r.year, r.status) for r in outcome.publications],
    }


@shared_task(name=SWEEP)
def sweep() -> int:
    """Re-enqueue pending work that no message may be carrying any more, and the
    publications that what readers know has made out of date."""
    engine = reporting_engine()
    consolidation.close_interrupted_runs(engine)
    pending = consolidation.pending_keys(engine)
    if pending:
        consolidate.delay()
    for federation_id in consolidation.stale_federations(engine, rules()):
        consolidate.delay(federation_id=federation_id)
    return pending


periodic("reporting-sweep-every-minute", 60.0, SWEEP)
BEAT_SCHEDULE["reporting-full-nightly"] = {
    "task": CONSOLIDATE,
    "schedule": crontab(hour="2", minute="30"),
    "kwargs": {"full": True, "nightly": True},
}


def enqueue_after_commit(
    session: Session | scoped_session, federation_id: int | None = None
) -> None:
    """Ask a worker to consolidate once the validation (or the request) is committed
    (not before: the worker must see it; and never for a rolled-back one)."""
    target = session() if isinstance(session, scoped_session) else session

    def send(_session) -> None:
        with contextlib.suppress(Exception):  # Redis down: the sweeper catches up
            if federation_id is None:
                consolidate.delay()
            else:
                consolidate.delay(federation_id=federation_id)

    event.listen(target, "after_commit", send, once=True)
