"""Import of an .ics file of existing events, as other tools write it: a
preview listing each event with what is wrong with it, then the import of the
valid ones (each booked like any other: a clash is that event's error, not the
whole file's).

What the producers write, and how it is read (the corpus under
tests/corpus/ics/ has one file per producer):

- Google Calendar: X-WR-TIMEZONE, a VTIMEZONE per zone used, UNTIL in UTC
  (`UNTIL=20280131T225959Z`), a moved instance as a second VEVENT with the same
  UID and a RECURRENCE-ID (often after its series), VALARM reminders.
- Outlook: Windows zone names as TZID (« Romance Standard Time »), resolved
  through the CLDR windowsZones table (icalendar's copy) or else the file's
  VTIMEZONE; several EXDATE values on one line.
- Thunderbird: one EXDATE line per cancelled date, sometimes in UTC.
- Nextcloud (sabre/vobject): folded long lines, RELATED=START triggers.

An event is one object: its series and its changed occurrences (one UID). It
is imported whole or not at all (a savepoint per object), so a series never
lands without the instance that was moved, nor at its old time.

What one event may cost, and decisions:

- Every component is read tolerantly (`_TolerantComponents`): a malformed
  optional part costs that part only. An unreadable VALARM trigger drops that
  reminder and the preview says so on its event; a byte that is not UTF-8
  costs its character; unknown X- properties, bad ATTENDEE, CATEGORIES, GEO…
  are ignored. A required part that is broken (DTSTART, RRULE…) refuses that
  event with its own French message. The file as a whole is refused only when
  it is not iCalendar at all.
- A moved instance (RECURRENCE-ID) keeps its own SUMMARY and DESCRIPTION, and
  its LOCATION names its centre.
- A timed event whose end equals its start (« takes no time », RFC 5545
  §3.6.1) is refused with its own message, as the form refuses it: it blocks
  no time, and stretching it (24 h, or a minimum length as Google draws it)
  would block time its calendar of origin leaves free.
- A series without COUNT nor UNTIL is accepted, as the form accepts one: booked
  up to the horizon and extended every month; the preview says up to when.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar.cal.component_factory import ComponentFactory
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.agenda import operations, recurrence, reminders
from ensemble.agenda.models import MAX_EVENT_DAYS, Calendar, Category, Event
from ensemble.kernel import clock, french
from ensemble.kernel.refusal import Refusal
from ensemble.kernel.text import clean
from ensemble.network.models import Centre

MAX_BYTES = 1024 * 1024
MAX_EVENTS = 500
EARLIEST, LATEST = 1900, 2100

# What any reading of an untrusted component may raise (icalendar parses values
# lazily and raises these on malformed ones).
UNREADABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)

# The French name of a property, for « Début illisible » and the like.
_PROPERTY_NAMES = {
    "DTSTART": _l("le début (DTSTART)"),
    "DTEND": _l("la fin (DTEND)"),
    "DURATION": _l("la durée (DURATION)"),
    "RRULE": _l("la règle de répétition (RRULE)"),
    "EXDATE": _l("les dates annulées (EXDATE)"),
    "RECURRENCE-ID": _l("l’occurrence modifiée (RECURRENCE-ID)"),
}


class _TolerantComponents(ComponentFactory):
    """icalendar's components, each reading a malformed property as a broken
    value listed in its `errors` instead of raising. icalendar does so for
    VEVENT only: one `TRIGGER:soon` in one VALARM made the whole file
    unreadable. Here a bad optional part costs only that part (the event
    reading it decides), never the file."""

    def add_component_class(self, cls) -> None:
        if not cls.ignore_exceptions:
            cls = type(cls.__name__, (cls,), {"ignore_exceptions": True})
        super().add_component_class(cls)

    def get_component_class(self, name: str):
        super().get_component_class(name)  # creates (tolerant) unknown components
        return self[name]


class _Reader(icalendar.Calendar):
    """A calendar read with `_TolerantComponents`."""

    _components_factory = _TolerantComponents()


class ImportProblem(Refusal):
    """The file as a whole cannot be read."""


class UnreadableEvent(Exception):
    """One event cannot be read; its message is French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Override:
    """A changed occurrence of a series (RECURRENCE-ID), in Paris wall time."""

    recurrence_local: datetime
    starts_local: datetime | None = None
    ends_local: datetime | None = None
    location: str = ""
    cancelled: bool = False
    # Its own SUMMARY and DESCRIPTION (a moved meeting is often renamed): the
    # series' when it has none.
    title: str = ""
    description: str = ""


@dataclass
class Candidate:
    """One event of the file (a series with its changed occurrences, or one
    event), read into Paris wall time, with its problems."""

    position: int
    title: str
    starts_local: datetime | None = None
    ends_local: datetime | None = None
    rrule: str | None = None
    exdates: list[datetime] = field(default_factory=list)
    description: str = ""
    uid: str = ""
    location: str = ""
    all_day: bool = False  # starts and ends at midnight, Paris (a date in the file)
    reminders: list[int] = field(default_factory=list)  # minutes before the start
    overrides: list[Override] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # What was left out of an event that is imported all the same (a reminder
    # that could not be read), said in the preview.
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def moved(self) -> list[Override]:
        return [o for o in self.overrides if not o.cancelled]


# --- Times ----------------------------------------------------------------------


def zone_named(tzid: str) -> ZoneInfo | None:
    """An IANA zone, or a Windows zone name through CLDR's windowsZones."""
    name = str(tzid).strip().strip('"')
    for candidate in (name, WINDOWS_TO_OLSON.get(name)):
        if candidate and ("/" in candidate or candidate == "UTC"):
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                continue
    return None


def local_time(prop, floating: str = recurrence.PARIS) -> datetime | None:
    """A DTSTART/DTEND/RECURRENCE-ID/EXDATE value as Paris wall time (minutes);
    None for an all-day date. A floating time is read in `floating` (the file's
    X-WR-TIMEZONE, else Paris). UnreadableEvent when its zone is unknown."""
    value = prop.dt
    if isinstance(value, datetime):
        tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
        zone = zone_named(tzid) if tzid else None
        if zone is not None and zone.key == recurrence.PARIS:
            # Paris wall time as written, even in the spring gap: the calendar's
            # own policy (recurrence.to_instant) decides what it means.
            return value.replace(tzinfo=None, second=0, microsecond=0)
        if zone is not None:
            # The wall time the file wrote, in the zone it names (IANA or Windows).
            value = value.replace(tzinfo=zone)
        elif value.tzinfo is None:
            if tzid:
                raise UnreadableEvent(
                    _("Fuseau horaire inconnu : « %(tzid)s ».", tzid=str(tzid)[:64])
                )
            if floating == recurrence.PARIS:
                return value.replace(second=0, microsecond=0)
            value = value.replace(tzinfo=ZoneInfo(floating))
        return recurrence.to_local(value, recurrence.PARIS).replace(second=0, microsecond=0)
    if isinstance(value, date):
        return None
    raise UnreadableEvent(_("Date illisible."))


def moment(prop, floating: str = recurrence.PARIS) -> tuple[datetime, bool]:
    """A DTSTART/DTEND/RECURRENCE-ID/EXDATE value as Paris wall time, and whether
    it is a date (an all-day event: its midnight)."""
    found = local_time(prop, floating)
    if found is not None:
        return found, False
    return datetime.combine(prop.dt, time()), True


def _values(component, name: str) -> list:
    """Every value of a property that may be written on one line or several
    (EXDATE), each with its parameters."""
    found = component.get(name)
    if found is None:
        return []
    lines = found if isinstance(found, list) else [found]
    return [value for line in lines for value in getattr(line, "dts", [line])]


def _broken(component) -> str | None:
    """The French message for the first property icalendar could not read."""
    for name, _detail in getattr(component, "errors", []) or []:
        label = _PROPERTY_NAMES.get(str(name).upper())
        if label is not None:
            return _("Valeur illisible pour %(what)s.", what=label)
    return None


def _text(component, name: str, limit: int) -> str:
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    # Text from another tool may carry NUL and other control characters, which
    # PostgreSQL refuses (a 500 at import) and documents choke on: cleaned here.
    return clean(str(value)).strip()[:limit] if value is not None else ""


# --- Reading --------------------------------------------------------------------


def parse(data: bytes) -> list[Candidate]:
    """Every event of an iCalendar file, a series with its changed occurrences."""
    if len(data) > MAX_BYTES:
        raise ImportProblem(_("Le fichier dépasse 1 Mo."))
    # A byte that is not UTF-8 (a LOCATION written in Latin-1 by an old tool)
    # costs that character, replaced by « \ufffd » and said on its event.
    text = data.decode("utf-8-sig", errors="replace")
    try:
        calendar = _Reader.from_ical(text)
        components = list(calendar.walk("VEVENT"))
    except UNREADABLE:
        raise ImportProblem(
            _("Ce fichier n’est pas un fichier iCalendar (.ics) lisible.")
        ) from None
    if not isinstance(calendar, icalendar.Calendar) or not components:
        raise ImportProblem(_("Le fichier ne contient aucun événement."))
    if len(components) > MAX_EVENTS:
        raise ImportProblem(_("Le fichier contient plus de 500 événements."))
    floating = _text(calendar, "X-WR-TIMEZONE", 64)
    floating = floating if zone_named(floating) is not None else recurrence.PARIS
    return [
        _object(position, group, floating)
        for position, group in enumerate(_objects(components), start=1)
    ]


def _objects(components: Sequence) -> list[list]:
    """VEVENTs grouped by UID (a series first), in the file's order. An event
    without UID is its own object."""
    groups: dict[str, list] = {}
    for index, component in enumerate(components):
        uid = _text(component, "UID", 255) or f"\0{index}"
        groups.setdefault(uid, []).append(component)
    return [
        sorted(group, key=lambda c: "RECURRENCE-ID" in c)  # stable: the series first
        for group in groups.values()
    ]


def _object(position: int, group: list, floating: str) -> Candidate:
    master, overrides = group[0], group[1:]
    try:
        if "RECURRENCE-ID" in master:
            # Only changed occurrences (their series is not in the file): each
            # is an event at the time it was moved to.
            candidate = read_event(position, master, floating, standalone=True)
            if len(group) > 1:
                candidate.errors.append(
                    _("Occurrences modifiées d’une série absente du fichier : non importées.")
                )
            return candidate
        candidate = read_event(position, master, floating)
        for component in overrides:
            if "RECURRENCE-ID" not in component:
                candidate.errors.append(_("Deux événements portent le même UID."))
                break
            candidate.overrides.append(read_override(component, candidate, floating))
        _check_overrides(candidate)
    except UnreadableEvent as problem:
        candidate = Candidate(position, _text(master, "SUMMARY", 200) or _("(sans titre)"))
        candidate.errors.append(problem.message)
    except UNREADABLE:
        candidate = Candidate(position, _text(master, "SUMMARY", 200) or _("(sans titre)"))
        candidate.errors.append(_("Événement illisible."))
    return candidate


def read_event(
    position: int, component, floating: str = recurrence.PARIS, *, standalone: bool = False
) -> Candidate:
    """One VEVENT (a series, an event, or with `standalone` a changed occurrence
    taken as an event of its own), with its problems in French."""
    title = _text(component, "SUMMARY", 200)
    candidate = Candidate(position, title or _("(sans titre)"))
    candidate.description = _text(component, "DESCRIPTION", 5000)
    candidate.uid = _text(component, "UID", 255)
    candidate.location = _text(component, "LOCATION", 500)
    candidate.reminders = reminders.from_component(component)
    if reminders.unreadable(component):
        candidate.notices.append(_("Rappel illisible : l’événement est importé sans ce rappel."))
    if any("\ufffd" in text for text in (title, candidate.description, candidate.location)):
        candidate.notices.append(
            _("Caractères illisibles (mauvais encodage) remplacés par « \ufffd ».")
        )
    if not title:
        candidate.errors.append(_("L’événement n’a pas de titre."))
    broken = _broken(component)
    if broken:
        candidate.errors.append(broken)
        return candidate
    if _text(component, "STATUS", 20).upper() == "CANCELLED":
        candidate.errors.append(_("Événement annulé dans l’agenda d’origine : non importé."))
        return candidate
    if "RDATE" in component or "EXRULE" in component:
        # Occurrences the rule does not give: Ensemble could not book them, and kept
        # verbatim they would show on the client as booked when nothing blocks them.
        candidate.errors.append(
            _(
                "Dates ajoutées à la main à une série (RDATE, EXRULE) : non prises en charge, "
                "créez-les comme des événements à part."
            )
        )
        return candidate
    start = component.get("DTSTART")
    if start is None:
        candidate.errors.append(_("L’événement n’a pas de début."))
        return candidate
    starts, all_day = moment(start, floating)
    candidate.all_day = all_day
    if not EARLIEST <= starts.year <= LATEST:
        candidate.errors.append(_("Date hors limites : entre 1900 et 2100."))
        return candidate
    ends = _end(component, starts, all_day, floating, _default_length(all_day))
    candidate.starts_local, candidate.ends_local = starts, ends
    candidate.errors += _period_problems(starts, ends)
    if standalone:
        if candidate.uid:
            candidate.uid = ""  # a new object: the series' UID is not ours to reuse
        return candidate
    if "RRULE" in component:
        try:
            rule = component["RRULE"]
            rule = rule[0] if isinstance(rule, list) else rule
            candidate.rrule = recurrence.validate_rrule(rule.to_ical().decode(), starts)
            if not re.search(r"(^|;)(COUNT|UNTIL)=", candidate.rrule.upper()):
                candidate.notices.append(_endless_notice(starts))
        except recurrence.RuleRefused as refusal:
            candidate.errors.append(str(refusal.message))
        except UNREADABLE:
            candidate.errors.append(_("Règle de répétition illisible."))
    for value in _values(component, "EXDATE"):
        local, is_date = moment(value, floating)
        if is_date == all_day:  # a date among times (or the reverse) names no occurrence
            candidate.exdates.append(local)
    candidate.exdates = sorted(set(candidate.exdates))
    return candidate


def _endless_notice(starts: datetime) -> str:
    """A series without COUNT nor UNTIL is taken as the event form takes one
    (« Jusqu’au » and « Nombre de fois » left empty): its occurrences are booked
    up to the horizon, which the monthly task moves on. Said in the preview,
    so that nobody is surprised to find it two years on."""
    config = operations.settings()
    series = _Series(starts, starts, "FREQ=DAILY")
    until = recurrence.horizon_end(series, config.horizon_days, clock.today())
    return _(
        "Série sans date de fin : comme dans le formulaire, ses séances sont "
        "prévues jusqu’au %(day)s, puis prolongées chaque mois.",
        day=french.long_date(until),
    )


def _default_length(all_day: bool) -> timedelta:
    """Without DTEND nor DURATION: a day for a date (RFC 5545 §3.6.1), else an hour."""
    return timedelta(days=1) if all_day else timedelta(hours=1)


def _period_problems(starts: datetime, ends: datetime | None) -> list[str]:
    """What is wrong with a period. An end equal to the start (a timed event
    « that takes no time », RFC 5545 §3.6.1: a deadline, a departure) is
    refused with its own message: it occupies no time, so it has no place in a
    calendar that blocks time, and stretching it (to 24 h, or to a minimum
    length as Google shows it) would block time its agenda of origin leaves free."""
    if ends is not None and ends == starts:
        return [
            _(
                "Début et fin identiques : un événement sans durée n’occupe pas "
                "l’agenda, il n’est pas importé."
            )
        ]
    if ends is None or ends < starts:
        return [_("La fin doit être après le début.")]
    if ends - starts > timedelta(days=MAX_EVENT_DAYS):
        return [_("Un événement dure au plus %(n)s jours.", n=MAX_EVENT_DAYS)]
    return []


def _end(
    component, starts: datetime, all_day: bool, floating: str, default: timedelta
) -> datetime | None:
    if "DTEND" in component:
        ends, is_date = moment(component["DTEND"], floating)
        if is_date != all_day:
            what = _PROPERTY_NAMES["DTEND"]
            raise UnreadableEvent(_("Valeur illisible pour %(what)s.", what=what))
        return ends
    if "DURATION" in component:
        duration = component["DURATION"].dt
        if not isinstance(duration, timedelta):
            what = _PROPERTY_NAMES["DURATION"]
            raise UnreadableEvent(_("Valeur illisible pour %(what)s.", what=what))
        try:
            if all_day:
                return starts + duration  # whole days, nominal (RFC 5545 §3.3.6)
            # A duration is exact time (RFC 5545 §3.8.2.5): add it to the instant.
            instant = recurrence.to_instant(starts) + duration
            return recurrence.to_local(instant).replace(second=0, microsecond=0)
        except OverflowError:  # P99999999W: beyond any calendar
            raise UnreadableEvent(_("Date hors limites : entre 1900 et 2100.")) from None
    return starts + default


def read_override(component, series: Candidate, floating: str = recurrence.PARIS) -> Override:
    """A changed occurrence (RECURRENCE-ID) of `series`."""
    broken = _broken(component)
    if broken:
        raise UnreadableEvent(broken)
    original, _is_date = moment(component["RECURRENCE-ID"], floating)
    override = Override(
        original,
        location=_text(component, "LOCATION", 500),
        title=_text(component, "SUMMARY", 200) or series.title,
        description=(
            _text(component, "DESCRIPTION", 5000)
            if "DESCRIPTION" in component
            else series.description
        ),
    )
    if _text(component, "STATUS", 20).upper() == "CANCELLED":
        override.cancelled = True
        return override
    start = component.get("DTSTART")
    starts = moment(start, floating)[0] if start is not None else original
    duration = (
        series.ends_local - series.starts_local
        if series.starts_local and series.ends_local
        else timedelta(hours=1)
    )
    override.starts_local = starts
    override.ends_local = _end(component, starts, series.all_day, floating, duration)
    return override


def _check_overrides(candidate: Candidate) -> None:
    if not candidate.overrides or not candidate.ok:
        return
    if not candidate.rrule:
        candidate.errors.append(_("Occurrence modifiée d’un événement qui ne se répète pas."))
        return
    known = _occurrences(candidate)
    for override in candidate.overrides:
        if override.recurrence_local not in known:
            candidate.errors.append(
                _(
                    "L’occurrence modifiée du %(day)s ne fait pas partie de la série.",
                    day=_day(override.recurrence_local),
                )
            )
    for override in candidate.moved:
        assert override.starts_local is not None
        for problem in _period_problems(override.starts_local, override.ends_local):
            candidate.errors.append(
                _(
                    "Occurrence du %(day)s : %(problem)s",
                    day=_day(override.recurrence_local),
                    problem=problem,
                )
            )


def _occurrences(candidate: Candidate) -> set[datetime]:
    """The local starts the series' rule gives around its changed occurrences."""
    assert candidate.starts_local is not None and candidate.ends_local is not None
    originals = [o.recurrence_local for o in candidate.overrides]
    source = _Series(
        candidate.starts_local, candidate.ends_local, candidate.rrule, all_day=candidate.all_day
    )
    try:
        found = recurrence.expand(
            source, [], min(originals).date(), max(originals).date() + timedelta(days=1)
        )
    except recurrence.RuleRefused:
        return set()
    return {o.recurrence_local for o in found}


@dataclass
class _Series:
    """A candidate as recurrence.expand reads a stored series."""

    starts_local: datetime
    ends_local: datetime
    rrule: str | None
    all_day: bool = False
    id: int = 0
    uid: str = "apercu"
    tzid: str = recurrence.PARIS
    exdates: list[datetime] = field(default_factory=list)
    recurrence_id: datetime | None = None


def _day(local: datetime) -> str:
    """« 1er janvier 2027 » (a local wall time's day)."""
    return french.long_date(local.date())


# --- Places ---------------------------------------------------------------------


def centre_named(location: str, places: Iterable[Centre]) -> Centre | None:
    """The centre a LOCATION names (its name first, as feeds write it, or
    anywhere in it; the longest name wins), or None."""
    wanted = " ".join(location.split()).casefold()
    if not wanted:
        return None
    ordered = sorted(places, key=lambda c: -len(c.name))
    for centre in ordered:
        name = " ".join(centre.name.split()).casefold()
        if name and (wanted.startswith(name) or name in wanted):
            return centre
    # People write « Basse Masure », not « Centre Social Basse Masure »: the
    # distinctive part of the name, as whole words, names the centre too.
    for centre in ordered:
        own = _distinctive(centre.name)
        if len(own) >= 4 and re.search(rf"(?<!\w){re.escape(own)}(?!\w)", wanted):
            return centre
    return None


GENERIC_WORDS = {"association", "centre", "social", "sociale", "socioculturel", "du", "de", "la"}


def _distinctive(name: str) -> str:
    words = " ".join(name.split()).casefold().split(" ")
    while words and words[0] in GENERIC_WORDS:
        words.pop(0)
    return " ".join(words)


def places_of(
    candidates: list[Candidate], places: Sequence[Centre], default: int | None
) -> dict[int, int]:
    """Where each event goes unless the person chooses otherwise: the centre its
    LOCATION names, else `default` (the one chosen for the whole file)."""
    ids = [c.id for c in places]
    fallback = default if default in ids else ids[0]
    chosen = {}
    for candidate in candidates:
        named = centre_named(candidate.location, places)
        chosen[candidate.position] = named.id if named is not None else fallback
    return chosen


# --- Importing ------------------------------------------------------------------


@dataclass
class Outcome:
    imported: int
    errors: dict[int, str]


def import_candidates(
    session: Session,
    calendar: Calendar,
    candidates: list[Candidate],
    *,
    centres: dict[int, int],
    category: Category,
) -> Outcome:
    """Book every valid candidate at its centre (`centres`: position → centre
    id), each whole or not at all; a clash or a refused share is that event's
    error."""
    imported, errors = 0, {}
    known = _known_uids(session, calendar, candidates)
    for candidate in candidates:
        if not candidate.ok:
            errors[candidate.position] = candidate.errors[0]
            continue
        if candidate.uid and candidate.uid in known:
            errors[candidate.position] = _("Cet événement est déjà dans l’agenda (même UID).")
            continue
        savepoint = session.begin_nested()
        try:
            _book(session, calendar, candidate, centres[candidate.position], category)
        except Refusal as error:
            savepoint.rollback()
            errors[candidate.position] = str(error.message)
            continue
        savepoint.commit()
        imported += 1
    return Outcome(imported, errors)


def judge_by_trial(
    session: Session,
    calendar: Calendar,
    candidates: list[Candidate],
    *,
    centres: dict[int, int],
    category: Category,
) -> None:
    """What the import would refuse, said in the preview: the whole import is
    tried in a savepoint that is always rolled back, and each refusal (a clash,
    travel time, a share) becomes that event's error. « Prêt » then means the
    import will book it, at the places shown."""
    trial = session.begin_nested()
    try:
        outcome = import_candidates(
            session, calendar, candidates, centres=centres, category=category
        )
    finally:
        if trial.is_active:
            trial.rollback()
    for candidate in candidates:
        refusal = outcome.errors.get(candidate.position)
        if candidate.ok and refusal:
            candidate.errors.append(refusal)


def _known_uids(session: Session, calendar: Calendar, candidates: list[Candidate]) -> set[str]:
    uids = {c.uid for c in candidates if c.uid}
    if not uids:
        return set()
    return set(
        session.scalars(
            select(Event.uid).where(Event.calendar_id == calendar.id, Event.uid.in_(uids))
        )
    )


def _book(
    session: Session, calendar: Calendar, candidate: Candidate, centre_id: int, category: Category
) -> None:
    """Book a series without the instances that moved, then move them: the
    old time of a moved instance is never booked (it could clash with what is
    there since), and its new time is checked like any other."""
    assert candidate.starts_local is not None and candidate.ends_local is not None
    moved = {o.recurrence_local: o for o in candidate.moved}
    cancelled = {o.recurrence_local for o in candidate.overrides if o.cancelled}
    booking = operations.book(
        session,
        calendar,
        centre_id=centre_id,
        category=category,
        title=candidate.title,
        description=candidate.description,
        starts_local=candidate.starts_local,
        ends_local=candidate.ends_local,
        rrule=candidate.rrule,
        exdates=sorted({*candidate.exdates, *cancelled, *moved}),
        uid=candidate.uid or None,
        reminders=candidate.reminders,
        all_day=candidate.all_day,
    )
    series = booking.event
    places = {c.id: c for c in operations.bookable_centres(session, calendar)}
    for original, override in sorted(moved.items()):
        if original in candidate.exdates:
            continue  # cancelled in the source as well: nothing to move
        place = centre_named(override.location, places.values())
        series.exdates = [d for d in series.exdates if d != original]
        try:
            operations.move_occurrence(
                session,
                series,
                original,
                starts_local=override.starts_local,
                ends_local=override.ends_local,
                centre_id=place.id if place is not None else centre_id,
                title=override.title,
                description=override.description,
            )
        except operations.AgendaError as error:
            if str(error.message) == _("Cette occurrence n’existe pas."):
                raise operations.AgendaError(
                    _(
                        "L’occurrence modifiée du %(day)s ne fait pas partie de la série.",
                        day=_day(original),
                    )
                ) from None
            raise
