"""Import of an .ics file of existing events: a preview listing each event
with what is wrong with it, then the import of the valid ones (each booked
like any other: a clash is that event's error, not the whole file's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ensemble.agenda import operations, recurrence
from ensemble.agenda.models import Calendar, Category
from ensemble.kernel.refusal import Refusal

MAX_BYTES = 1024 * 1024
MAX_EVENTS = 500
EARLIEST, LATEST = 1900, 2100


@dataclass
class Candidate:
    """One VEVENT of the file, read into local wall time, with its problems."""

    position: int
    title: str
    starts_local: datetime | None = None
    ends_local: datetime | None = None
    rrule: str | None = None
    exdates: list[datetime] = field(default_factory=list)
    description: str = ""
    uid: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportProblem(Refusal):
    """The file as a whole cannot be read."""


def _local(value, tzid: str) -> datetime | None:
    """A DTSTART/DTEND value as Paris wall time; None for an all-day date."""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating time: taken as Paris time
            return value.replace(second=0, microsecond=0)
        return value.astimezone(ZoneInfo(tzid)).replace(tzinfo=None, second=0, microsecond=0)
    return None


def parse(data: bytes) -> list[Candidate]:
    """Every VEVENT of an iCalendar file (changed occurrences are not imported)."""
    if len(data) > MAX_BYTES:
        raise ImportProblem(_("Le fichier dépasse 1 Mo."))
    try:
        calendar = icalendar.Calendar.from_ical(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, IndexError, KeyError):
        raise ImportProblem(
            _("Ce fichier n’est pas un fichier iCalendar (.ics) lisible.")
        ) from None
    events = [c for c in calendar.walk("VEVENT")]
    if not events:
        raise ImportProblem(_("Le fichier ne contient aucun événement."))
    if len(events) > MAX_EVENTS:
        raise ImportProblem(_("Le fichier contient plus de 500 événements."))
    return [_candidate(i, component) for i, component in enumerate(events, start=1)]


def _candidate(position: int, component) -> Candidate:
    tzid = recurrence.PARIS
    title = str(component.get("SUMMARY", "")).strip()[:200]
    candidate = Candidate(position, title or _("(sans titre)"))
    candidate.description = str(component.get("DESCRIPTION", ""))[:5000]
    candidate.uid = str(component.get("UID", ""))[:255]
    if not title:
        candidate.errors.append(_("L’événement n’a pas de titre."))
    if "RECURRENCE-ID" in component:
        candidate.errors.append(_("Occurrence modifiée d’une série : non importée."))
        return candidate
    start = component.get("DTSTART")
    if start is None:
        candidate.errors.append(_("L’événement n’a pas de début."))
        return candidate
    starts = _local(start.dt, tzid)
    if starts is None:
        candidate.errors.append(_("Événement sur la journée entière : non pris en charge."))
        return candidate
    if "DTEND" in component:
        ends = _local(component["DTEND"].dt, tzid)
    elif "DURATION" in component:
        ends = starts + component["DURATION"].dt
    else:
        ends = starts + timedelta(hours=1)
    candidate.starts_local, candidate.ends_local = starts, ends
    if not EARLIEST <= starts.year <= LATEST:
        candidate.errors.append(_("Date hors limites : entre 1900 et 2100."))
        candidate.starts_local = candidate.ends_local = None
        return candidate
    if ends is None or ends <= starts:
        candidate.errors.append(_("La fin doit être après le début."))
    elif ends - starts > timedelta(hours=24):
        candidate.errors.append(_("Un événement dure au plus 24 heures."))
    if "RRULE" in component:
        try:
            rule = component["RRULE"]
            rule = rule[0] if isinstance(rule, list) else rule
            candidate.rrule = recurrence.validate_rrule(rule.to_ical().decode(), starts)
        except recurrence.RuleRefused as refusal:
            candidate.errors.append(refusal.message)
        except (ValueError, TypeError):
            candidate.errors.append(_("Règle de répétition illisible."))
    exdates = component.get("EXDATE", [])
    # One EXDATE line is one value, several lines a list of them.
    for exdate in exdates if isinstance(exdates, list) else [exdates]:
        for value in exdate if isinstance(exdate, list) else [exdate]:
            for item in getattr(value, "dts", [value]):
                local = _local(item.dt, tzid)
                if local is not None:
                    candidate.exdates.append(local)
    return candidate


@dataclass
class Outcome:
    imported: int
    errors: dict[int, str]


def import_candidates(
    session: Session,
    calendar: Calendar,
    candidates: list[Candidate],
    *,
    centre_id: int,
    category: Category,
    today: date | None = None,  # noqa: ARG001
) -> Outcome:
    """Book every valid candidate; a clash or a refused share is that event's error."""
    imported, errors = 0, {}
    for candidate in candidates:
        if not candidate.ok:
            errors[candidate.position] = candidate.errors[0]
            continue
        try:
            operations.book(
                session,
                calendar,
                centre_id=centre_id,
                category=category,
                title=candidate.title,
                description=candidate.description,
                starts_local=candidate.starts_local,
                ends_local=candidate.ends_local,
                rrule=candidate.rrule,
                exdates=candidate.exdates,
            )
            imported += 1
        except Refusal as error:
            errors[candidate.position] = error.message
    return Outcome(imported, errors)
