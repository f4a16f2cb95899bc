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
# What the observatory's leaflets also ask (illustrative for Alma too: the activity
# report does not give them). Yes-or-no questions are per centre, below.
ALMA_LEAFLET: dict[tuple[str, str], str] = {
    ("ct.personnes", ""): "2400",
    ("ct.personnes", "0-17"): "900",
    ("ct.personnes", "18-25"): "300",
    ("ct.personnes", "26-59"): "850",
    ("ct.personnes", "60+"): "350",
    ("ct.adherents", ""): "780",
    ("ct.adherents", "femmes"): "470",
    ("ct.adherents", "hommes"): "310",
    ("va.benevoles", ""): "85",
    ("va.benevoles", "femmes"): "52",
    ("va.benevoles", "hommes"): "33",
    ("rh.salaries", ""): "42",
    ("rh.salaries", "femmes"): "30",
    ("rh.salaries", "hommes"): "12",
    ("rh.etp", ""): "31.5",
    ("rh.heures_benevoles", ""): "6200",
    ("fi.produits", ""): "2150000",
    ("fi.charges", ""): "2120000",
    ("fi.prestation_caf", ""): "610000",
    ("fi.communes", ""): "540000",
    ("fi.departement", ""): "230000",
    ("fi.etat", ""): "310000",
    ("fi.usagers", ""): "160000",
}
# Which centres do what (1 = yes): ECHO serves a priority neighbourhood from outside it;
# only two centres run job-integration actions, so that figure stays secret.
ACTIONS: dict[str, tuple[str, ...]] = {
    "ct.qpv": ("alma", "pile-sainte-elisabeth", "assia-djebar", "fresnoy-mackellerie",
               "basse-masure"),
    "ac.accueil_loisirs": ("alma", "echo", "pile-sainte-elisabeth", "assia-djebar",
                           "fresnoy-mackellerie", "basse-masure"),
    "ac.scolarite": ("alma", "echo", "pile-sainte-elisabeth", "fresnoy-mackellerie",
                     "basse-masure"),
    "ac.parentalite": ("alma", "echo", "pile-sainte-elisabeth", "assia-djebar",
                       "fresnoy-mackellerie", "basse-masure"),
    "ac.numerique": ("alma", "echo", "fresnoy-mackellerie", "basse-masure"),
    "ac.acces_droits": ("alma", "echo", "assia-djebar", "basse-masure"),
    "ac.seniors": ("echo", "pile-sainte-elisabeth", "assia-djebar"),
    "ac.vacances": ("alma", "echo", "pile-sainte-elisabeth", "assia-djebar", "basse-masure"),
    "ac.insertion": ("alma", "echo"),
}  # fmt: skip

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
ONE_DECIMAL = {"rh.etp"}
# The part that keeps a breakdown adding up after rounding: total minus the others.
LAST_PART = {"hommes": ("femmes",), "60+": ("0-17", "18-25", "26-59")}


def figures(slug: str, year: int) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = {}
    if slug == "alma" and year == 2021:
        out = {k: Decimal(v) for k, v in ALMA_2021.items()}
    factor = CENTRE_FACTOR[slug] * YEAR_FACTOR[year]
    scaled = ALMA_LEAFLET if out else ALMA_2021 | ALMA_LEAFLET
    for (code, key), text in scaled.items():
        value = Decimal(text)
        if code not in NOT_SCALED:
            step = Decimal("0.1") if code in ONE_DECIMAL else Decimal(1)
            value = (value * factor).quantize(step, rounding=ROUND_HALF_UP)
        out[(code, key)] = value
    # Keep breakdowns adding up after rounding.
    for code, key in list(out):
        if key in LAST_PART and (code, "") in out:
            others = sum((out[(code, k)] for k in LAST_PART[key]), Decimal(0))
            out[(code, key)] = out[(code, "")] - others
    for code, centres in ACTIONS.items():
        out[(code, "")] = Decimal(1 if slug in centres else 0)
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
