"""What the activity capability (actions, their sessions and attendance) asks
of the other capabilities, without importing them.

- **The sectors of the indicator catalogue**: an action belongs to one of the
  sectors a centre declares its yearly figures by. Federation reporting owns
  the catalogue and registers its sectors here (`SECTORS`).
- **Sessions in the shared calendar**: an action run by the holder of a shared
  post has its sessions booked in that person's calendar, under every rule of
  the calendar (no double booking, travel time, agreed shares). The calendar
  registers a `SeriesPlanner`; the activity capability calls `plan_series`
  and keeps the occurrences the calendar returns as the action's sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ensemble.kernel.refusal import Refusal

# sector code -> French label, registered by the capability owning the catalogue.
SECTORS: dict[str, object] = {}


def register_sectors(sectors: dict[str, object]) -> None:
    SECTORS.update(sectors)


@dataclass(frozen=True)
class SeriesPlan:
    """A series of sessions to book for an action, in local wall time (Europe/Paris)."""

    agreement_id: int  # the shared post whose holder runs the action
    centre_id: int  # where the sessions take place
    title: str
    starts_local: datetime  # the first session
    ends_local: datetime
    rrule: str | None  # RFC 5545, e.g. "FREQ=WEEKLY;COUNT=10"; None: one session
    description: str = ""


@dataclass(frozen=True)
class PlannedSeries:
    """What the calendar booked: its event, the person it is for and the occurrences
    (instants, UTC-aware), in order."""

    event_id: int
    user_id: int
    occurrences: list[tuple[datetime, datetime]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


SeriesPlanner = Callable[[Session, SeriesPlan], PlannedSeries]

_PLANNERS: list[SeriesPlanner] = []


def series_planner(planner: SeriesPlanner) -> SeriesPlanner:
    """Decorator: the shared calendar registers how a series is booked."""
    _PLANNERS.clear()
    _PLANNERS.append(planner)
    return planner


def plan_series(session: Session, plan: SeriesPlan) -> PlannedSeries:
    """Book `plan` in the shared calendar; the calendar's refusals (a clash, a
    share exceeded) come back as they are, a `Refusal` with a French message."""
    if not _PLANNERS:
        raise Refusal(_("Le calendrier partagé n’est pas disponible."))
    return _PLANNERS[0](session, plan)


# --- The yearly declaration, pre-filled from attendance ---------------------------------
#
# Federation reporting owns the catalogue and the declarations. It registers
# how to read the catalogue of a campaign and how to put figures into a
# centre's draft declaration; the activity capability computes the figures
# from sessions and attendance and offers them to the director, who corrects
# what needs it and carries them over. Submission stays reporting's.


@dataclass(frozen=True)
class CatalogueLine:
    code: str
    sector: str
    label: str
    unit: str  # "count", "hours"…
    breakdown: str  # "", "sex" or "age"
    breakdown_keys: tuple[str, ...]


# reader(session, year) -> the catalogue asked in the campaign of `year`
CatalogueReader = Callable[[Session, int], list[CatalogueLine]]
# writer(session, centre_id, year, {(code, key): value}, {code: comment}) puts the
# figures into the centre's declaration of `year`, refusing (Refusal) when it is
# no longer the centre's to change.
DeclarationWriter = Callable[
    [Session, int, int, Mapping[tuple[str, str], Decimal], Mapping[str, str]], None
]

_CATALOGUE: list[CatalogueReader] = []
_WRITERS: list[DeclarationWriter] = []


def catalogue_reader(reader: CatalogueReader) -> CatalogueReader:
    _CATALOGUE[:] = [reader]
    return reader


def declaration_writer(writer: DeclarationWriter) -> DeclarationWriter:
    _WRITERS[:] = [writer]
    return writer


def catalogue(session: Session, year: int) -> list[CatalogueLine]:
    """The catalogue of the campaign of `year` (empty without federation reporting)."""
    return _CATALOGUE[0](session, year) if _CATALOGUE else []


def write_declaration(
    session: Session,
    centre_id: int,
    year: int,
    figures: Mapping[tuple[str, str], Decimal],
    comments: Mapping[str, str],
) -> None:
    if not _WRITERS:
        raise Refusal(_("Les déclarations ne sont pas disponibles."))
    _WRITERS[0](session, centre_id, year, figures, comments)
