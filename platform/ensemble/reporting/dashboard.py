"""What the federation's dashboard, the director's comparison and the run page show.

Figures come from the federation's releases only (`published.py`): published,
secret or not declared, each with the number of centres it covers. The default
year is the last closed campaign; a campaign still open shows its progress only.
Never a named centre's figures, except the centre's own for its director, and
those of centres that agreed, on the federation's page of named figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ensemble.kernel import documents as doc
from ensemble.kernel import french
from ensemble.kernel.departements import departement as departement_label
from ensemble.network.models import Centre
from ensemble.reporting import leaflet as leaflets
from ensemble.reporting import published as pub
from ensemble.reporting.models import (
    Campaign,
    Declaration,
    DirtyKey,
    Indicator,
    Release,
    Run,
    RunStatus,
    Status,
)
from ensemble.reporting.operations import SECTORS
from ensemble.sharing.cooperation import NETWORK_LABELS

STAR = pub.STAR
KEY_FIGURES = (
    "pe.enfants",
    "en.enfants_scolarite",
    "je.jeunes",
    "asf.personnes",
    "isp.rsa",
    "pa.familles",
)


@dataclass(frozen=True)
class Completeness:
    year: int
    centres: int
    validated: int
    submitted: int
    returned: int
    drafts: int
    # Whether the campaign is closed (asked in the same statement).
    closed: bool = False

    @property
    def percent(self) -> int:
        return round(100 * self.validated / self.centres) if self.centres else 0


def completeness(session: Session, federation_id: int, year: int) -> Completeness:
    """The campaign's progress in one statement (the home page and the campaign page
    show it on every view): the federation's centres, its declarations by status,
    and whether the campaign is closed."""
    centres = (
        select(func.count())
        .select_from(Centre)
        .where(Centre.federation_id == federation_id)
        .scalar_subquery()
    )

    def counted(status: Status):
        return func.count().filter(Declaration.status == status)

    row = session.execute(
        select(
            centres,
            counted(Status.VALIDATED),
            counted(Status.SUBMITTED),
            counted(Status.RETURNED),
            func.count(),
            func.app_campaign_closed(federation_id, year),
        ).where(Declaration.federation_id == federation_id, Declaration.year == year)
    ).one()
    *counts, closed = row
    total, validated, submitted, returned, received = (value or 0 for value in counts)
    return Completeness(
        year,
        total,
        validated,
        submitted,
        returned,
        # Drafts are invisible to the federation (RLS): they count as "not yet received".
        max(total - received, 0),
        bool(closed),
    )


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


def sectors_with_labels() -> list[tuple[str, object]]:
    return list(SECTORS.items())


# --- The federation's dashboard --------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One indicator's line: its figure, its change, what they cover."""

    measure: pub.Measure
    figure: pub.Figure
    change: pub.Change | None


def dashboard_view(
    session: Session,
    federation_id: int,
    *,
    year: int | None,
    sector: str | None,
    code: str | None,
    departement: str | None,
) -> dict:
    publication = pub.publication(session, federation_id)
    years = publication.years
    chosen = year if year in years else publication.latest_year
    release = publication.release(chosen)
    view: dict = {"publication": publication, "years": years, "year": chosen, "release": release}
    if release is None:
        return view | {
            "codes": [],
            "lines": [],
            "key_figures": [],
            "cooperation": [],
            "leaflet": None,
            "territory_rows": [],
        }
    if sector not in SECTORS:
        sector = None
    codes = [c for c in release.codes(sector) if release.measure(c).sector != "cooperation"]
    if code not in codes:
        code = next((c for c in KEY_FIGURES if c in codes), codes[0] if codes else None)
    departements = release.departements(code) if code else []
    if departement not in departements:
        departement = None
    centres = centres_by_departement(session, federation_id)
    leaflet = leaflets.build(
        release, departement, centres.get(departement, 0) if departement else sum(centres.values())
    )
    territory_rows = leaflets.by_territory(release, centres)
    # Every indicator the campaign asked: « non déclaré » where no centre gave it.
    from ensemble.reporting import operations as reporting

    asked = [
        i.code for i in reporting.catalogue(session, chosen) if sector is None or i.sector == sector
    ]
    asked += [c for c in codes if c not in asked]
    lines = [Line(release.measure(c), release.figure(c), release.change(c)) for c in asked]
    key_figures = [
        Line(release.measure(c), release.figure(c), release.change(c))
        for c in KEY_FIGURES
        if c in release.measures and release.figure(c).status != pub.NOT_DECLARED
    ]
    cooperation = [
        Line(release.measure(c), release.figure(c), None)
        for c in NETWORK_LABELS
        if release.figure(c).status != pub.NOT_DECLARED
    ]
    trend = publication.trend(code) if code else []
    if departement:
        territories = [
            (city, release.figure(code, departement, city))
            for city in release.cities(code, departement)
        ]
    else:
        territories = [(departement_label(d), release.figure(code, d)) for d in departements]
    return view | {
        "sector": sector,
        "code": code,
        "measure": release.measure(code) if code else None,
        "codes": codes,
        "departement": departement,
        "departements": departements,
        "lines": lines,
        "key_figures": key_figures,
        "cooperation": cooperation,
        "trend": trend,
        "territories": territories,
        "leaflet": leaflet,
        "territory_rows": territory_rows,
        "territory_headings": leaflets.territory_headings(release),
    }


def _bars(items: list[tuple[str, pub.Figure]]) -> list[doc.Bar]:
    return [
        doc.Bar(label, f.display if f.published else None, f.words(), f.coverage())
        for label, f in items
    ]


def trend_chart(view: dict) -> doc.Chart:
    """The chosen indicator year by year (« secret », « non déclaré » where no bar)."""
    return doc.Chart(
        _("%(label)s, par année", label=view["measure"].label),
        _bars([(str(y), f) for y, f in view["trend"]]),
        headings=(_("Année"), _("Valeur"), _("Centres")),
    )


def territory_chart(view: dict) -> doc.Chart:
    """The chosen indicator by département, or by city within one."""
    return doc.Chart(
        _("%(label)s en %(year)d, par territoire", label=view["measure"].label, year=view["year"]),
        _bars(view["territories"]),
        headings=(_("Territoire"), _("Valeur"), _("Centres")),
    )


def centres_by_departement(session: Session, federation_id: int) -> dict[str, int]:
    """The federation's centres (declared or not), by département."""
    departement = func.left(Centre.postcode, 2)
    return dict(
        session.execute(
            select(departement, func.count())
            .where(Centre.federation_id == federation_id)
            .group_by(departement)
        ).all()
    )


def open_campaigns(session: Session, federation_id: int) -> list[Completeness]:
    """Campaigns with validated declarations that the federation has not closed."""
    closed = set(
        session.scalars(select(Campaign.year).where(Campaign.federation_id == federation_id))
    )
    return [
        completeness(session, federation_id, y)
        for y in campaign_years(session, federation_id)
        if y not in closed
    ]


# --- The director's comparison -----------------------------------------------------


@dataclass(frozen=True)
class Territory:
    """A published figure of the network or the département, as a director compares
    with it: the figure, and per centre (a mean for a sum; for a yes-or-no question,
    the share of centres that answered yes) — both derived from published figures."""

    figure: pub.Figure
    per_centre: Decimal | None
    share: Decimal | None

    def words(self) -> str:
        if self.share is not None:
            return french.percent(self.share)
        return self.figure.words()


def yes_or_no(indicator: Indicator) -> bool:
    """A question answered 1 (yes) or 0 (no): « le centre mène-t-il … »."""
    return indicator.unit == "count" and indicator.max_value == 1


def _territory(indicator: Indicator, figure: pub.Figure) -> Territory:
    if not figure.published or not figure.centres or figure.value is None:
        return Territory(figure, None, None)
    if yes_or_no(indicator):
        return Territory(figure, None, (figure.value * 100 / figure.centres).quantize(Decimal(1)))
    if indicator.aggregation == "sum":
        return Territory(figure, (figure.value / figure.centres).quantize(Decimal("0.1")), None)
    return Territory(figure, None, None)


@dataclass(frozen=True)
class Comparison:
    indicator: Indicator
    mine: Decimal | None
    network: Territory
    departement: Territory

    @property
    def mean(self) -> Decimal | None:  # network sum per centre (sums only)
        return self.network.per_centre

    def my_words(self) -> str:
        if self.mine is None:
            return _("non déclaré")
        if yes_or_no(self.indicator):
            return _("oui") if self.mine else _("non")
        return french.compact_number(self.mine)


def comparison_view(session: Session, centre: Centre, year: int | None, own) -> dict:
    """The centre's own figures beside its network's and its département's published
    ones (the same releases every reader sees: what the director knows of their own
    centre was taken into account when they were protected)."""
    from ensemble.reporting import operations as reporting

    publication = pub.publication(session, centre.federation_id)
    years = publication.years
    chosen = year if year in years else publication.latest_year
    release = publication.release(chosen)
    rows: list[Comparison] = []
    if release is not None:
        declaration = own(chosen)
        values = reporting.values_of(declaration) if declaration else {}
        for indicator in reporting.catalogue(session, chosen):
            network = _territory(indicator, release.figure(indicator.code))
            dep = _territory(indicator, release.figure(indicator.code, centre.departement))
            mine = values.get((indicator.code, ""))
            rows.append(Comparison(indicator, mine.value if mine else None, network, dep))
    return {"years": years, "year": chosen, "release": release, "rows": rows}


# --- Centres' own figures, where they agreed ----------------------------------------


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
    values: dict[tuple[int, str], Decimal]
    # Centres that agreed since the last release: not named until a release may name them.
    waiting: int = 0

    def value(self, centre_id: int, code: str) -> Decimal | None:
        return self.values.get((centre_id, code))


def shared_figures(
    session: Session,
    federation_id: int,
    year: int,
    indicators: list[Indicator],
) -> SharedFigures:
    """Read from `reporting_shared_figures` (validated figures of consenting centres,
    under the reader's row-level security), and only for the centres the campaign's
    current release names: a centre's agreement takes effect once a release, audited
    with its figures known to everyone, could name it."""
    release = session.scalar(
        select(Release)
        .where(Release.federation_id == federation_id, Release.year == year)
        .order_by(Release.number.desc())
        .limit(1)
    )
    named = set(release.named_centre_ids or []) if release is not None else set()
    closed = (
        session.scalar(
            select(Campaign.id).where(
                Campaign.federation_id == federation_id, Campaign.year == year
            )
        )
        is not None
    )
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
    # Centres that agreed but are not named yet: their figures are not readable
    # (the values policy follows the release), their consent is.
    consenting = set(
        session.scalars(
            select(Declaration.centre_id).where(
                Declaration.federation_id == federation_id,
                Declaration.year == year,
                Declaration.status == Status.VALIDATED,
                Declaration.share_centre_figures.is_(True),
            )
        )
    )
    waiting = consenting - named if closed else consenting
    for row in rows:
        # An open campaign publishes nothing yet: named figures come with its release.
        if not closed or row.centre_id not in named:
            continue
        centres.setdefault(
            row.centre_id, SharedCentre(row.centre_id, row.centre_name, row.city, row.departement)
        )
        values[(row.centre_id, row.indicator_code)] = row.value
    ordered = sorted(centres.values(), key=lambda c: (c.departement, c.city, c.name, c.centre_id))
    return SharedFigures(year, indicators, ordered, values, len(waiting))


# --- Runs ------------------------------------------------------------------------------

RUN_KINDS = {
    "incremental": _l("après une validation"),
    "full": _l("recalcul complet demandé"),
    "nightly": _l("recalcul de nuit"),
    "publication": _l("mise à jour de la publication"),
}


@dataclass(frozen=True)
class RunLine:
    run: Run
    what: str
    state: str
    started: str
    duration: str


def runs_view(session: Session, federation_id: int) -> dict:
    runs = session.scalars(
        select(Run).where(Run.federation_id == federation_id).order_by(Run.id.desc()).limit(10)
    ).all()
    lines = []
    for r in runs:
        if r.status is RunStatus.DONE:
            state = _("terminé")
        elif r.status is RunStatus.RUNNING:
            state = _("en cours")
        else:
            state = _("échec")
        duration = ""
        if r.finished_at is not None:
            seconds = max((r.finished_at - r.started_at).total_seconds(), 0)
            duration = french.duration(seconds / 3600) if seconds >= 60 else _("moins d’une minute")
        lines.append(
            RunLine(
                r,
                str(RUN_KINDS.get(r.kind, r.kind)),
                state,
                french.long_datetime(r.started_at),
                duration,
            )  # fmt: skip
        )
    pending = session.scalars(
        select(DirtyKey).where(DirtyKey.federation_id == federation_id).order_by(DirtyKey.id)
    ).all()
    waiting = [k for k in pending if k.failed_at is None]
    failed = [k for k in pending if k.failed_at is not None]
    campaigns = session.scalars(
        select(Campaign).where(Campaign.federation_id == federation_id).order_by(Campaign.year)
    ).all()
    publication = pub.publication(session, federation_id)
    return {
        "runs": lines,
        "waiting": waiting,
        "failed": failed,
        "running": any(r.status is RunStatus.RUNNING for r in runs),
        "campaigns": campaigns,
        "publication": publication,
    }
