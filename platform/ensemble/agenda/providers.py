"""The calendar as a source of hours for shared posts (scheduled occurrences,
busy intervals, travel excluded, count as time per centre), and as the planner
of an action's sessions (ensemble.sharing.activity)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ensemble.sharing.activity import PlannedSeries, SeriesPlan, series_planner
from ensemble.sharing.timesheets import time_source


@time_source("agenda")
def agenda_hours(session: Session, user_id: int, start: date, end: date) -> dict[int, Decimal]:
    """Hours per centre of the person's calendar over [start, end) (local dates)."""
    from ensemble.agenda.operations import hours_by_centre

    return hours_by_centre(session, user_id, start, end)


@series_planner
def plan_action_series(session: Session, plan: SeriesPlan) -> PlannedSeries:
    """Book an action's sessions in the calendar of the post's holder, with every
    rule of a booking (clash, travel time, agreed shares)."""
    from sqlalchemy import select

    from ensemble.agenda import operations as agenda
    from ensemble.agenda.models import Calendar, Category
    from ensemble.kernel.refusal import Refusal

    calendar = session.scalar(
        select(Calendar).where(Calendar.agreement_id == plan.agreement_id).order_by(Calendar.id)
    )
    if calendar is None:
        raise Refusal(_("Ce poste partagé n’a pas encore d’agenda."), "post_agreement_id")
    booking = agenda.book(
        session,
        calendar,
        centre_id=plan.centre_id,
        category=Category.WORKSHOP,
        title=plan.title,
        description=plan.description,
        starts_local=plan.starts_local,
        ends_local=plan.ends_local,
        rrule=plan.rrule,
    )
    return PlannedSeries(
        event_id=booking.event.id,
        user_id=calendar.user_id,
        occurrences=[
            (slot.starts_at, slot.ends_at) for slot in agenda.occurrences_of(session, booking.event)
        ],
        warnings=list(booking.warnings),
    )
