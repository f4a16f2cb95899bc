"""What the federation's dashboard and the director's comparison publish.

Everything comes from the consolidated cells (`reporting_aggregates`), read
under row-level security and passed through statistical suppression one cube
(federation, year, indicator) at a time, so that every view — key figures,
trends, territories, exports — shows the same published cells. Never a named
centre's figures, except the centre's own for its director.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ensemble.network.models import Centre
from ensemble.reporting.models import Aggregate, Declaration, Indicator, Run, Status
from ensemble.reporting.operations import SECTORS
from ensemble.reporting.suppression import STAR, Cell, suppress
from ensemble.sharing.cooperation import NETWORK_LABELS

KEY_FIGURES = (
    "_declarations",
    "pe.enfants",
    "en.enfants_scolarite",
    "je.jeunes",
    "asf.personnes",
    "isp.rsa",
    "pa.familles",
)
COOPERATION_UNITS = {"count": "count", "hours": "hours", "fte": "fte"}
COMPLETENESS = "_declarations"


@dataclass(frozen=True)
class Published:
    """A cell as shown: None when suppressed (or absent)."""

    value: Decimal | None
    centres: int = 0
    hidden: bool = False


@dataclass
class Measure:
    code: str
    label: str
    sector: str
    unit: str
    aggregation: str
    counts_people: bool
    first_year: int = 0
    last_year: int | None = None

    def asked_in(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or self.last_year >= year)


@dataclass
class Network:
    """The published cells of one federation, all years."""

    federation_id: int
    measures: dict[str, Measure]
    # (year, code) -> {(departement, city, breakdown_key): Published}
    cubes: dict[tuple[int, str], dict[tuple[str, str, str], Published]] = field(
        default_factory=dict
    )

    @property
    def years(self) -> list[int]:
        """Campaign years: those with validated declarations (cooperation figures
        alone, staged for the current year, do not make a campaign)."""
        return sorted({y for y, code in self.cubes if code == COMPLETENESS})

    def cell(
        self, year: int, code: str, departement: str = STAR, city: str = STAR, key: str = ""
    ) -> Published:
        return self.cubes.get((year, code), {}).get((departement, city, key), Published(None))

    def territories(self, year: int, code: str, departement: str | None) -> list[tuple[str, str]]:
        """Départements of the federation, or the cities of one département."""
        keys = self.cubes.get((year, code), {})
        if departement:
            return sorted(
                {(d, c) for d, c, k in keys if d == departement and c != STAR and k == ""}
            )
        return sorted({(d, c) for d, c, k in keys if d != STAR and c == STAR and k == ""})

    def display(self, year: int, code: str, **where) -> Decimal | None:
        """The cell as a reader sees it: a sum, or a mean per centre for rates."""
        cell = self.cell(year, code, **where)
        if cell.value is None:
            return None
        measure = self.measures.get(code)
        if measure and measure.aggregation == "mean" and cell.centres:
            return (cell.value / cell.centres).quantize(Decimal("0.01"))
        return cell.value

    def change(self, year: int, code: str, **where) -> Decimal | None:
        """Year-on-year change in percent, when both years are published."""
        now, before = self.display(year, code, **where), self.display(year - 1, code, **where)
        if now is None or before is None or before == 0:
            return None
        return ((now - before) / before * 100).quantize(Decimal("0.1"))


def _settings() -> tuple[int, Decimal]:
    config = current_app.config
    return (
        int(config.get("REPORTING_SUPPRESSION_THRESHOLD", 11)),
        Decimal(str(config.get("REPORTING_DOMINANCE", "0.85"))),
    )


def measures(session: Session) -> dict[str, Measure]:
    out = {
        "_declarations": Measure(
            "_declarations", "Déclarations validées", "completude", "count", "sum", False
        )
    }
    for indicator in session.scalars(select(Indicator).order_by(Indicator.position)):
        out.setdefault(
            indicator.code,
            Measure(
                indicator.code,
                indicator.label,
                indicator.sector,
                indicator.unit,
                indicator.aggregation,
                indicator.counts_people,
                indicator.first_year,
                indicator.last_year,
            ),
        )
    return out


def cooperation_codes() -> list[str]:
    """The cooperation figures the capabilities declare (shared posts, joint answers…)."""
    return list(NETWORK_LABELS)


def network(session: Session, federation_id: int) -> Network:
    """Every published cell of the federation (one query, then suppression)."""
    threshold, dominance = _settings()
    known = measures(session)
    raw: dict[tuple[int, str], dict[tuple[str, str, str], Cell]] = defaultdict(dict)
    for row in session.execute(
        select(
            Aggregate.year,
            Aggregate.indicator_code,
            Aggregate.departement,
            Aggregate.city,
            Aggregate.breakdown_key,
            Aggregate.total,
            Aggregate.centres,
            Aggregate.max_centre,
        ).where(Aggregate.federation_id == federation_id)
    ):
        raw[(row.year, row.indicator_code)][(row.departement, row.city, row.breakdown_key)] = Cell(
            row.total, row.centres, row.max_centre
        )
    result = Network(federation_id, known)
    for (year, code), cells in raw.items():
        measure = known.get(code)
        if measure is None:
            label, unit = NETWORK_LABELS.get(code, (code, "count"))
            measure = Measure(code, label, "cooperation", unit, "sum", False)
            known[code] = measure
        if code == COMPLETENESS:
            # How many centres declared is public within the network: not a figure about people.
            hidden: set = set()
        else:
            hidden = suppress(
                cells,
                counts_people=measure.counts_people,
                aggregation=measure.aggregation,
                threshold=threshold,
                dominance=dominance,
            )
        result.cubes[(year, code)] = {
            key: Published(None, 0, True) if key in hidden else Published(c.total, c.centres)
            for key, c in cells.items()
        }
    return result


@dataclass(frozen=True)
class Completeness:
    year: int
    centres: int
    validated: int
    submitted: int
    returned: int
    drafts: int

    @property
    def percent(self) -> int:
        return round(100 * self.validated / self.centres) if self.centres else 0


def completeness(session: Session, federation_id: int, year: int) -> Completeness:
    centres = session.scalar(
        select(func.count()).select_from(Centre).where(Centre.federation_id == federation_id)
    )
    counts = dict(
        session.execute(
            select(Declaration.status, func.count())
            .where(Declaration.federation_id == federation_id, Declaration.year == year)
            .group_by(Declaration.status)
        ).all()
    )
    return Completeness(
        year,
        centres or 0,
        counts.get(Status.VALIDATED, 0),
        counts.get(Status.SUBMITTED, 0),
        counts.get(Status.RETURNED, 0),
        # Drafts are invisible to the federation (RLS): they count as "not yet received".
        max((centres or 0) - sum(counts.values()), 0),
    )


def last_run(session: Session) -> Run | None:
    return session.scalar(select(Run).order_by(Run.id.desc()).limit(1))


def sector_codes(net: Network, sector: str | None, year: int) -> list[str]:
    """The indicators of the campaign of `year` (a past theme is not listed), by sector."""
    return [
        code
        for code, m in net.measures.items()
        if code != COMPLETENESS and m.asked_in(year) and (sector is None or m.sector == sector)
    ]


def sectors_with_labels() -> list[tuple[str, object]]:
    return list(SECTORS.items())


@dataclass(frozen=True)
class SharedCentre:
    centre_id: int
    name: str
    city: str
    departement: str


@dataclass
class SharedFigures:
    """Validated figures of the centres that agreed to be shown by name, one year."""

    year: int
    indicators: list[Indicator]
    centres: list[SharedCentre]
    # (centre_id, indicator_code) -> value (totals only)
    values: dict[tuple[int, str], Decimal]

    def value(self, centre_id: int, code: str) -> Decimal | None:
        return self.values.get((centre_id, code))


def campaign_years(session: Session, federation_id: int) -> list[int]:
    """Years in which at least one of the federation's declarations was validated."""
    return list(
        session.scalars(
            select(Declaration.year)
            .where(
                Declaration.federation_id == federation_id,
                Declaration.status == Status.VALIDATED,
            )
            .distinct()
            .order_by(Declaration.year)
        )
    )


def shared_figures(
    session: Session,
    federation_id: int,
    year: int,
    indicators: list[Indicator],
) -> SharedFigures:
    """Read from `reporting_shared_figures`, the view that holds validated figures of
    consenting centres only (and runs under the reader's row-level security): a
    centre that did not agree is absent, not hidden by this code."""
    codes = [i.code for i in indicators]
    rows = session.execute(
        text(
            "SELECT centre_id, centre_name, city, departement, indicator_code, value"
            " FROM reporting_shared_figures"
            " WHERE federation_id = :f AND year = :y AND breakdown_key = ''"
            " AND indicator_code = ANY(:codes)"
        ),
        {"f": federation_id, "y": year, "codes": codes},
    ).all()
    centres: dict[int, SharedCentre] = {}
    values: dict[tuple[int, str], Decimal] = {}
    for row in rows:
        centres.setdefault(
            row.centre_id, SharedCentre(row.centre_id, row.centre_name, row.city, row.departement)
        )
        values[(row.centre_id, row.indicator_code)] = row.value
    ordered = sorted(centres.values(), key=lambda c: (c.departement, c.city, c.name, c.centre_id))
    return SharedFigures(year, indicators, ordered, values)
