"""What a federation has published: the API every page, export and printed report
of federation reporting builds on.

Read under the reader's row-level security from the releases (never from the raw
aggregates, which the runtime role cannot read): every figure is published,
secret, or not declared, and says how many centres it covers.

    pub = publication(session, federation_id)
    pub.years                      # closed campaigns with a release, ascending
    release = pub.release(2021)    # the current release of that campaign (or None)
    fig = release.figure("pe.enfants", departement="59", city="Roubaix", key="")
    fig.status                     # "published" | "secret" | "not_declared"
    fig.display                    # the value to show (a mean per centre for rates)
    fig.centres                    # centres it covers
    release.change("pe.enfants")   # Change(percent, centres) or None
    release.departements("pe.enfants"), release.cities("pe.enfants", "59")
    release.codes(sector="petite_enfance"), release.measure("pe.enfants").label
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.kernel import french
from ensemble.reporting.models import Indicator, PublishedCell, Release
from ensemble.sharing.cooperation import NETWORK_LABELS, PEOPLE_COUNTS

STAR = "*"
PUBLISHED, SECRET, NOT_DECLARED = "published", "secret", "not_declared"
COMPLETENESS = "_declarations"

# Why a cell is secret, by its recorded code (disclosure.protect: FEW … SECONDARY).
# The thresholds are the federation's configured rules (REPORTING_*).
REASONS: dict[int, object] = {
    1: _l("secret : moins de %(centres)s centres"),
    2: _l("secret : moins de %(people)s personnes"),
    3: _l("secret : un centre pèse plus de %(one)s"),
    4: _l("secret : deux centres pèsent plus de %(two)s"),
    5: _l("secret : un centre pourrait en déduire le chiffre d’un autre"),
    6: _l("secret : un centre pourrait en déduire les réponses des autres"),
    7: _l("secret : protège un autre chiffre secret"),
}


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    sector: str
    unit: str
    aggregation: str = "sum"
    counts_people: bool = False
    position: int = 0


@dataclass(frozen=True)
class Figure:
    status: str
    value: Decimal | None = None  # the published sum
    centres: int = 0
    measure: Measure | None = None
    reason: int = 0  # why it is secret (REASONS)

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    def why(self) -> str:
        """« secret : moins de 3 centres »… for a secret figure (French typography),
        else its words."""
        if self.status != SECRET:
            return self.words()
        text = REASONS.get(self.reason)
        if text is None:
            return _("secret")
        from flask import current_app

        from ensemble.reporting.disclosure.rules import Rules

        rules = Rules.from_config(current_app.config)
        words = str(text) % {
            "centres": rules.min_centres,
            "people": rules.threshold,
            "one": french.percent(rules.dominance_one, ratio=True),
            "two": french.percent(rules.dominance_two, ratio=True),
        }
        return french.typography(words)

    @property
    def display(self) -> Decimal | None:
        """What a reader is shown: the sum, or the mean per centre for a rate."""
        if self.value is None:
            return None
        if self.measure and self.measure.aggregation == "mean" and self.centres:
            return (self.value / self.centres).quantize(Decimal("0.01"))
        return self.value

    def words(self) -> str:
        """« 1 234 », « secret », « non déclaré » (French typography)."""
        if self.status == SECRET:
            return _("secret")
        if self.status == NOT_DECLARED:
            return _("non déclaré")
        return french.compact_number(self.display)

    def coverage(self) -> str:
        """« 6 centres », « 1 centre », « aucun centre »."""
        if not self.centres:
            return _("aucun centre")
        return french.plural(self.centres, "%(num)s centre", "%(num)s centres")


@dataclass(frozen=True)
class Change:
    """A year-on-year change over the centres that declared both years."""

    percent: Decimal
    centres: int

    def words(self) -> str:
        """« +12,3 % sur un an (6 centres ayant déclaré les deux années) »."""
        return _(
            "%(change)s sur un an (%(centres)s)",
            change=french.percent(self.percent, 1, signed=True),
            centres=french.plural(
                self.centres,
                "%(num)s centre ayant déclaré les deux années",
                "%(num)s centres ayant déclaré les deux années",
            ),
        )


@dataclass
class PublishedRelease:
    federation_id: int
    year: int
    number: int
    published_at: datetime
    centres: int
    named_centre_ids: list[int]
    secret_cells: int
    audited_cells: int
    certified_cells: int
    linear_programs: int
    readers: int
    measures: dict[str, Measure]
    cells: dict[tuple[str, str, str, str], tuple[Decimal | None, int, bool]] = field(
        default_factory=dict
    )
    changes: dict[str, Change] = field(default_factory=dict)
    reasons: dict[tuple[str, str, str, str], int] = field(default_factory=dict)

    def measure(self, code: str) -> Measure:
        return self.measures.get(code) or Measure(code, code, "", "count")

    def figure(self, code: str, departement: str = STAR, city: str = STAR, key: str = "") -> Figure:
        cell = self.cells.get((code, key, departement, city))
        measure = self.measures.get(code)
        if cell is None:
            return Figure(NOT_DECLARED, None, 0, measure)
        value, centres, secret = cell
        if secret:
            reason = self.reasons.get((code, key, departement, city), 0)
            return Figure(SECRET, None, centres, measure, reason)
        return Figure(PUBLISHED, value, centres, measure)

    def change(self, code: str) -> Change | None:
        return self.changes.get(code)

    def codes(self, sector: str | None = None) -> list[str]:
        """Indicators of the campaign that some centre declared, in the catalogue's order."""
        present = {code for code, _k, d, c in self.cells if d == STAR and c == STAR}
        ordered = sorted(
            (self.measure(code) for code in present if code != COMPLETENESS),
            key=lambda m: (m.position, m.code),
        )
        return [m.code for m in ordered if sector is None or m.sector == sector]

    def departements(self, code: str) -> list[str]:
        return sorted(
            {
                d
                for c, k, d, city in self.cells
                if c == code and k == "" and d != STAR and city == STAR
            }
        )

    def cities(self, code: str, departement: str) -> list[str]:
        return sorted(
            {
                city
                for c, k, d, city in self.cells
                if c == code and k == "" and d == departement and city != STAR
            }
        )


@dataclass
class Publication:
    """The current release of each published campaign of one federation."""

    federation_id: int
    releases: dict[int, PublishedRelease]

    @property
    def years(self) -> list[int]:
        return sorted(self.releases)

    @property
    def latest_year(self) -> int | None:
        return max(self.releases) if self.releases else None

    def release(self, year: int | None) -> PublishedRelease | None:
        return self.releases.get(year) if year is not None else None

    def trend(
        self, code: str, departement: str = STAR, city: str = STAR
    ) -> list[tuple[int, Figure]]:
        return [(y, r.figure(code, departement, city)) for y, r in sorted(self.releases.items())]


def measures(session: Session) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
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
                indicator.position,
            ),
        )
    for i, (code, (label, unit)) in enumerate(NETWORK_LABELS.items()):
        out.setdefault(
            code,
            Measure(
                code,
                str(label),
                "cooperation",
                unit,
                counts_people=code in PEOPLE_COUNTS,
                position=10_000 + i,
            ),
        )
    return out


def publication(
    session: Session, federation_id: int, years: list[int] | None = None
) -> Publication:
    """The current releases of a federation (of `years` only, if given)."""
    query = select(Release).where(Release.federation_id == federation_id)
    if years is not None:
        query = query.where(Release.year.in_(years))
    current: dict[int, Release] = {}
    for release in session.scalars(query.order_by(Release.year, Release.number)):
        current[release.year] = release
    known = measures(session)
    releases = {
        year: PublishedRelease(
            r.federation_id,
            r.year,
            r.number,
            r.published_at,
            r.centres,
            list(r.named_centre_ids or []),
            r.secret_cells,
            r.audited_cells,
            r.certified_cells,
            r.linear_programs,
            r.readers,
            known,
        )
        for year, r in current.items()
    }
    by_id = {r.id: releases[r.year] for r in current.values()}
    if by_id:
        for cell in session.execute(
            select(
                PublishedCell.release_id,
                PublishedCell.indicator_code,
                PublishedCell.breakdown_key,
                PublishedCell.departement,
                PublishedCell.city,
                PublishedCell.value,
                PublishedCell.centres,
                PublishedCell.secret,
                PublishedCell.change,
                PublishedCell.change_centres,
                PublishedCell.reason,
            ).where(PublishedCell.release_id.in_(list(by_id)))
        ):
            release = by_id[cell.release_id]
            key = (cell.indicator_code, cell.breakdown_key, cell.departement, cell.city)
            release.cells[key] = (cell.value, cell.centres, cell.secret)
            if cell.secret and cell.reason:
                release.reasons[key] = cell.reason
            if cell.change is not None:
                release.changes[cell.indicator_code] = Change(cell.change, cell.change_centres or 0)
    return Publication(federation_id, releases)
