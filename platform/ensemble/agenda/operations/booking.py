"""Booking, moving and cancelling events and series, and materialising their
occurrences as busy intervals, where the database refuses a clash (travel
time included) under a per-person lock."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ensemble.agenda import recurrence
from ensemble.agenda.models import MAX_EVENT_DAYS, Busy, Calendar, Category, Event
from ensemble.agenda.operations.common import (
    BUSY_ELSEWHERE,
    AgendaError,
    Booking,
    Clash,
    Settings,
    settings,
)
from ensemble.agenda.operations.holidays import HolidayOccurrence, holiday_warning, on_holidays
from ensemble.agenda.operations.shares import check_shares
from ensemble.kernel import clock, french
from ensemble.tenancy import context


def _new_uid() -> str:
    return f"{uuid.uuid4()}@ensemble"


def book(
    session: Session,
    calendar: Calendar,
    *,
    centre_id: int,
    category: Category,
    title: str,
    starts_local: datetime,
    ends_local: datetime,
    description: str = "",
    participants: str = "",
    rrule: str | None = None,
    exdates: list[datetime] | None = None,
    uid: str | None = None,
    all_day: bool = False,
    reminders: list[int] | None = None,
    config: Settings | None = None,
    within_hours: bool = False,
) -> Booking:
    """Book an event (or a series) in the person's calendar. Refused with
    `Clash` when it overlaps another of the person's occurrences or leaves less
    than the travel time before or after one at another centre. An all-day
    event runs from local midnight `starts_local` to local midnight `ends_local`."""
    config = config or settings()
    _check_period(starts_local, ends_local, all_day)
    if rrule:
        rrule = recurrence.validate_rrule(rrule, starts_local)
    savepoint = session.begin_nested()
    try:
        event = Event(
            calendar_id=calendar.id,
            user_id=calendar.user_id,
            agreement_id=calendar.agreement_id,
            centre_id=centre_id,
            category=category,
            title=title.strip(),
            description=description.strip(),
            participants=participants.strip(),
            starts_local=starts_local,
            ends_local=ends_local,
            tzid=recurrence.PARIS,
            all_day=all_day,
            rrule=rrule or None,
            exdates=list(exdates or []),
            uid=uid or _new_uid(),
            reminders=list(reminders or []),
            sequence=0,
            created_by_user_id=context.current().user_id,
        )
        session.add(event)
        session.flush()
        occurrences = materialise(session, event, config)
        if within_hours:
            check_booked_by_other(session, calendar, event, occurrences)
        warnings = check_shares(session, calendar, event, occurrences, config)
        warnings += _holiday_warnings(session, event, occurrences)
        if within_hours:
            _tell_the_person(session, calendar, event, moved=False)
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    return Booking(event, warnings)


def move(
    session: Session,
    event: Event,
    *,
    config: Settings | None = None,
    keep: Mapping[datetime, bool] | None = None,
    within_hours: bool = False,
    **changes,
) -> Booking:
    """Change an event or a whole series (time, place, details, rule); the
    clash and share checks run again on every occurrence.

    When a series moves (its first start or its rule changes), its cancelled
    and changed occurrences follow it (`_targets`: the new occurrence of the
    same date, else of the same rank): what the person cancelled stays
    cancelled, a changed occurrence keeps replacing its own (it keeps the time
    it was given). `keep` says which of them the person chose to keep
    (`series_exceptions` lists them for the edit page); the others go."""
    config = config or settings()
    starts = changes.get("starts_local", event.starts_local)
    ends = changes.get("ends_local", event.ends_local)
    _check_period(starts, ends, changes.get("all_day", event.all_day))
    if changes.get("rrule"):
        changes["rrule"] = recurrence.validate_rrule(changes["rrule"], starts)
    before = (event.starts_local, event.rrule)
    savepoint = session.begin_nested()
    try:
        for key, value in changes.items():
            setattr(event, key, value.strip() if isinstance(value, str) else value)
        if "rrule" in changes and not changes["rrule"]:
            event.rrule = None
        event.sequence += 1
        session.flush()
        moved = (event.starts_local, event.rrule) != before
        if moved and event.series_id is None and before[1] and event.rrule:
            _follow_exceptions(session, event, (before[0], before[1]), keep)
        series = _series_of(session, event)
        occurrences = materialise(session, series, config)
        calendar = session.get_one(Calendar, event.calendar_id)
        if within_hours:
            check_booked_by_other(session, calendar, event, occurrences)
        warnings = check_shares(session, calendar, event, occurrences, config)
        warnings += _holiday_warnings(session, series, occurrences)
        if within_hours:
            _tell_the_person(session, calendar, event, moved=True)
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    return Booking(event, warnings)


@dataclass(frozen=True)
class SeriesException:
    """A cancelled or moved occurrence of a series, and the occurrence it will
    name once the series' first start or rule change (`target`; None: the new
    series has no occurrence left for it, it can only go)."""

    recurrence_local: datetime  # its identity now (the occurrence's wall time)
    cancelled: bool  # else moved: its own start and end below
    starts_local: datetime | None
    ends_local: datetime | None
    target: datetime | None


def series_exceptions(
    session: Session, series: Event, *, starts_local: datetime, rrule: str | None
) -> list[SeriesException]:
    """What an edit of a series' first start or rule would do to its cancelled
    and moved occurrences (nothing is changed): the list the edit page shows
    before asking which to keep. Empty when the series has none, or when the
    edit changes neither its start nor its rule. RuleRefused for a bad rule."""
    if series.series_id is not None or not series.rrule or not rrule:
        return []
    rrule = recurrence.validate_rrule(rrule, starts_local)
    if (starts_local, rrule) == (series.starts_local, series.rrule):
        return []
    overrides = [o for o in overrides_of(session, series) if o.recurrence_id is not None]
    targets = _targets(
        (series.starts_local, series.rrule),
        (starts_local, rrule),
        [*series.exdates, *(o.recurrence_id for o in overrides if o.recurrence_id)],
    )
    found = [SeriesException(d, True, None, None, targets.get(d)) for d in series.exdates]
    found += [
        SeriesException(
            o.recurrence_id, False, o.starts_local, o.ends_local, targets.get(o.recurrence_id)
        )
        for o in overrides
        if o.recurrence_id is not None
    ]
    return sorted(found, key=lambda e: e.recurrence_local)


def _targets(
    before: tuple[datetime, str], after: tuple[datetime, str], named: list[datetime]
) -> dict[datetime, datetime]:
    """The new occurrence each exception names: the one of the same date (the
    person cancelled « the 3 April session », whatever its time becomes); when
    the new series has none that day (the series changed day, or a monthly one
    moved across a month's end), the one of the same rank; never one that
    another exception already names. What has neither is left out: it goes."""
    if not named:
        return {}
    (old_start, old_rule), (new_start, new_rule) = before, after
    last = max(named)
    old = recurrence.instances(old_rule, old_start, last)
    rank = {wall: n for n, wall in enumerate(old)}
    new = recurrence.instances(new_rule, new_start, last + timedelta(days=62))
    if len(new) < len(old):
        new = recurrence.instances(new_rule, new_start, count=len(old))
    by_date = {wall.date(): wall for wall in new}
    targets: dict[datetime, datetime] = {}
    taken: set[datetime] = set()
    for wall in sorted(set(named)):
        same_day = by_date.get(wall.date())
        if same_day is not None and same_day not in taken:
            targets[wall] = same_day
            taken.add(same_day)
    for wall in sorted(set(named) - set(targets)):
        n = rank.get(wall)
        if n is not None and n < len(new) and new[n] not in taken:
            targets[wall] = new[n]
            taken.add(new[n])
    return targets


def _follow_exceptions(
    session: Session,
    series: Event,
    before: tuple[datetime, str],
    keep: Mapping[datetime, bool] | None = None,
) -> None:
    """After a series moved (or its rule changed), its cancellations and changed
    occurrences name the new occurrences `_targets` gives them, unless the person
    chose to drop them (`keep`: identity → kept; an exception not named there is
    kept where it can be). One without a target, or dropped, goes: a cancelled
    occurrence comes back at the series' new time, a moved one returns to it.
    Changed occurrences are renamed through a distant parking place, in two
    statements, because their unique index is checked row by row."""
    overrides = overrides_of(session, series)
    if not series.exdates and not overrides:
        return
    assert series.rrule is not None  # only a series has exceptions
    named = [*series.exdates, *(o.recurrence_id for o in overrides if o.recurrence_id)]
    targets = _targets(before, (series.starts_local, series.rrule), named)
    decided = keep or {}

    def renamed(wall: datetime) -> datetime | None:
        return targets.get(wall) if decided.get(wall, True) else None

    series.exdates = sorted({r for d in series.exdates if (r := renamed(d)) is not None})
    parked = timedelta(days=365 * 3000)
    kept: dict[int, datetime] = {}
    for override in overrides:
        original = override.recurrence_id
        target = renamed(original) if original is not None else None
        if target is None:
            session.delete(override)
            continue
        kept[override.id] = target
        override.recurrence_id = original + parked if original is not None else None
        override.sequence += 1
    session.flush()
    for override in overrides_of(session, series):
        override.recurrence_id = kept[override.id]
    session.flush()


def cancel_occurrence(session: Session, series: Event, recurrence_local: datetime) -> None:
    """Remove one occurrence of a series (an EXDATE); a changed occurrence goes too."""
    if not series.rrule:
        raise AgendaError(_("Cet événement n’est pas récurrent."))
    override = _override(session, series, recurrence_local)
    if override is not None:
        session.delete(override)
    series.exdates = sorted({*series.exdates, recurrence_local})
    series.sequence += 1
    session.flush()
    materialise(session, series, settings())


def move_occurrence(
    session: Session,
    series: Event,
    recurrence_local: datetime,
    *,
    starts_local: datetime,
    ends_local: datetime,
    centre_id: int | None = None,
    title: str | None = None,
    description: str | None = None,
    config: Settings | None = None,
) -> Booking:
    """Change one occurrence of a series (a RECURRENCE-ID row); its title and
    description are the series' unless given (an imported moved instance keeps
    its own)."""
    config = config or settings()
    if not series.rrule:
        raise AgendaError(_("Cet événement n’est pas récurrent."))
    _check_period(starts_local, ends_local)
    occurrences = {o.recurrence_local for o in _expand(session, series, config)}
    if recurrence_local not in occurrences:
        raise AgendaError(_("Cette occurrence n’existe pas."))
    savepoint = session.begin_nested()
    try:
        override = _override(session, series, recurrence_local)
        if override is None:
            override = Event(
                calendar_id=series.calendar_id,
                user_id=series.user_id,
                agreement_id=series.agreement_id,
                centre_id=centre_id or series.centre_id,
                category=series.category,
                title=(title or series.title).strip(),
                description=(series.description if description is None else description).strip(),
                participants=series.participants,
                tzid=series.tzid,
                all_day=series.all_day,
                reminders=list(series.reminders or []),
                rrule=None,
                exdates=[],
                series_id=series.id,
                recurrence_id=recurrence_local,
                uid=series.uid,
                sequence=0,
                created_by_user_id=context.current().user_id,
                starts_local=starts_local,
                ends_local=ends_local,
            )
            session.add(override)
        else:
            override.starts_local, override.ends_local = starts_local, ends_local
            if centre_id:
                override.centre_id = centre_id
            if title:
                override.title = title.strip()
            if description is not None:
                override.description = description.strip()
            override.sequence += 1
        series.sequence += 1
        session.flush()
        materialised = materialise(session, series, config)
        calendar = session.get_one(Calendar, series.calendar_id)
        warnings = check_shares(session, calendar, override, materialised, config)
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    return Booking(override, warnings)


def delete_event(session: Session, event: Event) -> None:
    """Delete an event, a whole series (with its changed occurrences), or one changed occurrence."""
    series = _series_of(session, event)
    session.delete(event)
    session.flush()
    if series is not event:
        materialise(session, series, settings())


def check_booked_by_other(
    session: Session, calendar: Calendar, event: Event, occurrences: list[recurrence.Occurrence]
) -> None:
    """Only the person books outside their working hours or on a public holiday
    (their hours page says so; the finder proposes nothing there): anyone else
    booking in their calendar from the event form is refused the same way, and
    the person is told (`OutsideHours`)."""
    from ensemble.agenda import hours
    from ensemble.agenda.holidays import is_public_holiday
    from ensemble.network.models import Centre

    if context.current().user_id == calendar.user_id:
        return
    week = hours.week_of(session, calendar.user_id)
    centre = session.get_one(Centre, event.centre_id)
    for occurrence in occurrences:
        if occurrence.event_id != event.id:
            continue
        starts = occurrence.starts_local
        ends = recurrence.to_local(occurrence.ends_at)
        day = starts.date()
        if is_public_holiday(day, centre.departement or None):
            raise OutsideHours(
                _(
                    "%(day)s est férié : seule la personne peut réserver ce jour-là dans son "
                    "agenda.",
                    day=french.long_date(day, weekday=True).capitalize(),
                )
            )
        inside = not occurrence.all_day and any(
            datetime.combine(day, lo) <= starts and ends <= datetime.combine(day, hi)
            for lo, hi in week.on(day.weekday()).intervals()
        )
        if not inside:
            raise OutsideHours(
                _(
                    "%(when)s sort des horaires de travail de la personne : elle seule peut "
                    "réserver en dehors. Cherchez un créneau ou demandez-le-lui.",
                    when=french.long_datetime(occurrence.starts_at, weekday=True).capitalize(),
                )
            )


def _tell_the_person(session: Session, calendar: Calendar, event: Event, *, moved: bool) -> None:
    """Someone else booked (or changed) an event in the person's calendar from the
    event form: the person is told in the app, with what and when."""
    from ensemble.notifications.operations import notify
    from ensemble.people.models import User

    booker_id = context.current().user_id
    if booker_id is None or booker_id == calendar.user_id:
        return
    person, booker = session.get(User, calendar.user_id), session.get(User, booker_id)
    if person is None or booker is None:
        return
    when = french.long_datetime(recurrence.to_instant(event.starts_local), weekday=True)
    notify(
        session,
        [(person.id, person.email)],
        _("Événement modifié dans votre agenda") if moved else _("Événement ajouté à votre agenda"),
        body=_(
            "%(person)s a placé « %(title)s » le %(when)s dans votre agenda.",
            person=booker.full_name,
            title=event.title,
            when=when,
        ),
        centre_id=event.centre_id,
        email=False,
    )


class OutsideHours(AgendaError):
    """Someone else booked outside the person's hours or on a public holiday."""


def _holiday_warnings(
    session: Session, series: Event, occurrences: list[recurrence.Occurrence]
) -> list[str]:
    warning = holiday_warning(on_holidays(session, series, occurrences, clock.utcnow()))
    return [warning] if warning else []


def holiday_occurrences(
    session: Session, event: Event, since: datetime | None = None
) -> list[HolidayOccurrence]:
    """The occurrences of a series (not over at `since`) that fall on a public
    holiday where it takes place. A changed occurrence is left alone: someone
    already chose its day."""
    series = _series_of(session, event)
    busy = session.scalars(
        select(Busy).where(Busy.event_id == series.id).order_by(func.lower(Busy.during))
    ).all()
    occurrences = [
        recurrence.Occurrence(
            b.event_id,
            b.recurrence_local,
            recurrence.to_local(b.during.lower),
            b.during.lower,
            b.during.upper,
            b.all_day,
        )
        for b in busy
        if b.during.lower is not None and b.during.upper is not None
    ]
    return on_holidays(session, series, occurrences, since)


def skip_holidays(
    session: Session, series: Event, *, since: datetime, config: Settings | None = None
) -> int:
    """Cancel the occurrences of a series (not over at `since`) that fall on a
    public holiday, as if each had been cancelled by hand. Returns how many."""
    found = holiday_occurrences(session, series, since)
    if not found:
        return 0
    series.exdates = sorted({*series.exdates, *(h.recurrence_local for h in found)})
    series.sequence += 1
    session.flush()
    materialise(session, series, config or settings())
    return len(found)


def _check_period(starts: datetime, ends: datetime, all_day: bool = False) -> None:
    if ends <= starts:
        raise AgendaError(_("La fin doit être après le début."))
    if ends - starts > timedelta(days=MAX_EVENT_DAYS):
        raise AgendaError(_("Un événement dure au plus %(n)s jours.", n=MAX_EVENT_DAYS))
    if all_day and (starts.time() != time() or ends.time() != time()):
        raise AgendaError(_("Un événement sur la journée commence et finit à minuit."))


def _series_of(session: Session, event: Event) -> Event:
    return session.get_one(Event, event.series_id) if event.series_id else event


def _override(session: Session, series: Event, recurrence_local: datetime) -> Event | None:
    return session.scalar(
        select(Event).where(Event.series_id == series.id, Event.recurrence_id == recurrence_local)
    )


def overrides_of(session: Session, series: Event) -> list[Event]:
    return list(
        session.scalars(
            select(Event).where(Event.series_id == series.id).order_by(Event.recurrence_id)
        )
    )


def _expand(
    session: Session, series: Event, config: Settings, today: date | None = None
) -> list[recurrence.Occurrence]:
    overrides = overrides_of(session, series)
    # A changed occurrence may have been moved before the series' first start.
    start = min([series.starts_local.date(), *(o.starts_local.date() for o in overrides)])
    end = (
        recurrence.horizon_end(series, config.horizon_days, today or clock.today())
        if series.rrule
        else (series.ends_local.date() + timedelta(days=1))
    )
    if series.rrule:
        # A changed occurrence may have been moved past the horizon.
        end = max(
            [
                end + timedelta(days=2),
                *(o.starts_local.date() + timedelta(days=1) for o in overrides),
            ]
        )
    return recurrence.expand(series, overrides, start, end)


def materialise(
    session: Session, series: Event, config: Settings | None = None, today: date | None = None
) -> list[recurrence.Occurrence]:
    """Rewrite the busy intervals of a series (and its changed occurrences), up
    to the horizon counted from `today` (default: today in Paris).
    The trigger refuses a clash; it is turned into a `Clash` naming it."""
    config = config or settings()
    occurrences = _expand(session, series, config, today)
    event_ids = [series.id, *(o.id for o in overrides_of(session, series))]
    session.execute(delete(Busy).where(Busy.event_id.in_(event_ids)))
    rows = [
        {
            "event_id": o.event_id,
            "calendar_id": series.calendar_id,
            "user_id": series.user_id,
            "agreement_id": series.agreement_id,
            "centre_id": _centre_of(session, series, o.event_id),
            "during": Range(o.starts_at, o.ends_at, bounds="[)"),
            "recurrence_local": o.recurrence_local,
            "all_day": o.all_day,
            # Nobody travels to a day of leave: no margin around an all-day row.
            "travel_minutes": 0 if o.all_day else config.travel_minutes,
        }
        for o in occurrences
    ]
    if rows:
        try:
            with session.begin_nested():
                session.execute(insert(Busy), rows)
        except IntegrityError as error:
            raise _clash(session, error) from None
    return occurrences


def materialised_until(session: Session, series: Event) -> datetime | None:
    """The start of the last busy interval of a series (changed occurrences included)."""
    ids = [series.id, *(o.id for o in overrides_of(session, series))]
    return session.scalar(select(func.max(func.lower(Busy.during))).where(Busy.event_id.in_(ids)))


def extend(session: Session, series: Event, today: date, config: Settings | None = None) -> int:
    """Materialise a recurring series up to the horizon counted from `today` when
    its rule has occurrences beyond its last busy interval. Returns the number of
    occurrences added (0: nothing to do). A clash with what was booked since
    raises `Clash` and leaves the series as it was."""
    config = config or settings()
    if not series.rrule or series.series_id is not None:
        return 0
    last = materialised_until(session, series)
    start = (
        recurrence.to_local(last).date() + timedelta(days=1)
        if last is not None
        else series.starts_local.date()
    )
    end = recurrence.horizon_end(series, config.horizon_days, today)
    if start >= end:
        return 0
    beyond = [
        o
        for o in recurrence.expand(series, overrides_of(session, series), start, end)
        if last is None or o.starts_at > last
    ]
    if not beyond:
        return 0
    with session.begin_nested():
        materialise(session, series, config, today)
    return len(beyond)


def _centre_of(session: Session, series: Event, event_id: int) -> int:
    if event_id == series.id:
        return series.centre_id
    return session.get_one(Event, event_id).centre_id


def _clash(session: Session, error: IntegrityError) -> AgendaError:
    """A French message naming the clash the database found."""
    diag = getattr(error.orig, "diag", None)
    detail = getattr(diag, "message_detail", None) or ""
    if getattr(diag, "sqlstate", None) != "23P01" or not detail.isdigit():
        raise error
    busy = session.get(Busy, int(detail))
    if busy is None:
        return Clash(_("Cette personne est déjà occupée sur ce créneau."))
    event = session.get(Event, busy.event_id)
    start, end = busy.during.lower, busy.during.upper
    # Never open-ended: the table's check refuses an empty or unbounded interval.
    assert start is not None and end is not None
    when = _(
        "le %(day)s de %(start)s à %(end)s",
        day=french.long_date(start, weekday=True),
        start=french.time_of_day(start),
        end=french.time_of_day(end),
    )
    what = f"« {event.title} »" if event is not None else f"« {_(BUSY_ELSEWHERE)} »"
    # Said to the reader: the person booking their own time hears « vous ».
    if busy.user_id == context.current().user_id:
        return Clash(
            _(
                "Conflit : vous êtes déjà pris·e %(when)s (%(what)s). Le temps de trajet"
                " entre deux centres compte aussi comme occupé.",
                when=when,
                what=what,
            )
        )
    return Clash(
        _(
            "Conflit : la personne est déjà prise %(when)s (%(what)s). Le temps de trajet entre "
            "deux centres compte aussi comme occupé.",
            when=when,
            what=what,
        )
    )
