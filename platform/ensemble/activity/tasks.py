"""Activity tasks: applying the participants' retention every night.

The task lists the centres under a platform-admin context (the directory),
then acts for each centre with a context limited to it, as its members would:
row-level security keeps each pass inside one centre."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from ensemble.activity import retention
from ensemble.celery_app import periodic, without_overlap
from ensemble.extensions import db
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
