"""Reminders of events: how long before its start a person is reminded (stored
as minutes on the series, `Event.reminders`; a changed occurrence has its
series' reminders), as VALARM components in feeds and over CalDAV (written by
feeds.vevent_text), read back
from a CalDAV PUT or an import, and sent once as an in-app notification and an
e-mail by the beat task ensemble.agenda.send_reminders.

Sent once: each reminder's notification carries a dedup key naming the
occurrence (its series and start instant) and the delay, which
`notifications.notify` inserts at most once per person. A run that comes late
(the worker was down) still sends what fell due in the last `LATE` minutes; an
older reminder is not sent at all (« dans 15 min » an hour after the start
would be wrong).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ensemble.agenda.models import Busy, Event
from ensemble.kernel import french
from ensemble.network.models import Centre
from ensemble.notifications.operations import notify
from ensemble.people.models import User

# What the form offers (minutes before the start).
CHOICES = (5, 15, 30, 60, 120, 1440, 2880)
MAX_REMINDERS = 5
MAX_MINUTES = 4 * 7 * 24 * 60  # four weeks: what a client may send beyond the choices
LATE = timedelta(minutes=30)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def label(minutes: int) -> str:
    """« 15 min avant », « 1 h avant », « 2 jours avant », « Au début »."""
    if minutes == 0:
        return str(_l("Au début"))
    if minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("%(num)d jour avant", "%(num)d jours avant", days)
    if minutes % 60 == 0:
        return _("%(num)d\u00a0h avant", num=minutes // 60)
    return _("%(num)d\u00a0min avant", num=minutes)


def normalised(values: Iterable[int]) -> list[int]:
    """Distinct delays within bounds, the earliest reminder first."""
    kept = sorted({int(v) for v in values if 0 <= int(v) <= MAX_MINUTES}, reverse=True)
    return kept[:MAX_REMINDERS]


# --- iCalendar ---------------------------------------------------------------------


def from_component(component) -> list[int]:
    """The reminders of a VEVENT: its VALARMs whose trigger is a time before (or
    at) the start. Those after the start, relative to the end, or at a fixed
    instant are not reminders this calendar can keep, and are left out."""
    delays = []
    for alarm in getattr(component, "subcomponents", []):
        if getattr(alarm, "name", "") != "VALARM" or "TRIGGER" not in alarm:
            continue
        trigger = alarm["TRIGGER"]
        related = str(getattr(trigger, "params", {}).get("RELATED", "START")).upper()
        try:
            value = trigger.dt
        except (ValueError, TypeError, AttributeError):
            continue
        if related != "START" or not isinstance(value, timedelta):
            continue
        if value <= timedelta(0):
            delays.append(int(-value.total_seconds()) // 60)
    return normalised(delays)


def unreadable(component) -> bool:
    """Whether a VEVENT has a VALARM whose TRIGGER could not be read (missing,
    or no duration nor instant): that reminder is left out, and the person told
    so. A malformed property beside a readable TRIGGER (a REPEAT, a sound)
    costs nothing: the trigger is all a reminder here keeps."""
    for alarm in getattr(component, "subcomponents", []):
        if getattr(alarm, "name", "") != "VALARM":
            continue
        if "TRIGGER" not in alarm:
            return True
        try:
            value = alarm["TRIGGER"].dt
        except (ValueError, TypeError, AttributeError, KeyError):
            return True
        if not isinstance(value, (timedelta, datetime)):
            return True
    return False


# --- Sending -----------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One reminder to send: an occurrence, the delay, the series it belongs to."""

    series: Event
    centre_id: int
    starts_at: datetime
    minutes: int

    @property
    def key(self) -> str:
        stamp = self.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"agenda-reminder:{self.series.id}:{stamp}:{self.minutes}"


def due(session: Session, user_id: int, now: datetime) -> list[Due]:
    """The reminders of a person's occurrences that fall due in (now − LATE, now]
    (read under that person's context)."""
    series = aliased(Event)
    longest = timedelta(minutes=MAX_MINUTES)
    rows = session.execute(
        select(Busy, Event, series)
        .join(Event, Event.id == Busy.event_id)
        .outerjoin(series, series.id == Event.series_id)
        .where(
            Busy.user_id == user_id,
            func.lower(Busy.during) > now - LATE,
            func.lower(Busy.during) <= now + longest,
            func.cardinality(func.coalesce(series.reminders, Event.reminders)) > 0,
        )
        .order_by(func.lower(Busy.during), Busy.id)
    ).all()
    found = []
    for busy, event, parent in rows:
        owner = parent if parent is not None else event
        start = busy.during.lower
        for minutes in owner.reminders:
            if now - LATE < start - timedelta(minutes=minutes) <= now:
                found.append(Due(owner, busy.centre_id, start, minutes))
    return found


def recipients(session: Session, event: Event) -> list[tuple[int, str]]:
    """The person, and the participants who are platform users (named by their
    e-mail address in the participants' field)."""
    people = {event.user_id}
    addresses = {a.casefold() for a in _EMAIL.findall(event.participants or "")}
    if addresses:
        people |= set(session.scalars(select(User.id).where(func.lower(User.email).in_(addresses))))
    users = session.scalars(select(User).where(User.id.in_(people)).order_by(User.id))
    return [(u.id, u.email) for u in users]


def send(session: Session, item: Due, people: list[tuple[int, str]]) -> int:
    """Notify (in the app and by e-mail) once per person; returns how many were."""
    centre = session.get(Centre, item.centre_id)
    when = french.long_datetime(item.starts_at, weekday=True)  # « mardi 1er décembre 2026 à 14 h »
    body = _(
        "« %(title)s » commence le %(when)s (%(delay)s).",
        title=item.series.title,
        when=when,
        delay=label(item.minutes),
    )
    if centre is not None:
        body += " " + _("Lieu : %(place)s.", place=centre.name)
    return notify(
        session,
        people,
        _("Rappel : %(title)s", title=item.series.title),
        body=body,
        link=f"/c/{centre.slug}/agenda/evenements/{item.series.id}" if centre else "",
        centre_id=item.centre_id,
        dedup_key=item.key,
    )
