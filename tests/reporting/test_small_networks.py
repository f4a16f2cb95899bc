"""Campaigns of 3–4 centres. Found: they published nothing at all — a network total
of three centres beside a département of two and one of one was hidden because
the third centre's director, subtracting their own figure, knew the other
département's sum exactly (two centres: no figure of either). The moves of the
certificates prove too little with so few centres, so the repair hid everything.

Now the LP decides small blocks before anything more is hidden, and a reader may
narrow what they do not know of a hidden cell when that part has two or more
centres and, known exactly, would single none out (the primary rules' p % rule,
applied to each reader). Every centre's own figure stays protected for every
reader (the attacker checks them all). A secret cell says why, in plain French.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from ensemble.reporting.disclosure import engine
from ensemble.reporting.disclosure.model import Campaign, Measure, Place
from ensemble.reporting.disclosure.protect import FEW, PUBLISHED, SECONDARY, UNANIMOUS
from ensemble.reporting.disclosure.rules import Rules
from ensemble.reporting.publication import decide
from reporting.consolidation_support import make_clone
from reporting.disclosure_oracle import attack
from reporting.scenario import Scenario, figures
from reporting.support import NORD_ANALYST

from conftest import sign_in

RULES = Rules()
CHILDREN = Measure("pe.enfants", ("",), counts_people=True, integer=True, upper=100000)
BUDGET = Measure("fi.produits", ("",))
ACTION = Measure("ac.numerique", ("",), integer=True, upper=1)
MEASURES = [CHILDREN, BUDGET, ACTION]
ORACLE = {m.code: (m.keys, m.counts_people, m.integer, m.upper) for m in MEASURES}
SHAPES = {
    "three, two départements": [("59", "Lille"), ("59", "Lille"), ("62", "Arras")],
    "three cities": [("59", "Lille"), ("59", "Roubaix"), ("59", "Tourcoing")],
    "four, two départements": [
        ("59", "Lille"),
        ("59", "Lille"),
        ("59", "Roubaix"),
        ("62", "Arras"),
    ],
    "four cities": [("59", "Lille"), ("59", "Roubaix"), ("62", "Arras"), ("62", "Lens")],
}


def _campaign(places) -> Campaign:
    children, budget, action = (
        [40, 50, 60, 45],
        [150000.5, 180000.5, 210000.5, 160000.5],
        [1, 0, 1, 1],
    )
    values = {}
    for i in range(len(places)):
        values[(i + 1, CHILDREN.code, "")] = float(children[i])
        values[(i + 1, BUDGET.code, "")] = budget[i]
        values[(i + 1, ACTION.code, "")] = float(action[i])
    centres = {i + 1: Place(*p) for i, p in enumerate(places)}
    return Campaign(1, 2023, centres, MEASURES, values)


def _cells(decided) -> dict:
    return {
        (code, dep, city): (value, secret)
        for code, _k, dep, city, value, _n, secret in decided.cells.rows()
    }


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_network_of_three_or_four_centres_publishes_its_totals(shape):
    campaign = _campaign(SHAPES[shape])
    [decided], _stats = decide([campaign], RULES)
    assert not decided.refused
    cells = _cells(decided)
    n = len(campaign.centres)
    # No centre weighs more than 85 %: the network totals are published…
    assert cells[(CHILDREN.code, "*", "*")] == (float(sum([40, 50, 60, 45][:n])), False)
    assert not cells[(BUDGET.code, "*", "*")][1]
    # …and nothing lets any reader narrow a centre's figure or a hidden cell.
    places = {c: (p.departement, p.city) for c, p in campaign.centres.items()}
    published = {
        (code, k, d, c): v for code, k, d, c, v, _n, secret in decided.cells.rows() if not secret
    }
    readers = [set()] + [{c} for c in campaign.centres]
    for known in readers:
        assert not attack(places, campaign.values, ORACLE, published, known=known, readers=readers)


def test_every_secret_cell_says_why():
    campaign = _campaign(SHAPES["three, two départements"])
    part = engine.decide([campaign], rules=RULES).parts[0]
    a, reasons = part.arrays, part.outcome.reasons
    hidden = part.outcome.hidden
    for r in range(a.rows):
        code = a.b_measure[a.r_block[r]].code
        where = a.place(r)
        if hidden[r, 0]:
            assert reasons[r, 0] != PUBLISHED, (code, where)
        else:
            assert reasons[r, 0] == PUBLISHED, (code, where)
        if code == ACTION.code and where == ("*", "*"):
            # 2 « oui » of 3: the director who said « non » would read two « oui ».
            assert reasons[r, 0] == UNANIMOUS
        elif where[0] != "*":
            assert reasons[r, 0] == FEW, (code, where)  # two centres, or one
    assert SECONDARY == 7 and np.isin(reasons, range(8)).all()


@pytest.fixture(scope="module")
def clone(servers, template_database):
    clone = make_clone(servers, "reporting_small")
    yield clone
    clone.dispose()


@pytest.mark.no_db_rollback
def test_a_real_run_of_three_centres_publishes_the_network_and_records_why(clone):
    s = Scenario(clone, [("59", "Lille"), ("59", "Lille"), ("62", "Arras")])
    s.declare(2023, figures({"pe.enfants": [40, 50, 60]}))
    s.close(2023)
    outcome = s.run()
    assert [r.status for r in outcome.publications] == ["published"]
    assert s.published(2023)[("pe.enfants", "", "*", "*")] == 150
    with clone.admin.connect() as conn:
        from sqlalchemy import text

        reasons = dict(
            conn.execute(
                text(
                    "SELECT departement || '/' || city, reason FROM reporting_published"
                    " WHERE federation_id = :f AND indicator_code = 'pe.enfants'"
                    " AND breakdown_key = ''"
                ),
                {"f": s.federation_id},
            ).all()
        )
    assert reasons["*/*"] == 0 and reasons["59/*"] == reasons["62/*"] == FEW
    assert s.attack(2023) == []


def test_the_dashboard_says_why_a_figure_is_secret(app, demo):
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    html = analyst.get("/f/nord/tableau-de-bord").get_data(as_text=True)
    text = re.sub(r"[\u00a0\u202f]", " ", re.sub(r"<[^>]+>", " ", html))
    assert any(
        phrase in text
        for phrase in (
            "secret : moins de 3 centres",
            "secret : un centre pèse plus de 85 %",
            "secret : deux centres pèsent plus de 90 %",
            "secret : un centre pourrait en déduire",
            "secret : protège un autre chiffre secret",
            "secret : moins de 11 personnes",
        )
    ), re.findall(r"secret.{0,60}", text)[:5]
    # The narrow no-break space before the colon (French typography).
    assert "secret\u202f:" in html or "secret\u00a0:" in html
