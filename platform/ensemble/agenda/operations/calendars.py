"""A person's calendars under their agreements, and where they may be booked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.agenda.models import Calendar
from ensemble.network.models import Centre
from ensemble.sharing.models import VISIBLE_STATUSES, AgreementParty
from ensemble.tenancy import context


def open_calendar(session: Session, agreement_id: int, user_id: int) -> Calendar:
    """The person's calendar under an agreement, created on first use."""
    calendar = session.scalar(
        select(Calendar).where(Calendar.agreement_id == agreement_id, Calendar.user_id == user_id)
    )
    if calendar is None:
        calendar = Calendar(agreement_id=agreement_id, user_id=user_id)
        session.add(calendar)
        session.flush()
    return calendar


def visible_calendars(session: Session) -> list[Calendar]:
    return list(session.scalars(select(Calendar).order_by(Calendar.id)))


def calendars_of_centre(session: Session, centre: Centre) -> list[Calendar]:
    """The person calendars whose agreement names this centre (or its employer)."""
    return list(
        session.scalars(
            select(Calendar)
            .join(AgreementParty, AgreementParty.agreement_id == Calendar.agreement_id)
            .where(
                AgreementParty.status.in_(VISIBLE_STATUSES),
                (AgreementParty.centre_id == centre.id)
                | (AgreementParty.employer_id == centre.employer_id),
            )
            .distinct()
            .order_by(Calendar.id)
        )
    )


def bookable_centres(session: Session, calendar: Calendar) -> list[Centre]:
    """Where the person may be booked: the party centres, and the centres of the
    party employers; for someone else than the person, only the centres they direct."""
    parties = session.scalars(
        select(AgreementParty).where(
            AgreementParty.agreement_id == calendar.agreement_id,
            AgreementParty.status.in_(VISIBLE_STATUSES),
        )
    ).all()
    centre_ids = {p.centre_id for p in parties if p.centre_id}
    employer_ids = {p.employer_id for p in parties if p.employer_id}
    with context.using(context.system_context(is_admin=True), session):
        centres = session.scalars(
            select(Centre)
            .where(Centre.id.in_(centre_ids) | Centre.employer_id.in_(employer_ids))
            .order_by(Centre.name)
        ).all()
    ctx = context.current()
    if ctx.user_id == calendar.user_id:
        return list(centres)
    return [c for c in centres if c.id in ctx.director_centre_ids]


def can_book(session: Session, calendar: Calendar) -> bool:
    return bool(bookable_centres(session, calendar))
