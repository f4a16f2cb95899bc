"""Demo declarations for federation reporting.

Alma's 2021 declaration carries the figures of its 2021 activity report
(/shared/seeds, « Rapport d’activité 2021 »). The other Nord centres' figures,
and every centre's 2019 and 2020 figures, are illustrative: Alma's scaled by a
fixed factor per centre and year, so that the federation's dashboard has a
network and trends to show. All are validated, and the federation's analyst
has closed the three campaigns; once the demo is committed, `after_commit`
consolidates and publishes them (statistical disclosure control included), as
the workers would.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Campaign, Declaration, Status
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext
from tenants.demo import DemoNetwork

ORDER = 60

# Rapport d'activité 2021 du Centre Social Alma: (indicator, breakdown key) -> figure.
ALMA_2021: dict[tuple[str, str], str] = {
    ("va.administrateurs", ""): "22",
    ("va.bureaux", ""): "5",
    ("va.conseils", ""): "6",
    ("pe.enfants", ""): "155",
    ("pe.familles", ""): "124",
    ("pe.participation_horaire", ""): "0.39",
    ("en.enfants_scolarite", ""): "63",
    ("en.enfants_scolarite", "femmes"): "36",
    ("en.enfants_scolarite", "hommes"): "27",
    ("en.familles_scolarite", ""): "42",
    ("je.jeunes", ""): "120",
    ("je.familles", ""): "85",
    ("je.colos", ""): "50",
    ("je.colos", "femmes"): "26",
    ("je.colos", "hommes"): "24",
    ("je.prevention", ""): "42",
    ("asf.passages", ""): "1488",
    ("asf.personnes", ""): "664",
    ("asf.personnes", "femmes"): "377",
    ("asf.personnes", "hommes"): "287",
    ("asf.dossiers", ""): "1463",
    ("asf.ateliers_sante", ""): "48",
    ("isp.rsa", ""): "260",
    ("isp.qualification", ""): "63",
    ("isp.professionnels", ""): "15",
    ("pa.familles", ""): "113",
    ("pa.adultes", ""): "117",
    ("pa.enfants", ""): "206",
    ("pa.jours_accueil", ""): "127",
}

NORD_ANALYST = "paul.verhaeghe@federation-nord.demo"
NORD_CENTRES = (
    "alma",
    "echo",
    "pile-sainte-elisabeth",
    "assia-djebar",
    "fresnoy-mackellerie",
    "basse-masure",
)
YEARS = (2019, 2020, 2021)
# Illustrative scale per centre (Alma's figures × factor), then per year.
CENTRE_FACTOR = {
    "alma": Decimal("1"),
    "echo": Decimal("0.8"),
    "pile-sainte-elisabeth": Decimal("0.6"),
    "assia-djebar": Decimal("0.7"),
    "fresnoy-mackellerie": Decimal("0.9"),
    "basse-masure": Decimal("0.5"),
}
YEAR_FACTOR = {2019: Decimal("1.1"), 2020: Decimal("0.8"), 2021: Decimal("1")}
NOT_SCALED = {"pe.participation_horaire", "isp.qualification", "pa.jours_accueil"}


def figures(slug: str, year: int) -> dict[tuple[str, str], Decimal]:
    if slug == "alma" and year == 2021:
        return {k: Decimal(v) for k, v in ALMA_2021.items()}
    factor = CENTRE_FACTOR[slug] * YEAR_FACTOR[year]
    out: dict[tuple[str, str], Decimal] = {}
    for (code, key), text in ALMA_2021.items():
        value = Decimal(text)
        if code not in NOT_SCALED:
            value = (value * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        out[(code, key)] = value
    # Keep breakdowns adding up after rounding: men = total - women.
    for code, key in list(out):
        if key == "hommes":
            out[(code, key)] = out[(code, "")] - out[(code, "femmes")]
    return out


def load(session: Session, net: DemoNetwork) -> None:
    federation = net.federations["nord"]
    for slug in NORD_CENTRES:
        centre = net.centres[slug]
        for year in YEARS:
            as_centre = context.system_context(centre_ids=[centre.id])
            with context.using(as_centre, session):
                existing = session.scalar(
                    select(Declaration).where(
                        Declaration.centre_id == centre.id, Declaration.year == year
                    )
                )
                if existing is not None:
                    continue
                declaration = reporting.declaration_for(session, centre, year)
                declaration.share_centre_figures = slug == "alma"
                reporting.set_values(
                    session,
                    declaration,
                    figures(slug, year),
                    comments={"je.colos": "Reprise des séjours après la crise sanitaire."},
                )
                problems = reporting.submit(session, declaration)
                assert not problems, problems
                declaration_id = declaration.id
            with context.using(context.system_context(federation_ids=[federation.id]), session):
                declaration = session.get(Declaration, declaration_id)
                if declaration.status is Status.SUBMITTED:
                    reporting.validate(session, declaration)

    analyst = net.users[NORD_ANALYST]
    as_analyst = TenantContext(
        user_id=analyst.id,
        federation_ids=frozenset({federation.id}),
        network_ids=frozenset({federation.id}),
    )
    with context.using(as_analyst, session):
        for year in YEARS:
            closed = session.scalar(
                select(Campaign).where(
                    Campaign.federation_id == federation.id, Campaign.year == year
                )
            )
            if closed is None:
                reporting.close_campaign(session, federation.id, year, analyst.id)


def after_commit() -> None:
    """Consolidate and publish what the demo loaded (what the workers' first pass does)."""
    from ensemble.extensions import db
    from ensemble.reporting import consolidation
    from ensemble.reporting.tasks import rules

    engine = db.engines["reporting"]
    try:
        consolidation.consolidate(engine, full=True, rules=rules())
    finally:
        engine.dispose()  # the loader's caller may copy or drop the database next
