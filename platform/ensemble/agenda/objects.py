"""One calendar object — the rows of one UID: an event or a series with its
changed occurrences — to and from iCalendar, as a syncing client (CalDAV)
reads and writes it.

Writing goes through the operations (book, move, move_occurrence,
cancel_occurrence, delete_event), so a client's change meets the same clash,
travel, share, recurrence, audit and row-level-security rules as the pages.
The caller runs `save_object` in a savepoint: a refusal at any step leaves
nothing of the object's change.

Reading a VEVENT reuses the import's reader (importing.py), so both accept
and refuse the same things with the same French messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import icalendar
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.agenda import feeds, icaltext, importing, operations, recurrence
from ensemble.agenda.forms import CATEGORY_LABELS
from ensemble.agenda.models import Calendar, Category, Event
from ensemble.kernel import french
from ensemble.kernel.text import clean
from ensemble.network.models import Centre
from ensemble.sharing.models import Agreement

PRODID = "-//Ensemble//Agendas partagés//FR"
MAX_TITLE = 200
# The properties of a VEVENT Ensemble reads into its own fields and writes back
# from them; any other property (URL, ORGANIZER, ATTENDEE, CLASS, TRANSP, X-…)
# is kept verbatim in `Event.client_properties` and written back over CalDAV.
MODELLED = frozenset(
    {
        "BEGIN",
        "END",
        "UID",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "EXDATE",
        "RECURRENCE-ID",
        "SUMMARY",
        "SEQUENCE",
        "CREATED",
        "LAST-MODIFIED",
        "CATEGORIES",
        "LOCATION",
        "DESCRIPTION",
        "STATUS",
    }
)
# Control characters other than the line ends folding uses.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ObjectProblem(operations.AgendaError):
    """An object the calendar cannot hold; `precondition` names the CalDAV
    precondition it fails (RFC 4791 §5.3.2.1)."""

    def __init__(self, message: str, precondition: str = "valid-calendar-object-resource"):
        super().__init__(message)
        self.precondition = precondition


class Cancelled(ObjectProblem):
    """The client cancelled the whole object (STATUS:CANCELLED on its series):
    an existing one is deleted as the web deletes it; a new one is not stored."""

    def __init__(self, uid: str):
        super().__init__(_("Événement annulé dans l’agenda d’origine : non importé."))
        self.uid = uid


@dataclass
class OccurrenceChange:
    starts_local: datetime
    ends_local: datetime
    location: str = ""
    title: str = ""
    kept: str = ""


@dataclass
class ParsedObject:
    """What a client sent for one UID, in Paris wall time."""

    uid: str
    title: str
    starts_local: datetime
    ends_local: datetime
    description: str = ""
    participants: str = ""
    location: str = ""
    categories: list[str] = field(default_factory=list)
    rrule: str | None = None
    exdates: list[datetime] = field(default_factory=list)
    reminders: list[int] = field(default_factory=list)
    all_day: bool = False
    # Changed occurrences, by their original local start (RECURRENCE-ID).
    overrides: dict[datetime, OccurrenceChange] = field(default_factory=dict)
    # What Ensemble does not model, verbatim (see MODELLED).
    kept: str = ""


def _text(component, name: str) -> str:
    value = component.get(name)
    return clean(str(value)).strip() if value is not None else ""


def _categories(component) -> list[str]:
    value = component.get("CATEGORIES")
    values = value if isinstance(value, list) else [value] if value is not None else []
    return [str(c) for v in values for c in getattr(v, "cats", [v])]


def _split_participants(text: str) -> tuple[str, str]:
    """Feeds write participants as a last paragraph « Participants : … »: read it back."""
    head, marker, tail = text.rpartition(feeds.PARTICIPANTS)
    if marker and (not head or head.endswith("\n")) and "\n" not in tail.strip():
        return head.rstrip(), tail.strip()
    return text, ""


def parse_object(data: bytes) -> ParsedObject:
    """Read a calendar object resource (one VCALENDAR, one UID); ObjectProblem
    with a French message when it cannot be stored."""
    if len(data) > importing.MAX_BYTES:
        raise ObjectProblem(_("L’événement dépasse 1 Mo."), "max-resource-size")
    try:
        calendar = icalendar.Calendar.from_ical(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, IndexError, KeyError, TypeError):
        raise ObjectProblem(
            _("Ce contenu n’est pas un iCalendar lisible."), "valid-calendar-data"
        ) from None
    if not isinstance(calendar, icalendar.Calendar):
        raise ObjectProblem(_("Ce contenu n’est pas un iCalendar lisible."), "valid-calendar-data")
    events = calendar.walk("VEVENT")
    if not events:
        raise ObjectProblem(
            _("Cet agenda ne contient que des événements (ni tâches ni notes)."),
            "supported-calendar-component",
        )
    uids = {_text(e, "UID") for e in events}
    if len(uids) != 1 or "" in uids:
        raise ObjectProblem(_("Un objet d’agenda porte un seul UID."))
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    if len(masters) != 1:
        raise ObjectProblem(
            _("Une occurrence modifiée doit être envoyée avec sa série."),
        )
    if _text(masters[0], "STATUS").upper() == "CANCELLED":
        raise Cancelled(_text(masters[0], "UID")[:255])
    for event in events:
        _refuse_what_would_be_lost(event)
    try:
        return _parsed(masters[0], [e for e in events if "RECURRENCE-ID" in e])
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        raise ObjectProblem(
            _("Ce contenu n’est pas un iCalendar lisible."), "valid-calendar-data"
        ) from None


def _when(component) -> str:
    """« (lundi 7 décembre 2026 à 16 h) », or « » when the start cannot be read."""
    try:
        starts, all_day = importing.moment(component["DTSTART"], recurrence.PARIS)
    except (KeyError, ValueError, TypeError, AttributeError, importing.UnreadableEvent):
        return ""
    if all_day:
        return f" ({french.long_date(starts, weekday=True)})"
    return f" ({french.long_datetime(recurrence.to_instant(starts), weekday=True)})"


def _refuse_what_would_be_lost(component) -> None:
    """What Ensemble cannot hold and will not silently change: a title longer than
    the column, a date-time start without end nor duration (RFC 5545 §3.6.1: an
    instant; the web has no zero-length event, and an hour would be invented)."""
    title = clean(str(component.get("SUMMARY", ""))).strip()
    if len(title) > MAX_TITLE:
        raise ObjectProblem(
            _(
                "Le titre « %(start)s… » dépasse %(n)s caractères (il en a %(count)s) : "
                "raccourcissez-le dans l’application.",
                start=title[:40],
                n=MAX_TITLE,
                count=len(title),
            )
        )
    start = component.get("DTSTART")
    if start is None or "DTEND" in component or "DURATION" in component:
        return
    if isinstance(getattr(start, "dt", None), datetime):
        raise ObjectProblem(
            _(
                "« %(title)s »%(when)s n’a ni fin ni durée : indiquez l’heure de fin "
                "dans l’application.",
                title=title[:80] or _("(sans titre)"),
                when=_when(component),
            )
        )


def _kept(component, reminders_taken: list[int] | None) -> str:
    """The iCalendar lines of `component` Ensemble does not model, verbatim: its
    other properties, and the alarms that are not one of its reminders (at a
    fixed instant, relative to the end, after the start, beyond the limits)."""
    lines = []
    for name, value in component.property_items(recursive=False, sorted=False):
        if name.upper() in MODELLED:
            continue
        lines.append(component.content_line(name, value).to_ical().decode() + "\r\n")
    for sub in component.subcomponents:
        if sub.name == "VALARM" and reminders_taken is not None:
            delay = _reminder_delay(sub)
            if delay is not None and delay in reminders_taken:
                reminders_taken.remove(delay)  # the one Ensemble writes back
                continue
        lines.append(sub.to_ical().decode())
    return _CONTROL.sub("", "".join(lines))


def _reminder_delay(alarm) -> int | None:
    """The minutes before the start an alarm is a reminder for, if it is one."""
    if "TRIGGER" not in alarm:
        return None
    trigger = alarm["TRIGGER"]
    if str(getattr(trigger, "params", {}).get("RELATED", "START")).upper() != "START":
        return None
    value = getattr(trigger, "dt", None)
    if not isinstance(value, timedelta) or value > timedelta(0):
        return None
    return int(-value.total_seconds()) // 60


def _parsed(master, overrides) -> ParsedObject:
    try:
        candidate = importing.read_event(1, master)  # the import's reader and messages
        changes = [importing.read_override(c, candidate) for c in overrides]
    except importing.UnreadableEvent as problem:
        raise ObjectProblem(problem.message) from None
    if not candidate.ok:
        raise ObjectProblem(candidate.errors[0])
    assert candidate.starts_local is not None and candidate.ends_local is not None
    description, participants = _split_participants(candidate.description)
    parsed = ParsedObject(
        uid=_text(master, "UID")[:255],
        title=candidate.title,
        starts_local=candidate.starts_local,
        ends_local=candidate.ends_local,
        description=description,
        participants=participants,
        location=_text(master, "LOCATION"),
        categories=_categories(master),
        rrule=candidate.rrule,
        exdates=sorted(set(candidate.exdates)),
        reminders=candidate.reminders,
        all_day=candidate.all_day,
        kept=_kept(master, list(candidate.reminders)),
    )
    by_original = {}
    for component in overrides:
        try:
            original = importing.moment(component["RECURRENCE-ID"], recurrence.PARIS)[0]
        except importing.UnreadableEvent:
            continue
        by_original[original] = component
    for change in changes:
        if change.cancelled:
            parsed.exdates = sorted({*parsed.exdates, change.recurrence_local})
            continue
        assert change.starts_local is not None
        if change.ends_local is None or change.ends_local <= change.starts_local:
            raise ObjectProblem(_("La fin doit être après le début."))
        component = by_original.get(change.recurrence_local)
        parsed.overrides[change.recurrence_local] = OccurrenceChange(
            change.starts_local,
            change.ends_local,
            change.location,
            title=_text(component, "SUMMARY") if component is not None else "",
            kept=_kept(component, None) if component is not None else "",
        )
    return parsed


# --- Reading -----------------------------------------------------------------------


def object_rows(session: Session, calendar_id: int, uid: str) -> list[Event]:
    """The rows of one object (its series first), as the reader may see them."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.calendar_id == calendar_id, Event.uid == uid)
            .order_by(Event.series_id.is_not(None), Event.recurrence_id, Event.id)
        )
    )


def render_object(session: Session, rows: list[Event]) -> bytes:
    """The iCalendar text of one object (rows of one UID)."""
    return render_objects(session, [rows])[0]


def render_objects(session: Session, objects: list[list[Event]]) -> list[bytes]:
    """Several objects with one query for their centres. Each VEVENT is stamped
    with its row's last change, so an unchanged object reads the same bytes."""
    ids = {row.centre_id for rows in objects for row in rows}
    centres = (
        {c.id: c for c in session.scalars(select(Centre).where(Centre.id.in_(ids)))} if ids else {}
    )
    texts = []
    for rows in objects:
        by_id = {row.id: row for row in rows}
        bodies = [
            _with_kept(
                feeds.vevent_text(
                    row,
                    centres.get(row.centre_id),
                    row.updated_at.astimezone(UTC).replace(microsecond=0),
                    feeds.series_reminders(row, by_id),
                ),
                row.client_properties,
            )
            for row in rows
        ]
        paris = any(row.tzid == recurrence.PARIS for row in rows)
        texts.append(icaltext.calendar([f"PRODID:{PRODID}", "VERSION:2.0"], bodies, paris=paris))
    return texts


def _with_kept(vevent: str, kept: str | None) -> str:
    """A VEVENT with the lines its client wrote that Ensemble does not model."""
    kept = (kept or "").strip("\r\n")
    if not kept:
        return vevent
    head, end = vevent.rsplit("END:VEVENT", 1)
    return head + kept + "\r\nEND:VEVENT" + end


# --- Writing --------------------------------------------------------------------


def place_of(session: Session, calendar: Calendar, location: str, current: int | None) -> int:
    """Where the event takes place: the centre its LOCATION names (feeds write the
    centre's name first), else where it was, else the centre that carries the
    post, else the first centre where the person may be booked."""
    places = operations.bookable_centres(session, calendar)
    if not places:
        raise ObjectProblem(
            _("Vous ne pouvez pas ajouter d’événement à cet agenda."), "need-privileges"
        )
    named = importing.centre_named(location, places)
    if named is not None:
        return named.id
    ids = [c.id for c in places]
    if current in ids:
        return current
    agreement = session.get(Agreement, calendar.agreement_id)
    if agreement is not None and agreement.owner_centre_id in ids:
        return agreement.owner_centre_id
    return ids[0]


def place_text(session: Session, centre_id: int, location: str) -> str:
    """The place as the person wrote it, unless it is the centre's own name or
    address (what feeds write, read back): then the centre says it."""
    location = location.strip()
    if not location:
        return ""
    centre = session.get(Centre, centre_id)
    if centre is not None and location.casefold() in {
        centre.name.casefold(),
        feeds.address(centre).casefold(),
    }:
        return ""
    return location[:500]


def _category(categories: list[str], current: Category | None) -> Category:
    labels = {str(label).casefold(): category for category, label in CATEGORY_LABELS.items()}
    for name in categories:
        if name.strip().casefold() in labels:
            return labels[name.strip().casefold()]
    return current or Category.OTHER


def save_object(
    session: Session, calendar: Calendar, parsed: ParsedObject, rows: list[Event]
) -> list[str]:
    """Create or change the object `parsed` describes (its current rows: `rows`)
    through the operations; returns their warnings (agreed shares)."""
    series = next((r for r in rows if r.series_id is None), None)
    place = place_of(session, calendar, parsed.location, series.centre_id if series else None)
    fields = {
        "centre_id": place,
        "place": place_text(session, place, parsed.location),
        "client_properties": parsed.kept,
        "category": _category(parsed.categories, series.category if series else None),
        "title": parsed.title,
        "description": parsed.description,
        "participants": parsed.participants,
        "starts_local": parsed.starts_local,
        "ends_local": parsed.ends_local,
        "rrule": parsed.rrule,
        "exdates": parsed.exdates,
        "reminders": parsed.reminders,
        "all_day": parsed.all_day,
    }
    warnings: list[str] = []
    existing = {r.recurrence_id: r for r in rows if r.series_id is not None}
    if series is None:
        kept = {k: fields.pop(k) for k in ("place", "client_properties")}
        booking = operations.book(session, calendar, uid=parsed.uid, **fields)
        series = booking.event
        for name, value in kept.items():
            setattr(series, name, value)
        session.flush()
        warnings += booking.warnings
    else:
        if not parsed.rrule:
            # No longer a series: its changed occurrences go with the rule.
            for override in existing.values():
                session.delete(override)
            existing = {}
        changes = {k: v for k, v in fields.items() if _differs(getattr(series, k), v, k)}
        if changes:
            warnings += operations.move(session, series, **changes).warnings
    for original, change in sorted(parsed.overrides.items()):
        if not parsed.rrule or original in parsed.exdates:
            continue
        override = existing.pop(original, None)
        place = place_of(session, calendar, change.location, series.centre_id)
        own = {
            "title": change.title or series.title,
            "place": place_text(session, place, change.location),
            "client_properties": change.kept,
        }
        if override is None or (override.starts_local, override.ends_local, override.centre_id) != (
            change.starts_local,
            change.ends_local,
            place,
        ):
            moved = operations.move_occurrence(
                session,
                series,
                original,
                starts_local=change.starts_local,
                ends_local=change.ends_local,
                centre_id=place,
            )
            warnings += moved.warnings
            override = moved.event
        # The occurrence's own title and what the client wrote on it (RFC 5545
        # §3.8.4.4: an overridden instance carries its own properties).
        own_changes = {k: v for k, v in own.items() if _differs(getattr(override, k), v, k)}
        if own_changes:
            warnings += operations.move(session, override, **own_changes).warnings
    for override in existing.values():
        # The client dropped a changed occurrence: it is back at its series time.
        operations.delete_event(session, override)
    return list(dict.fromkeys(warnings))


def _same_rule(current: str | None, wanted: str | None) -> bool:
    """Two RRULEs with the same parts (a client writes them in its own order)."""
    if not current or not wanted:
        return not current and not wanted
    try:
        # The same end written in UTC (as feeds serve it) or in wall time (as stored).
        return icalendar.vRecur.from_ical(feeds.utc_until(current)) == icalendar.vRecur.from_ical(
            feeds.utc_until(wanted)
        )
    except ValueError:
        return False


def _differs(current, wanted, key: str = "") -> bool:
    if key == "rrule":
        return not _same_rule(current, wanted)
    if isinstance(current, str) or isinstance(wanted, str):
        return (current or "").strip() != (wanted or "").strip()
    if isinstance(current, list) or isinstance(wanted, list):
        return sorted(current or []) != sorted(wanted or [])
    return current != wanted


def delete_object(session: Session, rows: list[Event]) -> None:
    """Delete an object: its series (with its changed occurrences) or its one event."""
    series = next((r for r in rows if r.series_id is None), None)
    if series is not None:
        operations.delete_event(session, series)
