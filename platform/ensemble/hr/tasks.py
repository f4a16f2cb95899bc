"""HR background work: due dates recomputed every night (the rules depend on the date)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from ensemble.celery_app import periodic, without_overlap
from ensemble.extensions import db
from ensemble.hr import notices, operations
from ensemble.hr.models import StaffMember
from ensemble.kernel import clock
from ensemble.network.models import Employer
from ensemble.tenancy import context


@shared_task(name="ensemble.hr.refresh_due_items")
@without_overlap("hr-refresh-due-items")
def refresh_due_items() -> int:
    """Recompute every employer's due items, one employer at a time and each in a
    context that sees that employer only. Idempotent; returns the rows changed."""
    with context.using(context.system_context(is_admin=True), db.session):
        employer_ids = db.session.scalars(select(Employer.id).order_by(Employer.id)).all()
    today = clock.today()
    changed = 0
    for employer_id in employer_ids:
        with context.using(context.system_context(employer_ids=[employer_id]), db.session):
            has_staff = db.session.scalar(
                select(StaffMember.id).where(StaffMember.employer_id == employer_id).limit(1)
            )
            if has_staff:
                changed += operations.refresh_employer(db.session, employer_id, today)
    return changed


# Every night at 02:15, Paris time (the Celery timezone).
periodic("hr-due-items-nightly", crontab(hour=2, minute=15), "ensemble.hr.refresh_due_items")


@shared_task(name="ensemble.hr.warn_due_items")
@without_overlap("hr-warn-due-items")
def warn_due_items(today: str | None = None) -> int:
    """Tell each employer's HR managers of the due dates 30 and 7 days ahead, once per
    threshold (dedup keys), each employer read in a context that sees it only."""
    day = date.fromisoformat(today) if today else clock.today()
    with context.using(context.system_context(is_admin=True), db.session):
        employer_ids = db.session.scalars(select(Employer.id).order_by(Employer.id)).all()
    sent = 0
    for employer_id in employer_ids:
        with context.using(context.system_context(employer_ids=[employer_id]), db.session):
            sent += notices.warn_due(db.session, employer_id, day)
        db.session.commit()
    return sent


# After the nightly refresh, before the working day.
periodic("hr-due-items-warnings", crontab(hour=6, minute=30), "ensemble.hr.warn_due_items")
