"""Hours scheduled per centre against the share agreed for the post, by month
and quarter, and the warning (or refusal) when a booking goes past it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.agenda import recurrence
from ensemble.agenda.models import Busy, Calendar, Category, Event
from ensemble.agenda.operations.common import Settings, ShareExceeded, day_start
from ensemble.kernel import french
from ensemble.network.models import Centre
from ensemble.sharing.agreed_hours import agreed_hours, fractions_on
from ensemble.sharing.timesheets import agreed_shares

# An all-day event is not 24 hours of work: a training day or a residential trip
# counts a full-time working day (35 h ÷ 5), leave and closures count nothing (an
# all-day event the reader may not see counts a working day).
WORKING_DAY = Decimal(7)
NOT_WORKED = (Category.ABSENCE, Category.CLOSURE)


def hours_by_centre(session: Session, user_id: int, start: date, end: date) -> dict[int, Decimal]:
    """Scheduled hours of a person per centre over local dates [start, end)."""
    seconds = func.extract("epoch", func.upper(Busy.during) - func.lower(Busy.during))
    rows = session.execute(
        select(Busy.centre_id, Busy.all_day, Event.category, func.sum(seconds))
        # Outer: a reader may see busy time whose event (another organisation's) is hidden.
        .outerjoin(Event, Event.id == Busy.event_id)
        .where(
            Busy.user_id == user_id,
            func.lower(Busy.during) >= day_start(start),
            func.lower(Busy.during) < day_start(end),
        )
        .group_by(Busy.centre_id, Busy.all_day, Event.category)
    ).all()
    hours: dict[int, Decimal] = {}
    for centre_id, all_day, category, total in rows:
        if not all_day:
            worked = Decimal(total) / 3600
        elif category is not None and category in NOT_WORKED:
            worked = Decimal(0)
        else:
            # Whole days: a day of a clock change lasts 23 or 25 hours.
            worked = WORKING_DAY * round(Decimal(total) / 86400)
        hours[centre_id] = hours.get(centre_id, Decimal(0)) + worked
    return {centre_id: value.quantize(Decimal("0.01")) for centre_id, value in hours.items()}


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
        label = french.month_label(month)
        if line.month_over:
            warnings.append(
                _(
                    "%(centre)s dépasse sa part convenue en %(month)s : %(hours)s prévues "
                    "pour %(agreed)s convenues.",
                    centre=centre.name,
                    month=label,
                    hours=french.duration(line.month_hours),
                    agreed=french.duration(line.month_agreed),
                )
            )
        elif line.quarter_over:
            warnings.append(
                _(
                    "%(centre)s dépasse sa part convenue du trimestre : %(hours)s prévues "
                    "pour %(agreed)s convenues.",
                    centre=centre.name,
                    hours=french.duration(line.quarter_hours),
                    agreed=french.duration(line.quarter_agreed),
                )
            )
    warnings = list(dict.fromkeys(warnings))
    if warnings and config.share_policy == "refuse":
        raise ShareExceeded(warnings[0] + " " + _("La réservation est refusée."))
    return warnings
