"""From stored series (local wall time + TZID) to instants, with icalendar,
dateutil and recurring-ical-events. The clock-change policy is described in
the package docstring (ensemble.agenda) and tested in tests/agenda/test_recurrence.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

PARIS = "Europe/Paris"
EVENT_ID = "X-ENSEMBLE-EVENT"


def to_instant(local: datetime, tzid: str = PARIS) -> datetime:
    """A local wall time as a UTC instant. A time in the spring gap is read with
    the offset before the gap (02:30 → 03:30 CEST); a repeated autumn time is
    the first of the two (fold=0): RFC 5545 §3.3.5, and zoneinfo's fold=0."""
    return local.replace(tzinfo=ZoneInfo(tzid), fold=0).astimezone(UTC)


def to_local(instant: datetime, tzid: str = PARIS) -> datetime:
    """A UTC instant as naive local wall time."""
    return instant.astimezone(ZoneInfo(tzid)).replace(tzinfo=None)


@dataclass(frozen=True)
class Occurrence:
    event_id: int
    recurrence_local: datetime  # the occurrence's original local start (its identity)
    starts_local: datetime
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


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
    """Normalise an RRULE (without the « RRULE: » prefix); ValueError if invalid."""
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if not rule or "\n" in rule or len(rule) > 500:
        raise ValueError("invalid rule")
    rrulestr(rule, dtstart=starts_local)  # raises ValueError on nonsense
    icalendar.vRecur.from_ical(rule)
    return rule.upper()


def vevent(source: SeriesSource) -> icalendar.Event:
    """The VEVENT of a row: DTSTART/DTEND with TZID, RRULE, EXDATE, RECURRENCE-ID."""
    zone = ZoneInfo(source.tzid)
    component = icalendar.Event()
    component.add("uid", source.uid)
    component.add("dtstart", source.starts_local.replace(tzinfo=zone))
    component.add("dtend", source.ends_local.replace(tzinfo=zone))
    if source.rrule:
        component.add("rrule", icalendar.vRecur.from_ical(source.rrule))
    if source.exdates:
        component.add("exdate", [d.replace(tzinfo=zone) for d in sorted(source.exdates)])
    if source.recurrence_id is not None:
        component.add("recurrence-id", source.recurrence_id.replace(tzinfo=zone))
    component.add(EVENT_ID, str(source.id))
    return component


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
        # take the wall time and apply our policy (to_instant) ourselves.
        wall = component["DTSTART"].dt.replace(tzinfo=None)
        duration = row.ends_local - row.starts_local
        starts_at = to_instant(wall, row.tzid)
        recurrence = (
            row.recurrence_id
            if row.recurrence_id is not None
            else (
                component["RECURRENCE-ID"].dt.replace(tzinfo=None)
                if "RECURRENCE-ID" in component
                else wall
            )
        )
        occurrences.append(Occurrence(row.id, recurrence, wall, starts_at, starts_at + duration))
    occurrences.sort(key=lambda o: o.starts_at)
    return occurrences


def horizon_end(series: SeriesSource, horizon_days: int, today: date) -> date:
    """Where materialisation of a series stops (its occurrences end earlier if
    its rule does): `horizon_days` after its start or after today, whichever is
    later. An open-ended series thus always blocks the coming `horizon_days`;
    the monthly task ensemble.agenda.extend_series moves the horizon on."""
    return max(series.starts_local.date(), today) + timedelta(days=horizon_days)
