"""HR due dates approaching, told to the employer's HR managers.

Each due item within WARNING_DAYS gets one notification per threshold (30 days,
then 7), deduplicated per person; it names the item (its subject), so it ends
when the item is handled: when recording the visit, the review or the training
moves the due date or removes it (`refresh_due_items`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ensemble.hr.labels import DUE_LABELS
from ensemble.hr.models import DueItem
from ensemble.network.models import Employer
from ensemble.notifications import operations as notifications
from ensemble.people.models import Membership, Role, User

WARNING_DAYS = (30, 7)


def due_subject(item_id: int) -> str:
    return f"hr_due:{item_id}"


def warn_due(session: Session, employer_id: int, today: date) -> int:
    """Notify the HR managers of `employer_id` of its items due within the largest
    threshold (overdue ones were told before). Run in a context limited to that
    employer. Returns how many notifications were created."""
    managers = session.execute(
        select(User.id, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.employer_id == employer_id,
            Membership.role == Role.HR_MANAGER,
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    ).all()
    if not managers:
        return 0
    horizon = max(WARNING_DAYS)
    items = session.scalars(
        select(DueItem)
        .options(joinedload(DueItem.staff_member))
        .where(
            DueItem.employer_id == employer_id,
            DueItem.due_on >= today,
            DueItem.due_on <= date.fromordinal(today.toordinal() + horizon),
        )
        .order_by(DueItem.due_on, DueItem.id)
    ).all()
    employer = session.get_one(Employer, employer_id)
    sent = 0
    for item in items:
        days_left = (item.due_on - today).days
        threshold = min(t for t in WARNING_DAYS if days_left <= t)
        person = item.staff_member
        label = str(DUE_LABELS.get(item.kind, item.kind))
        # Stored text: a task has no reader's language; French is the source.
        sent += notifications.notify(
            session,
            [(user_id, email) for user_id, email in managers],
            f"Échéance RH le {item.due_on:%d/%m/%Y} : {person.first_name} {person.last_name}",
            body=f"{label}{' (' + item.reference + ')' if item.reference else ''}"
            f" — {employer.name}, dans {days_left} jour{'s' if days_left > 1 else ''}.",
            link=f"/e/{employer.slug}/rh/personnel/{person.id}",
            employer_id=employer_id,
            dedup_key=f"hr-due:{item.id}:{item.due_on:%Y-%m-%d}:j-{threshold}",
            subject=due_subject(item.id),
        )
    return sent
