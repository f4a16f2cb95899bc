"""The one rule for a centre's agreed hours of a shared person.

The shared calendar (how far a centre's bookings may go) and the shared post's
gauge (agreed against scheduled and worked time) both ask: how many hours of
this person's time are agreed for this centre over these days? Both answer here.

The rule:

- **The post's own working week.** A share is a part of the post, so its
  weekly hours are the share × the post's weekly hours (a share in hours per
  week is those hours). A part-time holder on a 28-hour post shared 50/50
  owes each party 14 hours a week, not half of a 35-hour week.
- **Spread over working days.** A week's hours spread evenly over Monday to
  Friday: a day covered by the share weighs a fifth of its weekly hours.
  A public holiday where the share is worked is not a working day
  (ensemble.kernel.holidays, Alsace-Moselle's two more days for a centre of
  57, 67 or 68): a week with Easter Monday agrees four fifths of its hours.
- **The share's period is closed: both of its dates are days of the share.**
  An allocation « du 1er au 31 mars » is worked on the 31st; a one-day
  allocation (starting and ending the same day, which the table allows) is
  one day, not none; an allocation without an end goes on.
- **The window counted is half-open: [start, end).** Like every reader of
  hours (ensemble.sharing.timesheets), so that consecutive months, or the
  months of a quarter, add up to the whole without counting a day twice.

Amounts are exact until the sum over the shares asked about, then rounded to
the hundredth of an hour once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ensemble.kernel.holidays import public_holidays

WORKING_DAYS_PER_WEEK = 5
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class AgreedShare:
    """One party's agreed share of a shared person's time at one centre."""

    centre_id: int  # where the share is worked
    fraction: Decimal  # of the post's working week, 0–1 (what the parties read as « 30 % »)
    weekly_hours: Decimal  # the share's hours per week: fraction × the post's weekly hours
    starts_on: date  # the share's first day
    ends_on: date | None  # the share's last day, included; None: open-ended
    # The département of the centre where it is worked (its public holidays);
    # None: the national holidays only.
    departement: str | None = None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def meets(self, start: date, end: date) -> bool:
        """Whether the share covers some day of [start, end)."""
        return (
            start < end and self.starts_on < end and (self.ends_on is None or self.ends_on >= start)
        )


def working_days(start: date, end: date, departement: str | None = None) -> list[date]:
    """Monday to Friday in [start, end), public holidays of `departement` excluded."""
    off = public_holidays(start, end, departement) if start < end else {}
    return [
        day
        for day in (start + timedelta(days=n) for n in range(max((end - start).days, 0)))
        if day.weekday() < WORKING_DAYS_PER_WEEK and day not in off
    ]


def agreed_hours(shares: Iterable[AgreedShare], start: date, end: date) -> Decimal:
    """The hours agreed by `shares` over the local dates [start, end), to the
    hundredth: each share's weekly hours spread over the working days it covers
    (without the public holidays where it is worked)."""
    days: dict[str | None, list[date]] = {}
    exact = Decimal(0)
    for share in shares:
        if share.departement not in days:
            days[share.departement] = working_days(start, end, share.departement)
        exact += share.weekly_hours * sum(1 for day in days[share.departement] if share.covers(day))
    return (exact / WORKING_DAYS_PER_WEEK).quantize(HUNDREDTH)


def fractions_on(shares: Iterable[AgreedShare], day: date) -> dict[int, Decimal]:
    """The fraction of the post agreed for each centre on `day`."""
    by_centre: dict[int, Decimal] = {}
    for share in shares:
        if share.covers(day):
            by_centre[share.centre_id] = by_centre.get(share.centre_id, Decimal(0)) + (
                share.fraction
            )
    return by_centre
