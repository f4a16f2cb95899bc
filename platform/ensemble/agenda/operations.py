"""Shared calendars: booking, moving and cancelling, the no-double-booking
rule, agreed shares, requests from centres and subscription feeds.

Operations flush, never commit. A booking runs in a savepoint: when the
database refuses it (a clash found by the trigger on `agenda_busy`, under a
per-person lock) or the share policy refuses it, nothing of it remains and the
caller's transaction stays usable.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app, has_app_context
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ensemble.accounts.models import User
from ensemble.agenda import recurrence
from ensemble.agenda.models import (
    Busy,
    Calendar,
    Category,
    Event,
    Feed,
    Request,
    RequestStatus,
)
from ensemble.db import utcnow
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre
from ensemble.notifications.operations import notify
from ensemble.sharing.models import VISIBLE_STATUSES, AgreementParty
from ensemble.sharing.timesheets import agreed_shares
from ensemble.tenancy import context

BUSY_ELSEWHERE = "Occupé — autre structure"


@dataclass(frozen=True)
class Settings:
    travel_minutes: int = 20
    share_policy: str = "warn"  # or "refuse"
    horizon_days: int = 731
    weekly_hours: int = 35


def settings() -> Settings:
    """The agenda settings of the running app (defaults outside one)."""
    if not has_app_context():
        return Settings()
    config = current_app.config
    return Settings(
        travel_minutes=int(config.get("AGENDA_TRAVEL_MINUTES", 20)),
        share_policy=config.get("AGENDA_SHARE_POLICY", "warn"),
        horizon_days=int(config.get("AGENDA_HORIZON_DAYS", 731)),
        weekly_hours=int(config.get("AGENDA_WEEKLY_HOURS", 35)),
    )


class AgendaError(Refusal):
    """A booking refused, with a French message for the person."""


class Clash(AgendaError):
    pass


class ShareExceeded(AgendaError):
    pass


@dataclass
class Booking:
    event: Event
    warnings: list[str] = field(default_factory=list)


# --- Calendars -----------------------------------------------------------------


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


# --- Booking -------------------------------------------------------------------


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
    config: Settings | None = None,
) -> Booking:
    """Book an event (or a series) in the person's calendar. Refused with
    `Clash` when it overlaps another of the person's occurrences or leaves less
    than the travel time before or after one at another centre."""
    config = config or settings()
    _check_period(starts_local, ends_local)
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
            rrule=rrule or None,
            exdates=list(exdates or []),
            uid=uid or _new_uid(),
            sequence=0,
            created_by_user_id=context.current().user_id,
        )
        session.add(event)
        session.flush()
        occurrences = materialise(session, event, config)
        warnings = check_shares(session, calendar, event, occurrences, config)
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
    **changes,
) -> Booking:
    """Change an event or a whole series (time, place, details, rule); the
    clash and share checks run again on every occurrence."""
    config = config or settings()
    starts = changes.get("starts_local", event.starts_local)
    ends = changes.get("ends_local", event.ends_local)
    _check_period(starts, ends)
    if changes.get("rrule"):
        changes["rrule"] = recurrence.validate_rrule(changes["rrule"], starts)
    savepoint = session.begin_nested()
    try:
        for key, value in changes.items():
            setattr(event, key, value.strip() if isinstance(value, str) else value)
        if "rrule" in changes and not changes["rrule"]:
            event.rrule = None
        event.sequence += 1
        session.flush()
        series = _series_of(session, event)
        occurrences = materialise(session, series, config)
        calendar = session.get(Calendar, event.calendar_id)
        warnings = check_shares(session, calendar, event, occurrences, config)
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    return Booking(event, warnings)


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
    config: Settings | None = None,
) -> Booking:
    """Change one occurrence of a series (a RECURRENCE-ID row)."""
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
                title=series.title,
                description=series.description,
                participants=series.participants,
                tzid=series.tzid,
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
            override.sequence += 1
        series.sequence += 1
        session.flush()
        materialised = materialise(session, series, config)
        calendar = session.get(Calendar, series.calendar_id)
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


def _check_period(starts: datetime, ends: datetime) -> None:
    if ends <= starts:
        raise AgendaError(_("La fin doit être après le début."))
    if ends - starts > timedelta(hours=24):
        raise AgendaError(_("Un événement dure au plus 24 heures."))


def _series_of(session: Session, event: Event) -> Event:
    return session.get(Event, event.series_id) if event.series_id else event


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
    start = series.starts_local.date()
    end = (
        recurrence.horizon_end(series, config.horizon_days, today or clock.today())
        if series.rrule
        else (series.ends_local.date() + timedelta(days=1))
    )
    if series.rrule:
        # An override may move an occurrence past the horizon by a few days.
        end += timedelta(days=2)
    return recurrence.expand(series, overrides_of(session, series), start, end)


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
            "travel_minutes": config.travel_minutes,
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
    return session.get(Event, event_id).centre_id


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
    when = _(
        "le %(day)s de %(start)s à %(end)s",
        day=format_datetime(busy.during.lower, "EEEE d MMMM yyyy"),
        start=format_datetime(busy.during.lower, "HH:mm"),
        end=format_datetime(busy.during.upper, "HH:mm"),
    )
    what = f"« {event.title} »" if event is not None else f"« {_(BUSY_ELSEWHERE)} »"
    return Clash(
        _(
            "Conflit : la personne est déjà prise %(when)s (%(what)s). Le temps de trajet entre "
            "deux centres compte aussi comme occupé.",
            when=when,
            what=what,
        )
    )


# --- What a centre, a person, a period looks like --------------------------------


@dataclass(frozen=True)
class Slot:
    """One occurrence as shown: full details, or « busy » only."""

    busy_id: int
    event_id: int
    user_id: int
    centre_id: int
    starts_at: datetime
    ends_at: datetime
    event: Event | None  # None: not visible here, shown as busy elsewhere

    @property
    def title(self) -> str:
        return self.event.title if self.event is not None else _(BUSY_ELSEWHERE)

    @property
    def hidden(self) -> bool:
        return self.event is None


def day_start(day: date) -> datetime:
    return recurrence.to_instant(datetime.combine(day, time()))


def slots(
    session: Session,
    start: date,
    end: date,
    *,
    user_ids: list[int] | None = None,
    centre_id: int | None = None,
) -> list[Slot]:
    """Occurrences between two local dates, for some people and/or one centre.
    What the reader may not see in full comes back as « busy » only."""
    lower, upper = day_start(start), day_start(end)
    query = select(Busy).where(func.lower(Busy.during) >= lower, func.lower(Busy.during) < upper)
    if user_ids is not None and centre_id is not None:
        query = query.where(Busy.user_id.in_(user_ids) | (Busy.centre_id == centre_id))
    elif user_ids is not None:
        query = query.where(Busy.user_id.in_(user_ids))
    elif centre_id is not None:
        query = query.where(Busy.centre_id == centre_id)
    busy = session.scalars(query.order_by(func.lower(Busy.during), Busy.id)).all()
    return _slots(session, busy)


def _slots(session: Session, busy: list[Busy]) -> list[Slot]:
    """Busy rows as slots, with their events where this person may read them
    (one query for all the events)."""
    event_ids = {b.event_id for b in busy}
    events = (
        {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
        if event_ids
        else {}
    )
    return [
        Slot(
            b.id,
            b.event_id,
            b.user_id,
            b.centre_id,
            b.during.lower,
            b.during.upper,
            events.get(b.event_id),
        )
        for b in busy
    ]


def occurrences_of(session: Session, event: Event) -> list[Slot]:
    series = _series_of(session, event)
    ids = [series.id, *(o.id for o in overrides_of(session, series))]
    busy = session.scalars(
        select(Busy).where(Busy.event_id.in_(ids)).order_by(func.lower(Busy.during))
    ).all()
    return _slots(session, busy)


# --- Hours and agreed shares -------------------------------------------------------


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
        centre = session.get(Centre, event.centre_id)
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


# --- Requests from centres ------------------------------------------------------------


def _recipient(session: Session, user_id: int) -> list[tuple[int, str]]:
    user = session.get(User, user_id)
    return [(user.id, user.email)] if user is not None else []


def ask(
    session: Session,
    calendar: Calendar,
    centre: Centre,
    *,
    title: str,
    category: Category,
    starts_local: datetime,
    ends_local: datetime,
    message: str = "",
    link: str = "",
) -> Request:
    """A director asks for the person at a date and place; the person is notified."""
    _check_period(starts_local, ends_local)
    request = Request(
        calendar_id=calendar.id,
        user_id=calendar.user_id,
        agreement_id=calendar.agreement_id,
        centre_id=centre.id,
        requested_by_user_id=context.current().user_id,
        category=category,
        title=title.strip(),
        message=message.strip(),
        starts_local=starts_local,
        ends_local=ends_local,
        status=RequestStatus.PENDING,
        reason="",
    )
    session.add(request)
    session.flush()
    notify(
        session,
        _recipient(session, calendar.user_id),
        _("Demande de créneau de %(centre)s", centre=centre.name),
        body=_(
            "%(centre)s vous demande pour « %(title)s » le %(when)s.",
            centre=centre.name,
            title=request.title,
            when=_when(starts_local),
        ),
        link=link,
        centre_id=centre.id,
    )
    return request


def _when(local: datetime) -> str:
    return format_datetime(recurrence.to_instant(local), "EEEE d MMMM yyyy 'à' HH:mm")


def _answered(session: Session, request: Request, title: str, body: str, link: str) -> None:
    request.answered_at = utcnow()
    session.flush()
    notify(
        session,
        _recipient(session, request.requested_by_user_id),
        title,
        body=body,
        link=link,
        centre_id=request.centre_id,
    )


def accept(
    session: Session, request: Request, *, link: str = "", config: Settings | None = None
) -> Booking:
    """The person accepts: the event is booked (clash and share checks apply)."""
    if request.status is not RequestStatus.PENDING:
        raise AgendaError(_("Cette demande a déjà reçu une réponse."))
    booking = _book_requested(session, request, config)
    request.status = RequestStatus.ACCEPTED
    request.event_id = booking.event.id
    _answered(
        session,
        request,
        _("Demande acceptée : %(title)s", title=request.title),
        _(
            "Votre demande « %(title)s » du %(when)s est acceptée.",
            title=request.title,
            when=_when(request.starts_local),
        ),
        link,
    )
    return booking


def _book_requested(session: Session, request: Request, config: Settings | None) -> Booking:
    """Book the slot a request asks for, in the person's calendar."""
    return book(
        session,
        session.get(Calendar, request.calendar_id),
        centre_id=request.centre_id,
        category=request.category,
        title=request.title,
        description=request.message,
        starts_local=request.starts_local,
        ends_local=request.ends_local,
        config=config,
    )


def accept_refusal(
    session: Session, request: Request, *, config: Settings | None = None
) -> str | None:
    """Why accepting `request` would be refused right now (a clash, a share
    refused), or None. The booking is tried in a savepoint that is always rolled
    back, so the database trigger stays the one judge and nothing is kept."""
    if request.status is not RequestStatus.PENDING:
        return None
    trial = session.begin_nested()
    try:
        _book_requested(session, request, config)
    except AgendaError as refused:
        return refused.message
    finally:
        if trial.is_active:
            trial.rollback()
    return None


def decline(session: Session, request: Request, reason: str, *, link: str = "") -> None:
    """The person declines, with a reason sent to the requester."""
    if request.status is not RequestStatus.PENDING:
        raise AgendaError(_("Cette demande a déjà reçu une réponse."))
    if not reason.strip():
        raise AgendaError(_("Indiquez la raison du refus."))
    request.status = RequestStatus.DECLINED
    request.reason = reason.strip()
    _answered(
        session,
        request,
        _("Demande refusée : %(title)s", title=request.title),
        _(
            "Votre demande « %(title)s » du %(when)s est refusée. Raison : %(reason)s",
            title=request.title,
            when=_when(request.starts_local),
            reason=request.reason,
        ),
        link,
    )


def propose(
    session: Session,
    request: Request,
    starts_local: datetime,
    ends_local: datetime,
    reason: str = "",
    *,
    link: str = "",
) -> None:
    """The person proposes another slot; the requester may take it."""
    if request.status is not RequestStatus.PENDING:
        raise AgendaError(_("Cette demande a déjà reçu une réponse."))
    _check_period(starts_local, ends_local)
    request.status = RequestStatus.PROPOSED
    request.proposed_starts_local, request.proposed_ends_local = starts_local, ends_local
    request.reason = reason.strip()
    _answered(
        session,
        request,
        _("Autre créneau proposé : %(title)s", title=request.title),
        _(
            "Pour « %(title)s », un autre créneau vous est proposé : le %(when)s.",
            title=request.title,
            when=_when(starts_local),
        ),
        link,
    )


def take_proposal(session: Session, request: Request, *, config: Settings | None = None) -> Booking:
    """The requester takes the proposed slot: it is booked at their centre."""
    if request.status is not RequestStatus.PROPOSED:
        raise AgendaError(_("Aucun autre créneau n’a été proposé."))
    calendar = session.get(Calendar, request.calendar_id)
    booking = book(
        session,
        calendar,
        centre_id=request.centre_id,
        category=request.category,
        title=request.title,
        description=request.message,
        starts_local=request.proposed_starts_local,
        ends_local=request.proposed_ends_local,
        config=config,
    )
    request.status = RequestStatus.ACCEPTED
    request.event_id = booking.event.id
    session.flush()
    return booking


# --- Subscription feeds ----------------------------------------------------------------


def active_feed(
    session: Session, *, user_id: int | None = None, centre_id: int | None = None
) -> Feed | None:
    query = select(Feed).where(Feed.revoked_at.is_(None))
    query = (
        query.where(Feed.user_id == user_id)
        if user_id
        else query.where(Feed.centre_id == centre_id)
    )
    return session.scalar(query)


def regenerate_feed(
    session: Session, *, user_id: int | None = None, centre_id: int | None = None
) -> Feed:
    """A new private URL (the previous one, if any, stops working)."""
    revoke_feed(session, user_id=user_id, centre_id=centre_id)
    feed = Feed(
        user_id=user_id,
        centre_id=centre_id,
        nonce=secrets.token_hex(16),
        created_by_user_id=context.current().user_id,
    )
    session.add(feed)
    session.flush()
    return feed


def revoke_feed(
    session: Session, *, user_id: int | None = None, centre_id: int | None = None
) -> None:
    feed = active_feed(session, user_id=user_id, centre_id=centre_id)
    if feed is not None:
        feed.revoked_at = utcnow()
        session.flush()


def feed_scope(session: Session, feed_id: int) -> tuple[str, int | None, int | None] | None:
    """(nonce, user_id, centre_id) of an active feed, read without a session user."""
    row = session.execute(text("SELECT * FROM agenda_feed(:id)"), {"id": feed_id}).first()
    return (row.nonce, row.user_id, row.centre_id) if row else None


def now() -> datetime:
    return clock.utcnow()


def by_centre(slots_: list[Slot]) -> dict[int, list[Slot]]:
    grouped: dict[int, list[Slot]] = defaultdict(list)
    for slot in slots_:
        grouped[slot.centre_id].append(slot)
    return grouped
