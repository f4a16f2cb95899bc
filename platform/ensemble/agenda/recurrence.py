"""From stored series (local wall time + TZID) to instants, with icalendar,
dateutil and recurring-ical-events. The clock-change policy is described in
the package docstring (ensemble.agenda) and tested in tests/agenda/test_recurrence.py.

Rules are limited to what a person's calendar needs, so that a save's work is
bounded before anything is expanded (`validate_rrule`, in microseconds): a
frequency of a day or more (no SECONDLY, MINUTELY or HOURLY, no BYHOUR,
BYMINUTE or BYSECOND, hence at most one occurrence a day), COUNT at most
`MAX_COUNT`, UNTIL within `MAX_YEARS` of the first date, INTERVAL at most
`MAX_INTERVAL`; and no expansion yields more than `MAX_EXPANSION` occurrences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr
from flask_babel import lazy_gettext as _l

from ensemble.kernel import french
from ensemble.kernel.refusal import Refusal

PARIS = "Europe/Paris"
EVENT_ID = "X-ENSEMBLE-EVENT"

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS = {
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
SUB_DAILY = {"BYHOUR", "BYMINUTE", "BYSECOND"}
MAX_COUNT = 1000
MAX_YEARS = 10
MAX_INTERVAL = 99
MAX_EXPANSION = 4000  # one a day for ten years, at most: a backstop beyond the rules
_UNTIL = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:T([0-9]{2})([0-9]{2})([0-9]{2})Z?)?")


class RuleRefused(Refusal):
    """A repetition rule refused, with what is accepted (field « rrule » unless the
    problem is the count or the end)."""


def to_instant(local: datetime, tzid: str = PARIS) -> datetime:
    """A local wall time as a UTC instant. A time in the spring gap is read with
    the offset before the gap (02:30 → 03:30 CEST); a repeated autumn time is
    the first of the two (fold=0): RFC 5545 §3.3.5, and zoneinfo's fold=0."""
    return local.replace(tzinfo=ZoneInfo(tzid), fold=0).astimezone(UTC)


def to_local(instant: datetime, tzid: str = PARIS) -> datetime:
    """A UTC instant as naive local wall time."""
    return instant.astimezone(ZoneInfo(tzid)).replace(tzinfo=None)


def span(wall_start: datetime, wall_end: datetime, tzid: str = PARIS) -> tuple[datetime, datetime]:
    """The instants of an occurrence from its local start and end. The end is the
    wall-clock end localised, not the start plus the wall-clock difference: a
    night 20:00 → 08:00 across the October change lasts 13 hours and ends at 08:00,
    a 01:00–04:00 across the March change lasts 2 hours. Only when the localised
    end would not follow the start (a start in the spring gap, pushed past its
    end) does the occurrence keep its wall-clock length from the shifted start."""
    starts_at = to_instant(wall_start, tzid)
    ends_at = to_instant(wall_end, tzid)
    if ends_at <= starts_at:
        ends_at = starts_at + (wall_end - wall_start)
    return starts_at, ends_at


def wall_time_kind(local: datetime, tzid: str = PARIS) -> str | None:
    """« skipped » for a wall time in the spring gap, « repeated » for one in
    the autumn hour that happens twice, None for an ordinary one."""
    zone = ZoneInfo(tzid)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    # zoneinfo: in a gap, fold=0 takes the offset before it (the larger, in
    # spring); in a repeated hour, fold=0 takes the first (the larger, in autumn).
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return "repeated" if round_trip == local else "skipped"


def needs_offset(instant: datetime, tzid: str = PARIS) -> bool:
    """Whether the local time of `instant` must say its offset to be read right:
    it falls on a clock change's repeated hour."""
    return wall_time_kind(to_local(instant, tzid), tzid) == "repeated"


@dataclass(frozen=True)
class Occurrence:
    event_id: int
    recurrence_local: datetime  # the occurrence's original local start (its identity)
    starts_local: datetime
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    all_day: bool = False


class SeriesSource(Protocol):
    """What expansion needs of an event row (the model satisfies it)."""

    id: int
    uid: str
    starts_local: datetime
    ends_local: datetime
    tzid: str
    rrule: str | None
    exdates: list[datetime]
    recurrence_id: datetime | None


def validate_rrule(rule: str, starts_local: datetime) -> str:
    """Normalise an RRULE (without the « RRULE: » prefix), or refuse it with a French
    message (RuleRefused) when it is invalid or beyond what a calendar needs."""
    invalid = _l("Règle de répétition invalide.")
    rule = (rule or "").strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if not rule or "\n" in rule or "\r" in rule or len(rule) > 500 or not rule.isascii():
        raise RuleRefused(invalid, "rrule")
    parts: dict[str, str] = {}
    for part in rule.upper().split(";"):
        name, sep, value = part.partition("=")
        if not sep or not value or name in parts:
            raise RuleRefused(invalid, "rrule")
        parts[name] = value
    if parts.keys() & SUB_DAILY or parts.get("FREQ") in ("SECONDLY", "MINUTELY", "HOURLY"):
        raise RuleRefused(
            _l(
                "Une répétition se fait au plus une fois par jour (quotidienne, "
                "hebdomadaire, mensuelle ou annuelle)."
            ),
            "rrule",
        )
    if parts.get("FREQ") not in FREQUENCIES or not parts.keys() <= PARTS:
        raise RuleRefused(invalid, "rrule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleRefused(_l("Indiquez un nombre de fois ou une date de fin, pas les deux."))
    if "COUNT" in parts:
        count = parts["COUNT"]
        if not count.isdigit() or not 1 <= int(count) <= MAX_COUNT:
            raise RuleRefused(
                _l("Une série compte entre 1 et %(n)s fois.", n=french.number(MAX_COUNT)),
                "count",
            )
    if "UNTIL" in parts:
        _check_until(parts["UNTIL"], starts_local)
    if "INTERVAL" in parts:
        interval = parts["INTERVAL"]
        if not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
            raise RuleRefused(
                _l("L’intervalle d’une répétition va de 1 à %(n)s.", n=MAX_INTERVAL), "rrule"
            )
    try:
        # dateutil wants a floating UNTIL with a floating start; the stored rule keeps its Z.
        parsed = rrulestr(re.sub(r"(UNTIL=[0-9T]+)Z", r"\1", rule.upper()), dtstart=starts_local)
        icalendar.vRecur.from_ical(rule)
        # Some rules parse and fail only when expanded (BYDAY=99MO), or give nothing
        # (BYMONTH=13, 30 February): both are refused here, not met later as a 500.
        first = next(iter(parsed), None)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError):
        raise RuleRefused(invalid, "rrule") from None
    if first is None:
        raise RuleRefused(_l("Cette règle de répétition ne donne aucune séance."), "rrule")
    if first.replace(tzinfo=None) != starts_local.replace(tzinfo=None):
        # RFC 5545 §3.8.5.3: a start outside its own rule gives an undefined set
        # (tools disagree on whether the start counts); say so rather than guess.
        raise RuleRefused(
            _l(
                "La première séance ne suit pas la règle de répétition : d’après elle, "
                "la série commencerait le %(day)s. Changez la date de début ou la règle.",
                day=french.long_date(first.date(), weekday=True),
            ),
            "rrule",
        )
    return rule.upper()


def _check_until(value: str, starts_local: datetime) -> None:
    match = _UNTIL.fullmatch(value)
    try:
        until = date(*(int(g) for g in match.groups()[:3])) if match else None
    except ValueError:
        until = None
    if until is None:
        raise RuleRefused(_l("Date de fin de la répétition invalide."), "until")
    first = starts_local.date()
    if until < first:
        raise RuleRefused(_l("La fin de la répétition doit suivre la première date."), "until")
    if until > first.replace(year=first.year + MAX_YEARS, day=min(first.day, 28)):
        raise RuleRefused(
            _l("Une série s’arrête au plus %(n)s ans après sa première date.", n=MAX_YEARS),
            "until",
        )


def vevent(source: SeriesSource) -> icalendar.Event:
    """The VEVENT of a row: DTSTART/DTEND with TZID (dates for an all-day event),
    RRULE, EXDATE, RECURRENCE-ID."""
    zone = ZoneInfo(source.tzid)
    all_day = bool(getattr(source, "all_day", False))

    def value(local: datetime) -> datetime | date:
        return local.date() if all_day else local.replace(tzinfo=zone)

    component = icalendar.Event()
    component.add("uid", source.uid)
    component.add("dtstart", value(source.starts_local))
    component.add("dtend", value(source.ends_local))
    if source.rrule:
        component.add("rrule", icalendar.vRecur.from_ical(_rule_for(source.rrule, all_day)))
    if source.exdates:
        component.add("exdate", [value(d) for d in sorted(source.exdates)])
    if source.recurrence_id is not None:
        component.add("recurrence-id", value(source.recurrence_id))
    component.add(EVENT_ID, str(source.id))
    return component


def instances(
    rule: str, starts_local: datetime, until: datetime | None = None, count: int | None = None
) -> list[datetime]:
    """The raw wall-clock starts a rule generates from `starts_local` (EXDATEs
    not removed, spring-gap times as written: the occurrences' identities), up
    to `until` included or the first `count`. Bounded by the rules' own limits."""
    generated = rrulestr(re.sub(r"(UNTIL=[0-9T]+)Z", r"\1", rule.upper()), dtstart=starts_local)
    found: list[datetime] = []
    for wall in generated:
        if (until is not None and wall > until) or (count is not None and len(found) >= count):
            break
        found.append(wall)
        if len(found) > MAX_EXPANSION:
            break
    return found


def _rule_for(rule: str, all_day: bool) -> str:
    """An all-day series takes its UNTIL as a date (RFC 5545 §3.3.10: DTSTART's value type)."""
    if not all_day:
        return rule
    return re.sub(r"UNTIL=([0-9]{8})T[0-9]{6}Z?", r"UNTIL=\1", rule)


def _wall(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time())


def expand(
    series: SeriesSource, overrides: Iterable[SeriesSource], start: date, end: date
) -> list[Occurrence]:
    """The occurrences of a series (with its single-occurrence changes) whose
    local start is in [start, end), as instants."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Ensemble//agenda//FR")
    calendar.add("version", "2.0")
    rows = {series.id: series}
    calendar.add_component(vevent(series))
    for override in overrides:
        rows[override.id] = override
        calendar.add_component(vevent(override))
    occurrences = []
    for component in recurring_ical_events.of(calendar).between(start, end):
        row = rows[int(component[EVENT_ID])]
        # The library attaches the zone to the wall time without resolving gaps:
        # take the wall times and apply our policy (span) ourselves.
        wall = _wall(component["DTSTART"].dt)
        starts_at, ends_at = span(wall, wall + (row.ends_local - row.starts_local), row.tzid)
        recurrence = (
            row.recurrence_id
            if row.recurrence_id is not None
            else (_wall(component["RECURRENCE-ID"].dt) if "RECURRENCE-ID" in component else wall)
        )
        all_day = bool(getattr(row, "all_day", False))
        occurrences.append(Occurrence(row.id, recurrence, wall, starts_at, ends_at, all_day))
        if len(occurrences) > MAX_EXPANSION:
            raise RuleRefused(
                _l(
                    "Cette répétition donnerait plus de %(n)s occurrences : raccourcissez-la.",
                    n=french.number(MAX_EXPANSION),
                ),
                "rrule",
            )
    occurrences.sort(key=lambda o: o.starts_at)
    return occurrences


def horizon_end(series: SeriesSource, horizon_days: int, today: date) -> date:
    """Where materialisation of a series stops (its occurrences end earlier if
    its rule does): `horizon_days` after its start or after today, whichever is
    later. An open-ended series thus always blocks the coming `horizon_days`;
    the monthly task ensemble.agenda.extend_series moves the horizon on."""
    return max(series.starts_local.date(), today) + timedelta(days=horizon_days)
