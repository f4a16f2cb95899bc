"""Finding a slot: « quand Hugo peut-il venir chez nous 2 h dans les trois
semaines qui viennent ? », and the officer's « un mardi sur deux l’après-midi,
dans un de mes trois centres ».

The finder reads what a booking would check and never proposes what a booking
would refuse:

- the person's working hours (`hours.week_of`, the default week when unset),
  minus closed days (public holidays, given by the caller);
- the person's busy intervals (events, leave and other all-day absences,
  anything else booked), with the same rule as the no-double-booking trigger
  (migrations 0005 and 0017): an interval blocks its own time, widened by the
  travel time when it is at another centre (the larger of its travel time and
  the one in force) unless it is an all-day row, which needs no travel;
- the centre's agreed share (`operations.share_lines`): a slot that would take
  the centre past its month or quarter is refused under the « refuse » policy
  and ranked last under « warn »;
- then each proposal is booked for real in a savepoint that is always rolled
  back, so the database trigger and the share check stay the one judge: a busy
  interval the reader may not see (another agreement of the person) makes that
  candidate fail there, and the next one is tried.

Ranking (`find`): slots within the centre's remaining share first, then the
fewest travel minutes (a neighbour the same day at another centre costs its
travel time, before and after), then the earliest. Each free gap yields one
proposal, the start among its first and its last possible that travels least,
so the list spreads over days instead of offering 9:00, 9:15, 9:30…

Bounds: a window of at most `MAX_WINDOW_DAYS`, at most `MAX_RESULTS` proposals,
starts on a quarter-hour grid, at most `MAX_TRIALS` trial bookings. The work
is one query for the busy intervals, one per month for the shares, a pass over
the days, and the bounded trials: linear in the window at worst.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ensemble.agenda import hours, recurrence
from ensemble.agenda.models import LONG_BUSY, MAX_EVENT_HOURS, Busy, Calendar, Category
from ensemble.agenda.operations import (
    AgendaError,
    Settings,
    book,
    day_start,
    now,
    settings,
    share_lines,
)
from ensemble.kernel.refusal import Refusal

MAX_WINDOW_DAYS = 92
MAX_RESULTS = 20
MAX_TRIALS = 40
MAX_SERIES_COUNT = 30
MIN_DURATION = timedelta(minutes=15)
MAX_DURATION = timedelta(hours=10)
STEP = timedelta(minutes=15)
# The morning ends and the afternoon begins at 13:00 (a lunch break around it
# belongs to neither).
NOON = time(13)
TRIAL_TITLE = "Essai du chercheur de créneaux"


class Part(enum.StrEnum):
    MORNING = "matin"
    AFTERNOON = "apres-midi"


@dataclass(frozen=True)
class Proposal:
    """A slot the booking accepts, with what ranked it."""

    centre_id: int
    starts_local: datetime
    ends_local: datetime
    travel_minutes: int  # travel it adds, to and from neighbours at another centre
    over_share: bool  # would take the centre past its agreed share (policy « warn »)
    remaining_hours: Decimal | None  # the centre's agreed hours left that month, before it
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()

    @property
    def hours(self) -> Decimal:
        seconds = (self.ends_local - self.starts_local).total_seconds()
        return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class _Blocked:
    """A busy interval of the person: its own time, and its time widened by travel."""

    starts_at: datetime
    ends_at: datetime
    centre_id: int
    travel: timedelta
    all_day: bool = False

    def blocks(self, centre_id: int) -> tuple[datetime, datetime]:
        if centre_id == self.centre_id or self.all_day:
            return self.starts_at, self.ends_at
        return self.starts_at - self.travel, self.ends_at + self.travel


@dataclass(frozen=True)
class _ShareRoom:
    checked: bool  # the person has agreed shares and this centre has a line
    month_left: Decimal
    quarter_left: Decimal

    def over(self, hours_: Decimal) -> bool:
        return self.checked and (hours_ > self.month_left or hours_ > self.quarter_left)


# --- The checks, as plain functions ---------------------------------------------------


def check_request(
    duration: timedelta, first_day: date, last_day: date, limit: int, today: date | None = None
) -> None:
    """Refuse a search outside the finder's bounds, with a French message."""
    if duration < MIN_DURATION or duration > MAX_DURATION:
        raise Refusal(_("Une durée entre 15 minutes et 10 heures."), "duration")
    if duration % STEP:
        raise Refusal(_("Une durée par quarts d’heure."), "duration")
    if last_day < first_day:
        raise Refusal(_("La fin de la période doit suivre son début."), "last_day")
    if (last_day - first_day).days + 1 > MAX_WINDOW_DAYS:
        raise Refusal(_("Une période de trois mois au plus."), "last_day")
    if today is not None and last_day < today:
        raise Refusal(_("La période est passée."), "last_day")
    if not 1 <= limit <= MAX_RESULTS:
        raise Refusal(_("Entre 1 et %(n)s propositions.", n=MAX_RESULTS), "limit")


def _busy(session: Session, user_id: int, first_day: date, end_day: date, config: Settings):
    """The person's busy intervals the reader may see, around local days
    [first_day, end_day), widened by a day for travel at the edges. A row may
    start up to MAX_EVENT_HOURS earlier (leave): the bound keeps the scan on the
    person's index."""
    lower, upper = day_start(first_day - timedelta(days=1)), day_start(end_day + timedelta(days=1))
    starts = func.lower(Busy.during)
    rows = session.execute(
        select(Busy.during, Busy.centre_id, Busy.travel_minutes, Busy.all_day)
        .where(
            Busy.user_id == user_id,
            # Rows of a day at most on the person's index, longer ones on their partial index.
            (starts >= lower - timedelta(hours=25))
            | (text(LONG_BUSY) & (starts >= lower - timedelta(hours=MAX_EVENT_HOURS))),
            starts < upper,
            func.upper(Busy.during) > lower,
        )
        .order_by(func.lower(Busy.during))
    ).all()
    return [
        _Blocked(
            during.lower,
            during.upper,
            centre_id,
            timedelta(0) if all_day else timedelta(minutes=max(travel, config.travel_minutes)),
            all_day,
        )
        for during, centre_id, travel, all_day in rows
    ]


def _by_day(blocked: list[_Blocked]) -> dict[date, list[_Blocked]]:
    """Busy intervals by the local days their widened span touches (an
    interval ending at midnight does not touch the next day)."""
    days: dict[date, list[_Blocked]] = {}
    for item in blocked:
        first = recurrence.to_local(item.starts_at - item.travel).date()
        last = recurrence.to_local(item.ends_at + item.travel - timedelta(microseconds=1)).date()
        day = first
        while day <= last:
            days.setdefault(day, []).append(item)
            day += timedelta(days=1)
    return days


def _stretches(week: hours.Week, day: date, part: Part | None) -> list[tuple[datetime, datetime]]:
    """The day's worked stretches in local time, cut to the part of the day asked."""
    out = []
    for start, end in week.on(day.weekday()).intervals():
        lo, hi = datetime.combine(day, start), datetime.combine(day, end)
        if part is Part.MORNING:
            hi = min(hi, datetime.combine(day, NOON))
        elif part is Part.AFTERNOON:
            lo = max(lo, datetime.combine(day, NOON))
        if lo < hi:
            out.append((lo, hi))
    return out


def is_free(
    blocked: Sequence[_Blocked], centre_id: int, starts_local: datetime, ends_local: datetime
) -> bool:
    """The trigger's rule: no busy interval overlaps the slot, and none at another
    centre is closer than its travel time (intervals are half-open, [start, end))."""
    lo, hi = recurrence.to_instant(starts_local), recurrence.to_instant(ends_local)
    for item in blocked:
        b_lo, b_hi = item.blocks(centre_id)
        if b_lo < hi and lo < b_hi:
            return False
    return True


def _travel(
    blocked: Sequence[_Blocked], centre_id: int, starts_local: datetime, ends_local: datetime
) -> int:
    """Travel the slot adds: the previous and the next busy interval of the same
    local day, when at another centre."""
    lo, hi = recurrence.to_instant(starts_local), recurrence.to_instant(ends_local)
    day = starts_local.date()
    same_day = [
        b for b in blocked if not b.all_day and recurrence.to_local(b.starts_at).date() == day
    ]
    before = [b for b in same_day if b.ends_at <= lo]
    after = [b for b in same_day if b.starts_at >= hi]
    minutes = 0
    if before:
        previous = max(before, key=lambda b: b.ends_at)
        if previous.centre_id != centre_id:
            minutes += int(previous.travel.total_seconds() // 60)
    if after:
        following = min(after, key=lambda b: b.starts_at)
        if following.centre_id != centre_id:
            minutes += int(following.travel.total_seconds() // 60)
    return minutes


def _grid(lo: datetime, hi: datetime, duration: timedelta) -> Iterator[datetime]:
    """Quarter-hour starts s with [s, s + duration) inside [lo, hi)."""
    midnight = datetime.combine(lo.date(), time())
    steps = -(-(lo - midnight) // STEP)  # ceiling
    start = midnight + steps * STEP
    while start + duration <= hi:
        yield start
        start += STEP


def _runs(starts: list[datetime]) -> list[list[datetime]]:
    """Consecutive quarter-hour starts, grouped: one group per free gap."""
    groups: list[list[datetime]] = []
    for start in starts:
        if groups and start - groups[-1][-1] == STEP:
            groups[-1].append(start)
        else:
            groups.append([start])
    return groups


def _share_rooms(
    session: Session, user_id: int, centre_id: int, first_day: date, last_day: date
) -> dict[date, _ShareRoom]:
    """The centre's agreed hours left, per month touched by the window."""
    rooms = {}
    month = first_day.replace(day=1)
    while month <= last_day:
        lines = share_lines(session, user_id, month)
        agreed = any(line.month_agreed or line.quarter_agreed for line in lines)
        line = next((x for x in lines if x.centre_id == centre_id), None)
        if agreed and line is not None:
            rooms[month] = _ShareRoom(
                True,
                line.month_agreed - line.month_hours,
                line.quarter_agreed - line.quarter_hours,
            )
        else:
            rooms[month] = _ShareRoom(False, Decimal(0), Decimal(0))
        month = (month + timedelta(days=32)).replace(day=1)
    return rooms


def trial(session: Session, calendar: Calendar, proposal: Proposal, config: Settings) -> str | None:
    """Book the proposal in a savepoint that is always rolled back: None when the
    booking accepts it, else its refusal. Nothing of the trial remains."""
    savepoint = session.begin_nested()
    try:
        book(
            session,
            calendar,
            centre_id=proposal.centre_id,
            category=Category.OTHER,
            title=TRIAL_TITLE,
            starts_local=proposal.starts_local,
            ends_local=proposal.ends_local,
            rrule=proposal.rrule,
            exdates=list(proposal.exdates),
            config=config,
        )
    except AgendaError as refused:
        return refused.message
    finally:
        if savepoint.is_active:
            savepoint.rollback()
    return None


def confirmed(
    session: Session,
    calendar: Calendar,
    ranked: Sequence[Proposal],
    limit: int,
    config: Settings | None = None,
    verify: bool = True,
) -> list[Proposal]:
    """The first `limit` of `ranked` that the booking accepts (each tried by
    `trial`), trying at most MAX_TRIALS. Searches over several centres rank
    their unchecked proposals together and confirm them here once."""
    config = config or settings()
    if not verify:
        return list(ranked[:limit])
    kept: list[Proposal] = []
    for proposal in ranked[:MAX_TRIALS]:
        if trial(session, calendar, proposal, config) is None:
            kept.append(proposal)
            if len(kept) == limit:
                break
    return kept


def rank(proposal: Proposal) -> tuple:
    """Within the centre's share first, then the fewest travel minutes, then the earliest."""
    return (proposal.over_share, proposal.travel_minutes, proposal.starts_local)


def series_rank(proposal: Proposal) -> tuple:
    """The fewest travel minutes over the series, then the earliest time of day."""
    return (proposal.travel_minutes, proposal.starts_local.time(), proposal.centre_id)


# --- One slot ---------------------------------------------------------------------------


def find(
    session: Session,
    calendar: Calendar,
    centre_id: int,
    duration: timedelta,
    first_day: date,
    last_day: date,
    *,
    weekdays: Collection[int] | None = None,
    part: Part | None = None,
    limit: int = 8,
    closed_days: Callable[[date], bool] | Collection[date] = (),
    config: Settings | None = None,
    not_before: datetime | None = None,
    verify: bool = True,
) -> list[Proposal]:
    """The best slots of `duration` for the person of `calendar` at `centre_id`,
    between two local days (both included), ranked as the module says.
    `not_before` (local) keeps the past out: the default is now in Paris."""
    config = config or settings()
    check_request(duration, first_day, last_day, limit)
    if not_before is None:
        not_before = recurrence.to_local(now())
    closed = closed_days if callable(closed_days) else set(closed_days).__contains__
    week = hours.week_of(session, calendar.user_id)
    end_day = last_day + timedelta(days=1)
    blocked = _by_day(_busy(session, calendar.user_id, first_day, end_day, config))
    rooms = _share_rooms(session, calendar.user_id, centre_id, first_day, last_day)
    hours_ = (Decimal(duration.total_seconds()) / 3600).quantize(Decimal("0.01"))
    candidates: list[Proposal] = []
    day = first_day
    while day <= last_day:
        if (weekdays is None or day.weekday() in weekdays) and not closed(day):
            room = rooms[day.replace(day=1)]
            if room.over(hours_) and config.share_policy == "refuse":
                day += timedelta(days=1)
                continue
            near = blocked.get(day, [])
            for lo, hi in _stretches(week, day, part):
                starts = [
                    s
                    for s in _grid(max(lo, not_before), hi, duration)
                    if is_free(near, centre_id, s, s + duration)
                ]
                for run in _runs(starts):
                    options = {run[0], run[-1]}
                    best = min(
                        options, key=lambda s: (_travel(near, centre_id, s, s + duration), s)
                    )
                    candidates.append(
                        Proposal(
                            centre_id,
                            best,
                            best + duration,
                            _travel(near, centre_id, best, best + duration),
                            room.over(hours_),
                            room.month_left if room.checked else None,
                        )
                    )
        day += timedelta(days=1)
    ranked = sorted(candidates, key=rank)
    return confirmed(session, calendar, ranked, limit, config, verify)


# --- A series ---------------------------------------------------------------------------


def find_series(
    session: Session,
    calendar: Calendar,
    centre_ids: Sequence[int],
    duration: timedelta,
    first_day: date,
    *,
    weekday: int,
    every_weeks: int = 1,
    count: int = 6,
    part: Part | None = None,
    limit: int = 6,
    closed_days: Callable[[date], bool] | Collection[date] = (),
    config: Settings | None = None,
    verify: bool = True,
) -> list[Proposal]:
    """A time of day and a centre where a weekly series (« un mardi sur deux
    l’après-midi ») fits every occurrence, from the first `weekday` on or after
    `first_day`. Closed days become exceptions (EXDATE) of the series. Ranked by
    the fewest travel minutes over the series, then the earliest time; one
    proposal per centre and free gap."""
    config = config or settings()
    if not 0 <= weekday <= 6:
        raise Refusal(_("Choisissez un jour de la semaine."), "weekday")
    if not 1 <= every_weeks <= 4:
        raise Refusal(_("Toutes les semaines à toutes les quatre semaines."), "every_weeks")
    if not 2 <= count <= MAX_SERIES_COUNT:
        raise Refusal(_("Entre 2 et %(n)s séances.", n=MAX_SERIES_COUNT), "count")
    if not centre_ids:
        raise Refusal(_("Choisissez au moins un centre."), "centres")
    start = first_day + timedelta(days=(weekday - first_day.weekday()) % 7)
    dates = [start + timedelta(weeks=every_weeks * k) for k in range(count)]
    # The series may run past three months: its work is bounded by `count`.
    check_request(duration, dates[0], dates[0], limit)
    closed = closed_days if callable(closed_days) else set(closed_days).__contains__
    open_dates = [d for d in dates if not closed(d)]
    if not open_dates:
        return []
    not_before = recurrence.to_local(now())
    week = hours.week_of(session, calendar.user_id)
    blocked = _by_day(
        _busy(session, calendar.user_id, dates[0], dates[-1] + timedelta(days=1), config)
    )
    rrule = f"FREQ=WEEKLY;INTERVAL={every_weeks};COUNT={count}"
    candidates: list[Proposal] = []
    for centre_id in centre_ids:
        for lo, hi in _stretches(week, start, part):
            fitting = []
            for s in _grid(lo, hi, duration):
                clock_time = s.time()
                slots = [datetime.combine(d, clock_time) for d in open_dates]
                if slots[0] < not_before:
                    continue
                if all(
                    is_free(blocked.get(x.date(), []), centre_id, x, x + duration) for x in slots
                ):
                    fitting.append(s)
            for run in _runs(fitting):
                first = datetime.combine(dates[0], run[0].time())
                travel = sum(
                    _travel(
                        blocked.get(d, []),
                        centre_id,
                        datetime.combine(d, run[0].time()),
                        datetime.combine(d, run[0].time()) + duration,
                    )
                    for d in open_dates
                )
                candidates.append(
                    Proposal(
                        centre_id,
                        first,
                        first + duration,
                        travel,
                        False,
                        None,
                        rrule=rrule,
                        exdates=tuple(
                            datetime.combine(d, run[0].time()) for d in dates if closed(d)
                        ),
                    )
                )
    ranked = sorted(candidates, key=series_rank)
    return confirmed(session, calendar, ranked, limit, config, verify)
