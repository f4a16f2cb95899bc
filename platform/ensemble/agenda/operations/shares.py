"""Hours scheduled per centre against the share agreed for the post, by month
and quarter, and the warning (or refusal) when a booking goes past it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.agenda import recurrence
from ensemble.agenda.models import Busy, Calendar, Event
from ensemble.agenda.operations.common import Settings, ShareExceeded, day_start
from ensemble.network.models import Centre
from ensemble.sharing.agreed_hours import agreed_hours, fractions_on
from ensemble.sharing.timesheets import agreed_shares


def hours_by_centre(session: Session, user_id: int, start: date, end: date) -> dict[int, Decimal]:
    """Scheduled hours of a person per centre over local dates [start, end)."""
    rows = session.execute(
        select(
            Busy.centre_id,
            func.sum(func.extract("epoch", func.upper(Busy.during) - func.lower(Busy.during))),
        )
        .where(
            Busy.user_id == user_id,
            func.lower(Busy.during) >= day_start(start),
            func.lower(Busy.during) < day_start(end),
        )
        .group_by(Busy.centre_id)
    ).all()
    return {
        centre_id: (Decimal(seconds) / 3600).quantize(Decimal("0.01"))
        for centre_id, seconds in rows
    }


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def quarter_of(day: date) -> tuple[date, date]:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end_month = first.month + 3
    end = date(first.year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    return first, end


@dataclass(frozen=True)
class ShareLine:
    centre_id: int
    share: Decimal  # fraction of the post agreed on the day asked about, 0–1
    month_hours: Decimal
    month_agreed: Decimal
    quarter_hours: Decimal
    quarter_agreed: Decimal

    @property
    def month_over(self) -> bool:
        return self.month_hours > self.month_agreed

    @property
    def quarter_over(self) -> bool:
        return self.quarter_hours > self.quarter_agreed


def share_lines(session: Session, user_id: int, on: date) -> list[ShareLine]:
    """For each centre: hours scheduled in the month and the quarter of `on`
    against the hours agreed for the post over the same days, by the one rule
    of ensemble.sharing.agreed_hours (the shares come from
    ensemble.sharing.timesheets)."""
    m_first, m_end = month_of(on)
    q_first, q_end = quarter_of(on)
    shares = agreed_shares(session, user_id, q_first, q_end)
    fractions = fractions_on(shares, on)
    month = hours_by_centre(session, user_id, m_first, m_end)
    quarter = hours_by_centre(session, user_id, q_first, q_end)
    lines = []
    for centre_id in sorted({s.centre_id for s in shares} | set(month) | set(quarter)):
        here = [s for s in shares if s.centre_id == centre_id]
        lines.append(
            ShareLine(
                centre_id,
                fractions.get(centre_id, Decimal(0)),
                month.get(centre_id, Decimal(0)),
                agreed_hours(here, m_first, m_end),
                quarter.get(centre_id, Decimal(0)),
                agreed_hours(here, q_first, q_end),
            )
        )
    return lines


def check_shares(
    session: Session,
    calendar: Calendar,
    event: Event,
    occurrences: list[recurrence.Occurrence],
    config: Settings,
) -> list[str]:
    """Warnings for the months and quarters where this booking's centre goes
    past its agreed share; with the "refuse" policy, `ShareExceeded`. People
    without agreed shares are not checked. At most the first 12 months touched."""
    mine = [o for o in occurrences if o.event_id == event.id]
    months = sorted({o.starts_local.date().replace(day=1) for o in mine})[:12]
    warnings: list[str] = []
    for month in months:
        lines = {line.centre_id: line for line in share_lines(session, calendar.user_id, month)}
        if not any(line.month_agreed or line.quarter_agreed for line in lines.values()):
            continue
        line = lines.get(event.centre_id)
        if line is None:
            continue
        centre = session.get_one(Centre, event.centre_id)
        label = format_datetime(datetime.combine(month, time(12)), "MMMM yyyy")
        if line.month_over:
            warnings.append(
                _(
                    "%(centre)s dépasse sa part convenue en %(month)s : %(hours)s h prévues "
                    "pour %(agreed)s h convenues.",
                    centre=centre.name,
                    month=label,
                    hours=line.month_hours,
                    agreed=line.month_agreed,
                )
            )
        elif line.quarter_over:
            warnings.append(
                _(
                    "%(centre)s dépasse sa part convenue du trimestre : %(hours)s h prévues "
                    "pour %(agreed)s h convenues.",
                    centre=centre.name,
                    hours=line.quarter_hours,
                    agreed=line.quarter_agreed,
                )
            )
    warnings = list(dict.fromkeys(warnings))
    if warnings and config.share_policy == "refuse":
        raise ShareExceeded(warnings[0] + " " + _("La réservation est refusée."))
    return warnings
