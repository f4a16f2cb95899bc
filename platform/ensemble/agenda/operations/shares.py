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
from ensemble.agenda.operations.common import Settings, ShareExceeded, day_start, settings
from ensemble.network.models import Centre
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


def working_days(first: date, end: date) -> int:
    """Monday to Friday in [first, end)."""
    return sum(1 for n in range((end - first).days) if (first + timedelta(n)).weekday() < 5)


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
    share: Decimal  # agreed fraction 0–1
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


def agreed_hours(share: Decimal, first: date, end: date, weekly_hours: int) -> Decimal:
    return (share * weekly_hours * working_days(first, end) / 5).quantize(Decimal("0.01"))


def share_lines(
    session: Session, user_id: int, on: date, config: Settings | None = None
) -> list[ShareLine]:
    """For each centre: hours scheduled in the month and the quarter of `on`
    against the share agreed for the post (ensemble.sharing.timesheets)."""
    config = config or settings()
    shares = agreed_shares(session, user_id, on)
    m_first, m_end = month_of(on)
    q_first, q_end = quarter_of(on)
    month = hours_by_centre(session, user_id, m_first, m_end)
    quarter = hours_by_centre(session, user_id, q_first, q_end)
    lines = []
    for centre_id in sorted(set(shares) | set(month) | set(quarter)):
        share = shares.get(centre_id, Decimal(0))
        lines.append(
            ShareLine(
                centre_id,
                share,
                month.get(centre_id, Decimal(0)),
                agreed_hours(share, m_first, m_end, config.weekly_hours),
                quarter.get(centre_id, Decimal(0)),
                agreed_hours(share, q_first, q_end, config.weekly_hours),
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
        lines = {
            line.centre_id: line for line in share_lines(session, calendar.user_id, month, config)
        }
        if not any(line.share for line in lines.values()):
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
