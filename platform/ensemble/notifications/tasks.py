"""The daily digest: one e-mail a day for the people who chose it."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from ensemble.celery_app import periodic, without_overlap
from ensemble.extensions import db
from ensemble.notifications import operations
from ensemble.people.models import User
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

DIGEST = "ensemble.notifications.send_digests"


@shared_task(name=DIGEST)
@without_overlap("notifications-digest")
def send_digests() -> int:
    """Each digest reader's waiting notifications in one e-mail. Each person is read
    under their own context (notifications are readable by their recipient only) and
    committed on their own, so one failure delays nobody else's digest; a row is
    marked sent in the transaction that queues its mail, so a rerun sends nothing
    twice. Returns how many e-mails were queued."""
    with context.using(context.system_context(is_admin=True), db.session):
        readers = db.session.execute(
            select(User.id, User.email)
            .where(User.email_digest.is_(True), User.is_active_account.is_(True))
            .order_by(User.id)
        ).all()
    db.session.commit()
    queued = 0
    for user_id, address in readers:
        with context.using(TenantContext(user_id=user_id), db.session):
            if operations.send_digest(db.session, user_id, address):
                queued += 1
        db.session.commit()
    return queued


# Every morning at 07:00, Paris time (the Celery timezone): before the working day.
periodic("notifications-digest-daily", crontab(hour=7, minute=0), DIGEST)
