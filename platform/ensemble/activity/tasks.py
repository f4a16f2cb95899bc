"""Activity tasks: the participants' retention and the declarations' pre-fill.

The task lists the centres under a platform-admin context (the directory),
then acts for each centre with a context limited to it, as its members would:
row-level security keeps each pass inside one centre."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from ensemble.activity import prefill, retention
from ensemble.celery_app import periodic, without_overlap
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.network.models import Centre
from ensemble.tenancy import context


@shared_task(name="ensemble.activity.apply_retention")
@without_overlap("activity-retention")
def apply_retention() -> int:
    """Anonymise every participant whose retention has ended; returns how many.
    Idempotent: a second run the same day anonymises nobody."""
    with context.using(context.system_context(is_admin=True), db.session):
        centre_ids = list(db.session.scalars(select(Centre.id).order_by(Centre.id)))
    anonymised = 0
    for centre_id in centre_ids:
        with context.using(context.system_context(centre_ids=[centre_id]), db.session):
            anonymised += len(retention.anonymise_expired(db.session, centre_id))
    return anonymised


# Every night at 03:45, Paris time (the Celery timezone).
periodic(
    "activity-retention-nightly",
    crontab(hour="3", minute="45"),
    "ensemble.activity.apply_retention",
)


@shared_task(name="ensemble.activity.refresh_prefill")
def refresh_prefill(centre_id: int, year: int) -> int:
    """Recompute one centre's pre-filled declaration for `year` (after a session's
    attendance is recorded): the incremental path."""
    with context.using(context.system_context(centre_ids=[centre_id]), db.session):
        return prefill.refresh(db.session, [centre_id], year)


@shared_task(name="ensemble.activity.refresh_all_prefills")
@without_overlap("activity-prefill")
def refresh_all_prefills(year: int | None = None) -> int:
    """Recompute every centre's pre-filled declaration for `year` (default: this
    year and the last, whose campaign runs in spring), one statement a year on
    the reporting role, each year committed on its own."""
    years = [year] if year is not None else [clock.today().year - 1, clock.today().year]
    stored = 0
    for one in years:
        with db.engines["reporting"].begin() as connection:
            stored += prefill.refresh_every_centre(connection, one)
    return stored


# Every night at 04:15, Paris time: catches up whatever a lost task missed.
periodic(
    "activity-prefill-nightly",
    crontab(hour="4", minute="15"),
    "ensemble.activity.refresh_all_prefills",
)
