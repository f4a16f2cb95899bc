"""The calendar as a source of hours for shared posts: scheduled occurrences
(busy intervals, travel excluded) count as time per centre."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ensemble.sharing.timesheets import time_source


@time_source("agenda")
def agenda_hours(session: Session, user_id: int, start: date, end: date) -> dict[int, Decimal]:
    """Hours per centre of the person's calendar over [start, end) (local dates)."""
    from ensemble.agenda.operations import hours_by_centre

    return hours_by_centre(session, user_id, start, end)
