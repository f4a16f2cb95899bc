"""Private iCalendar feeds (RFC 5545) that phone and desktop calendar apps
subscribe to.

The URL carries `<feed id>-<HMAC(secret key, id, nonce)>`: nothing secret is
stored, the URL can be shown again, a new nonce regenerates it and
`revoked_at` revokes it. The feed is built under the row-level security of
its owner (the person, or the centre), so it follows the same visibility rules
as the pages: another centre's time comes out as « Occupé — autre structure »,
without title, place or participants.

Conditional requests: the ETag is computed from one aggregate query (counts
and last changes of what the feed would contain), so an unchanged feed is
answered 304 without being built.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.agenda import icaltext, recurrence
from ensemble.agenda.forms import CATEGORY_LABELS
from ensemble.agenda.models import Busy, Event
from ensemble.agenda.operations import BUSY_ELSEWHERE, day_start
from ensemble.network.models import Centre
from ensemble.tenancy.context import TenantContext
from ensemble.tenancy.scopes import context_for_user, context_of_centre

# Busy time of others is listed from this long ago.
PAST_DAYS = 92


def token(secret_key: str, feed_id: int, nonce: str) -> str:
    mac = hmac.new(
        secret_key.encode(), f"agenda-feed:{feed_id}:{nonce}".encode(), hashlib.sha256
    ).hexdigest()[:40]
    return f"{feed_id}-{mac}"


def parse_token(value: str) -> tuple[int, str] | None:
    """`<id>-<40 hex digits>`, ASCII only (hmac.compare_digest refuses other text)."""
    head, _, mac = value.partition("-")
    if not (value.isascii() and head.isdigit() and len(head) <= 18 and len(mac) == 40):
        return None
    return int(head), mac


def verify(secret_key: str, value: str, nonce: str) -> bool:
    parsed = parse_token(value)
    return parsed is not None and hmac.compare_digest(token(secret_key, parsed[0], nonce), value)


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    centre_id: int | None

    def context(self, session: Session) -> TenantContext:
        """What the feed may see: the person's own view, or what the centre's directors
        see on its pages. Derived by the tenancy layer like theirs, not written out
        here: a hand-made `centre_ids` alone forgot that a centre also takes part in
        agreements through its employer, and its feed showed none of that busy time."""
        if self.user_id is not None:
            # The person's own pages' context: with only their id, the centres
            # of their own events could not be read, and the feed had no LOCATION.
            # The events stay theirs alone (`_events_query`).
            return context_for_user(session, self.user_id)
        return context_of_centre(session, self.centre_id)


def _events_query(scope: Scope):
    if scope.user_id is not None:
        return select(Event).where(Event.user_id == scope.user_id)
    return select(Event).where(Event.centre_id == scope.centre_id)


def _busy_elsewhere_query(scope: Scope, today: date):
    """Others' time a centre feed shows as busy (none for a person's own feed)."""
    return select(Busy).where(
        Busy.centre_id != scope.centre_id,
        func.lower(Busy.during) >= day_start(today - timedelta(days=PAST_DAYS)),
    )


def etag(session: Session, scope: Scope, nonce: str, today: date) -> str:
    """Changes whenever the feed's content would (one aggregate query)."""
    events = _events_query(scope).subquery()
    row = session.execute(
        select(func.count(events.c.id), func.max(events.c.updated_at), func.max(events.c.id))
    ).one()
    parts = [str(v) for v in row]
    if scope.centre_id is not None:
        busy = _busy_elsewhere_query(scope, today).subquery()
        parts += [
            str(v)
            for v in session.execute(select(func.count(busy.c.id), func.max(busy.c.id))).one()
        ]
    digest = hashlib.sha256(f"{nonce}|{today}|{'|'.join(parts)}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def build(session: Session, scope: Scope, name: str, today: date) -> bytes:
    """The feed as iCalendar bytes."""
    events = session.scalars(_events_query(scope).order_by(Event.id)).all()
    centres = (
        {
            c.id: c
            for c in session.scalars(
                select(Centre).where(Centre.id.in_({e.centre_id for e in events}))
            )
        }
        if events
        else {}
    )
    stamp = datetime.now(UTC).replace(microsecond=0)
    by_id = {e.id: e for e in events}
    # Reminders are the person's: a centre's feed, on its directors' phones, carries
    # none (found by the red team: the director's phone rang for the officer's).
    personal = scope.centre_id is None
    bodies = [
        vevent_text(
            event,
            centres.get(event.centre_id),
            stamp,
            series_reminders(event, by_id) if personal else [],
        )
        for event in events
    ]
    if scope.centre_id is not None:
        busy_summary = icaltext.text(str(BUSY_ELSEWHERE))
        for busy in session.scalars(
            _busy_elsewhere_query(scope, today).order_by(func.lower(Busy.during), Busy.id)
        ):
            assert busy.during.lower is not None and busy.during.upper is not None
            bodies.append(
                "BEGIN:VEVENT\r\n"
                f"UID:{busy_uid(scope, busy)}\r\n"
                f"DTSTAMP:{icaltext.utc(stamp)}\r\n"
                f"DTSTART:{icaltext.utc(busy.during.lower)}\r\n"
                f"DTEND:{icaltext.utc(busy.during.upper)}\r\n"
                + icaltext.fold(f"SUMMARY:{busy_summary}")
                + "CLASS:CONFIDENTIAL\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n"
            )
    headers = [
        "PRODID:-//Ensemble//Agendas partagés//FR",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + icaltext.text(name),
        "X-WR-TIMEZONE:" + recurrence.PARIS,
    ]
    return icaltext.calendar(headers, bodies, paris=bool(events))


def busy_uid(scope: Scope, busy: Busy) -> str:
    """A busy entry's UID: the same for as long as that occurrence is the same
    (its event and start), whatever happens to the series' other occurrences.
    A busy row's id would not do: a series' rows are rewritten on every change,
    and every phone subscribed would see 30 entries deleted and re-created. A
    digest, so that neither the event's number nor the feed's scope show."""
    assert busy.during.lower is not None
    key = f"{scope.user_id}:{scope.centre_id}:{busy.event_id}:{busy.during.lower.astimezone(UTC)}"
    return f"occupe-{hashlib.sha256(key.encode()).hexdigest()[:32]}@ensemble"


PARTICIPANTS = "Participants : "


def series_reminders(event: Event, rows: dict[int, Event]) -> list[int]:
    """A row's reminders: a changed occurrence has those of its series."""
    series = rows.get(event.series_id) if event.series_id is not None else None
    return list((series or event).reminders or [])


def vevent_text(
    event: Event, centre: Centre | None, stamp: datetime, minutes: list[int] | None = None
) -> str:
    """The VEVENT of one row as feeds and CalDAV serve it (the reader may see it in
    full): DTSTART/DTEND with TZID, RRULE (UNTIL in UTC), EXDATE, RECURRENCE-ID,
    and a VALARM per reminder (`minutes`, default: the row's own)."""
    # An all-day event is written in dates (RFC 5545 §3.6.1: DTEND the day after).
    all_day = bool(getattr(event, "all_day", False))
    tz, value = (
        (";VALUE=DATE:", icaltext.day) if all_day else (f";TZID={event.tzid}:", icaltext.local)
    )
    lines = [
        "UID:" + icaltext.text(event.uid),
        "DTSTART" + tz + value(event.starts_local),
        "DTEND" + tz + value(event.ends_local),
    ]
    if event.rrule:
        # UNTIL: a date next to dates, else in UTC next to a TZID (RFC 5545 §3.3.10).
        rule = (
            recurrence._rule_for(event.rrule, True)
            if all_day
            else utc_until(event.rrule, event.tzid)
        )
        lines.append("RRULE:" + rule)
    if event.exdates:
        lines.append("EXDATE" + tz + ",".join(value(d) for d in sorted(event.exdates)))
    if event.recurrence_id is not None:
        lines.append("RECURRENCE-ID" + tz + value(event.recurrence_id))
    lines += [
        "DTSTAMP:" + icaltext.utc(stamp),
        "SUMMARY:" + icaltext.text(event.title),
        f"SEQUENCE:{event.sequence}",
        "LAST-MODIFIED:" + icaltext.utc(event.updated_at.replace(microsecond=0)),
        "CATEGORIES:" + icaltext.text(str(CATEGORY_LABELS[event.category])),
    ]
    place = getattr(event, "place", "")
    if place:  # what the person wrote from a calendar app (« Mairie, salle 3 »)
        lines.append("LOCATION:" + icaltext.text(place))
    elif centre is not None:
        lines.append("LOCATION:" + icaltext.text(address(centre)))
    description = event.description
    if event.participants:
        description = (description + "\n\n" if description else "") + PARTICIPANTS
        description += event.participants
    if description:
        lines.append("DESCRIPTION:" + icaltext.text(description))
    title = icaltext.text(event.title)
    for delay in event.reminders if minutes is None else minutes:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:" + title,
            "TRIGGER:" + icaltext.trigger(delay),
            "END:VALARM",
        ]
    return "BEGIN:VEVENT\r\n" + "".join(icaltext.fold(line) for line in lines) + "END:VEVENT\r\n"


_UNTIL = re.compile(r"UNTIL=([0-9]{8})(T[0-9]{6})?(Z?)")


def utc_until(rule: str, tzid: str = recurrence.PARIS) -> str:
    """The rule with its UNTIL in UTC, as RFC 5545 §3.3.10 requires next to a
    DTSTART with a TZID (the form stores « jusqu’au » as local wall time, and a
    date alone means up to the end of that day)."""

    def utc(match: re.Match) -> str:
        day, clock_time, zulu = match.groups()
        if zulu:
            return match.group(0)
        local = datetime.strptime(day + (clock_time or "T235959"), "%Y%m%dT%H%M%S")
        return "UNTIL=" + recurrence.to_instant(local, tzid).strftime("%Y%m%dT%H%M%SZ")

    return _UNTIL.sub(utc, rule)


def address(centre: Centre) -> str:
    """A centre as a LOCATION: its name first (CalDAV reads the place back from it)."""
    parts = [
        centre.name,
        getattr(centre, "address", "") or "",
        " ".join(p for p in (getattr(centre, "postcode", ""), getattr(centre, "city", "")) if p),
    ]
    return ", ".join(p for p in parts if p)


def matches(header: str | None, value: str) -> bool:
    """If-None-Match: a list of ETags, or « * »."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or value in tags
