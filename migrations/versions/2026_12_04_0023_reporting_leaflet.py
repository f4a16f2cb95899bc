"""Federation reporting: the questions of the observatory's yearly leaflets.

Revision ID: 0023_reporting_leaflet
Revises: 0022_activity_network
Create Date: 2026-12-04

The SENACS leaflets give, per territory, the share of centres in priority
neighbourhoods, the people reached by age and sex, funding by source and how
common each action is (« 84 % des centres mènent… »). The catalogue lacked
those questions; they join it, valid from the first campaign like the core
questions (past campaigns show them as « non déclaré », nobody answered them).

A yes-or-no question (« le centre mène-t-il… ») is a count of 0 or 1: its sum is
the number of centres that do, its centres the number that answered, and it
goes through disclosure control like any other sum (a yes by two centres out of
two is a figure of each of them). Positions are spread by ten so the new
questions sit beside their sector's.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_reporting_leaflet"
down_revision = "0022_activity_network"
branch_labels = None
depends_on = None

CORE = 2012
YES = 1

# (code, sector, label, unit, breakdown, aggregation, counts_people, min, max, after)
# `after`: the code of the existing question it follows (None: at the very start).
LEAFLET = [
    ("ct.qpv", "centre",
     "Centre implanté en quartier prioritaire ou le desservant (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, None),
    ("ct.personnes", "centre", "Personnes touchées par les activités, par âge",
     "count", "age", "sum", True, 0, 200000, "ct.qpv"),
    ("ct.adherents", "centre", "Adhérents, par sexe",
     "count", "sex", "sum", True, 0, 100000, "ct.personnes"),
    ("fi.communes", "finances", "Subventions des communes et intercommunalités",
     "euros", "", "sum", False, 0, None, "fi.prestation_caf"),
    ("fi.departement", "finances", "Subventions du département",
     "euros", "", "sum", False, 0, None, "fi.communes"),
    ("fi.etat", "finances", "Financements de l’État (dont emplois aidés)",
     "euros", "", "sum", False, 0, None, "fi.departement"),
    ("fi.usagers", "finances", "Participations des usagers",
     "euros", "", "sum", False, 0, None, "fi.etat"),
    ("ac.accueil_loisirs", "actions", "Accueil de loisirs (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, "fi.usagers"),
    ("ac.scolarite", "actions", "Accompagnement à la scolarité (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, "ac.accueil_loisirs"),
    ("ac.parentalite", "actions", "Soutien à la parentalité (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, "ac.scolarite"),
    ("ac.numerique", "actions", "Accompagnement au numérique (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, "ac.parentalite"),
    ("ac.acces_droits", "actions",
     "Accès aux droits, écrivain public (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, "ac.numerique"),
    ("ac.seniors", "actions", "Actions avec les seniors (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, "ac.acces_droits"),
    ("ac.vacances", "actions", "Départs en vacances des familles (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, "ac.seniors"),
    ("ac.insertion", "actions",
     "Insertion socio-professionnelle (1 = oui, 0 = non)",
     "count", "", "sum", False, 0, YES, "ac.vacances"),
]  # fmt: skip

CODES = [row[0] for row in LEAFLET]


def _as_owner():
    # The catalogue has no write policy (migrations only) and its RLS is forced even
    # for its owner: let the owner through for this migration's statements only.
    op.execute("ALTER TABLE reporting_indicators NO FORCE ROW LEVEL SECURITY")


def _forced_again():
    op.execute("ALTER TABLE reporting_indicators FORCE ROW LEVEL SECURITY")


def upgrade():
    bind = op.get_bind()
    _as_owner()
    op.execute("UPDATE reporting_indicators SET position = position * 10")
    positions = dict(bind.execute(sa.text("SELECT code, position FROM reporting_indicators")).all())
    indicators = sa.table(
        "reporting_indicators",
        *(
            sa.column(name)
            for name in (
                "code", "sector", "label", "unit", "breakdown", "aggregation",
                "counts_people", "min_value", "max_value", "first_year", "last_year",
                "position",
            )
        ),
    )  # fmt: skip
    rows = []
    for code, sector, label, unit, breakdown, aggregation, people, low, high, after in LEAFLET:
        position = -10 if after is None else positions[after] + 1
        positions[code] = position
        rows.append(
            {
                "code": code,
                "sector": sector,
                "label": label,
                "unit": unit,
                "breakdown": breakdown,
                "aggregation": aggregation,
                "counts_people": people,
                "min_value": low,
                "max_value": high,
                "first_year": CORE,
                "last_year": None,
                "position": position,
            }
        )
    op.bulk_insert(indicators, rows)
    _forced_again()


def downgrade():
    # The answers to these questions go with them (the values' table: as its owner too).
    _as_owner()
    op.execute("ALTER TABLE reporting_values NO FORCE ROW LEVEL SECURITY")
    codes = sa.bindparam("codes", CODES, expanding=True)
    op.get_bind().execute(
        sa.text("DELETE FROM reporting_values WHERE indicator_code IN :codes").bindparams(codes)
    )
    op.get_bind().execute(
        sa.text("DELETE FROM reporting_indicators WHERE code IN :codes").bindparams(codes)
    )
    op.execute("UPDATE reporting_indicators SET position = position / 10")
    op.execute("ALTER TABLE reporting_values FORCE ROW LEVEL SECURITY")
    _forced_again()
