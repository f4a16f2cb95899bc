"""Statistical disclosure control, on generated networks shaped like the real ones
(one-centre départements, cities of two centres, a centre that agreed to be named,
an employer running two centres, several sectors, two years), attacked for every
reader role by an LP written apart from the engine (disclosure_oracle.py):

- the federation's analyst (and any reader of the published figures), who knows
  the named centres' figures;
- each centre's director or staff, who also know their own centre's figures;
- a person or an employer reading several centres together.

No hidden cell's residual, and no figure of a centre the reader does not know,
may be narrowed below its protection range (± 20 % or ± 5 people).
"""

from __future__ import annotations

import os
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ensemble.reporting.disclosure import engine
from ensemble.reporting.disclosure.certify import Certifier
from ensemble.reporting.disclosure.changes import Candidate, decide_changes
from ensemble.reporting.disclosure.model import (
    PARTS,
    TOTAL,
    Campaign,
    Measure,
    Place,
    build,
)
from ensemble.reporting.disclosure.protect import audit, sensitive_cells
from ensemble.reporting.disclosure.rules import Rules
from ensemble.reporting.publication import decide
from reporting.disclosure_oracle import attack

RULES = Rules()
# DISCLOSURE_EXAMPLES=500 for a deeper run than the suite's.
DEPTH = int(os.environ.get("DISCLOSURE_EXAMPLES", "1") or 1)
CHILDREN = Measure("pe.enfants", ("", "femmes", "hommes"), counts_people=True, integer=True)
BUDGET = Measure("fi.produits", ("",))
RATE = Measure("pe.participation_horaire", ("",))  # a mean: protected through its sum
MEASURES = [CHILDREN, BUDGET, RATE]


def _oracle_measures():
    return {m.code: (m.keys, m.counts_people, m.integer) for m in MEASURES}


@st.composite
def networks(draw, years=1):
    """Départements of 1–3 cities, cities of 1–3 centres (often two); figures from
    zero to realistic sizes; sometimes a centre agrees to be named, sometimes an
    employer runs two centres; in a second year some centres do not declare."""
    centres: dict[int, Place] = {}
    cid = 1
    for d in range(draw(st.integers(1, 3))):
        for city in range(draw(st.integers(1, 3))):
            for _ in range(draw(st.sampled_from([1, 2, 2, 3]))):
                centres[cid] = Place(f"{59 + d}", f"Ville {d}-{city}")
                cid += 1
    ids = sorted(centres)
    size = st.sampled_from([0, 1, 3, 8, 12, 25, 40, 80, 150, 400])
    campaigns = []
    named = frozenset(c for c in ids if draw(st.booleans()) and draw(st.booleans()) and c % 4 == 1)
    groups = []
    if len(ids) >= 4 and draw(st.booleans()):
        first = draw(st.sampled_from(ids))
        groups.append(frozenset({first, ids[(ids.index(first) + 1) % len(ids)]}))
    for year in range(2020, 2020 + years):
        values: dict[tuple[int, str, str], float] = {}
        declaring = [c for c in ids if year == 2020 or draw(st.integers(0, 9)) > 0]
        for c in declaring:
            total = draw(size)
            values[(c, "pe.enfants", "")] = total
            if draw(st.booleans()):
                women = draw(st.integers(0, total))
                values[(c, "pe.enfants", "femmes")] = women
                values[(c, "pe.enfants", "hommes")] = total - women
            values[(c, "fi.produits", "")] = float(draw(st.integers(0, 400_000))) + 0.5
            values[(c, "pe.participation_horaire", "")] = draw(
                st.sampled_from([0.0, 0.2, 0.39, 1.1])
            )
        campaigns.append(
            Campaign(
                1,
                year,
                {c: centres[c] for c in declaring},
                MEASURES,
                values,
                named=named & set(declaring),
                coalitions=[g for g in groups if g <= set(declaring)],
            )
        )
    return campaigns


def published_of(cells) -> dict:
    return {(code, k, d, c): v for code, k, d, c, v, _n, secret in cells.rows() if not secret}


def readers(campaign: Campaign):
    yield frozenset()  # the federation's analyst, and anyone reading the publication
    for c in campaign.centres:
        yield frozenset({c})  # the centre's director and staff
    yield from campaign.coalitions  # one employer, or one person, reading several centres


def knowledge(campaign: Campaign) -> list[set[int]]:
    return [set(campaign.named | reader) for reader in readers(campaign)]


def assert_no_reader_narrows(campaign: Campaign, cells, panels=()) -> None:
    places = {c: (p.departement, p.city) for c, p in campaign.centres.items()}
    published = published_of(cells)
    everyone = knowledge(campaign)
    for reader in readers(campaign):
        found = attack(
            places, campaign.values, _oracle_measures(), published,
            known=campaign.named | reader, panels=panels, readers=everyone,
        )  # fmt: skip
        assert not found, (sorted(reader), found[:3])


@settings(max_examples=40 * DEPTH, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_no_reader_narrows_a_hidden_cell_or_a_centres_figure(campaigns):
    campaign = campaigns[0]
    [decided], _stats = decide([campaign], RULES)
    assert not decided.refused
    # Every published cell passes the primary rules (the engine's own accounting).
    for code, key, dep, city, value, centres, secret in decided.cells.rows():
        if not secret:
            assert centres >= RULES.min_centres, (code, key, dep, city)
            if code == "pe.enfants":
                assert value == 0 or value >= RULES.threshold
    assert_no_reader_narrows(campaign, decided.cells)


# Known open leak (issue 16), found by this test on 4 December 2026: in a
# campaign where some centres give no breakdown, « total − femmes − hommes » is
# the sum of those centres' totals (7 : 0, 9 : 0, 11 : 1 → 1 person), published
# with the total and both parts, so the analyst pins centre 11 to 0–1. The engine
# models which centres gave the breakdown, but its shortcut proofs certify this
# remainder; the fix (the remainder as a cell of its own under the primary rules)
# is not made yet. Not strict: most generated networks do not have the shape.
@pytest.mark.xfail(strict=False, reason="known leak: a total minus its breakdowns, issue 16")
@settings(max_examples=25 * DEPTH, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(years=2))
def test_year_on_year_changes_reveal_nothing_either(campaigns):
    before, now = campaigns
    (d_before, d_now), _stats = decide([before, now], RULES)

    def rows(decided):
        return decided.cells.published_rows()

    candidates = [
        Candidate(m.code, now, before, now.values, before.values, m, rows(d_now), rows(d_before))
        for m in MEASURES
        if (m.code, TOTAL, "*", "*") in rows(d_now) & rows(d_before)
    ]
    changes = decide_changes(candidates, RULES)
    panels = []
    for i, change in changes.items():
        code = candidates[i].code
        panel = frozenset(c for c, k, key in now.values if k == code and key == "") & frozenset(
            c for c, k, key in before.values if k == code and key == ""
        )
        assert change.centres == len(panel)
        panels.append((code, panel))
    assert_no_reader_narrows(now, d_now.cells, panels)
    assert_no_reader_narrows(before, d_before.cells, panels)


@settings(max_examples=60 * DEPTH, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.randoms(use_true_random=False))
def test_a_certificate_never_claims_more_than_the_attacker_finds(campaigns, rnd):
    """Whatever is hidden: a cell the moves certify is wide for every reader's LP."""
    campaign = campaigns[0]
    arrays = build([campaign])
    hidden = np.array([[rnd.random() < 0.6] * 2 for _ in range(arrays.rows)])
    hidden[:, PARTS] |= np.array([rnd.random() < 0.3 for _ in range(arrays.rows)])
    cert = Certifier(arrays, RULES, sensitive_cells(arrays, RULES)).run(hidden)
    places = {c: (p.departement, p.city) for c, p in campaign.centres.items()}
    published = {}
    certified = set()
    for r in range(arrays.rows):
        measure = arrays.b_measure[arrays.r_block[r]]
        dep, city = arrays.place(r)
        for k, key in enumerate(measure.keys):
            if not arrays.c_present[r, k]:
                continue
            layer = TOTAL if k == 0 else PARTS
            if not hidden[r, layer]:
                published[(measure.code, key, dep, city)] = float(arrays.c_total[r, k])
            elif cert.target[r, k] and cert.certified[r, k]:
                certified.add((measure.code, key, dep, city))
    for reader in readers(campaign):
        found = attack(
            places, campaign.values, _oracle_measures(), published,
            known=campaign.named | reader, individuals=False, readers=knowledge(campaign),
        )  # fmt: skip
        wrongly = [f for f in found if f[1] in certified]
        assert not wrongly, (sorted(reader), wrongly)
    # And the engine's own LP agrees with its certificates.
    report = audit(arrays, RULES, hidden, exhaustive=True)
    for failure in report.failures:
        assert not cert.certified[failure["row"], failure["key"]], failure


# --- The rules themselves -------------------------------------------------------------


def _one_cell(values, named=(), people=True, rules=RULES):
    measure = Measure("x", ("",), counts_people=people, integer=people)
    centres = {i + 1: Place("59", f"V{i}") for i in range(len(values))}
    campaign = Campaign(
        1, 2021, centres, [measure], {(i + 1, "x", ""): v for i, v in enumerate(values)},
        named=frozenset(named),
    )  # fmt: skip
    arrays = build([campaign])
    return bool(sensitive_cells(arrays, rules)[0, 0])  # the network cell


def test_primary_rules_with_their_defaults():
    assert _one_cell([40, 50, 60]) is False
    assert _one_cell([40, 50]) is True  # fewer than 3 centres
    assert _one_cell([3, 3, 4]) is True  # 10 people: below 11
    assert _one_cell([0, 0, 0]) is False  # nobody: not a small group
    assert _one_cell([900, 50, 50], people=False) is True  # one centre above 85 %
    assert _one_cell([460, 460, 80], people=False) is True  # the two largest above 90 %
    assert _one_cell([400, 300, 300], people=False) is False


def test_readers_who_know_part_of_a_cell():
    # Three centres, one named: the analyst is left with two unknown, and either
    # centre (knowing itself) with the other one exactly.
    assert _one_cell([40, 50, 60]) is False
    assert _one_cell([40, 50, 60], named=[1]) is True
    # Four centres, one named: a centre reading it keeps two unknown ones; the smaller
    # must weigh at least 20 % of the larger (or 5 people).
    assert _one_cell([40, 50, 60, 70], named=[1]) is False
    assert _one_cell([40, 100, 15, 120], named=[1]) is True


def test_the_rules_are_configurable():
    strict = Rules(min_centres=5, threshold=20, protection_share=0.5)
    assert _one_cell([40, 50, 60]) is False
    assert _one_cell([40, 50, 60], rules=strict) is True
    assert _one_cell([6, 7, 8]) is False  # 21 people; 6 left beside the two largest
    assert _one_cell([4, 5, 6]) is True  # 15 people, but 4 beside the two largest (< 5)
    assert _one_cell([6, 7, 8, 9, 10]) is False
    assert _one_cell([6, 7, 8, 9, 10], rules=Rules(threshold=41)) is True
    loose = Rules(
        dominance_one=0.95, dominance_two=0.99, protection_share=0.01, protection_people=0
    )
    assert _one_cell([900, 50, 50], people=False) is True
    assert _one_cell([900, 50, 50], people=False, rules=loose) is False


def test_rules_read_the_configuration():
    rules = Rules.from_config(
        {
            "REPORTING_SUPPRESSION_THRESHOLD": 15,
            "REPORTING_DOMINANCE": "0.8",
            "REPORTING_MIN_CENTRES": 4,
            "REPORTING_PROTECTION_SHARE": "0.25",
            "REPORTING_PROTECTION_PEOPLE": 7,
        }
    )
    assert (rules.threshold, rules.min_centres) == (15, 4)
    assert rules.dominance_one == pytest.approx(0.8)
    assert float(rules.protection(100, True)) == pytest.approx(25)
    assert float(rules.protection(10, True)) == pytest.approx(7)
    assert float(rules.protection(0, True)) == 0
    assert rules.fingerprint() != Rules().fingerprint()


def test_decisions_are_cut_in_independent_parts_that_give_the_same_answer():
    """Chunks and breakdown widths are independent blocks: cutting finer changes nothing."""
    rnd = np.random.default_rng(3)
    campaigns = []
    for f in range(6):
        centres = {f * 100 + i: Place(f"{59 + i % 2}", f"V{i % 4}") for i in range(9)}
        values = {}
        for c in centres:
            t = int(rnd.integers(0, 300))
            values[(c, "pe.enfants", "")] = t
            values[(c, "pe.enfants", "femmes")] = t // 2
            values[(c, "pe.enfants", "hommes")] = t - t // 2
            values[(c, "fi.produits", "")] = float(rnd.integers(0, 10**6))
        campaigns.append(Campaign(f, 2021, centres, [CHILDREN, BUDGET], values))
    whole = engine.decide(campaigns, rules=RULES)
    cut = engine.decide(campaigns, rules=RULES, chunk_values=20)
    assert len(cut.parts) > len(whole.parts)

    def secrets(decision):
        out = set()
        for part in decision.parts:
            a = part.arrays
            for r in range(a.rows):
                if part.outcome.hidden[r, TOTAL]:
                    out.add((part.campaigns[a.b_campaign[a.r_block[r]]],
                             a.b_measure[a.r_block[r]].code, a.place(r)))  # fmt: skip
        return out

    assert secrets(whole) == secrets(cut)
    assert whole.audit.ok and cut.audit.ok


def test_a_mean_is_protected_through_its_sum():
    """Found: a one-centre département's hidden mean was recovered from the network's
    mean × its number of centres. The mean is a sum divided by a published count:
    it is protected as the sum."""
    centres = {1: Place("62", "Arras")} | {i: Place("59", f"V{i % 3}") for i in range(2, 9)}
    values = {(c, "pe.participation_horaire", ""): 0.3 + c / 100 for c in centres}
    values[(1, "pe.participation_horaire", "")] = 0.80
    campaign = Campaign(1, 2021, centres, [RATE], values)
    [decided], _ = decide([campaign], RULES)
    cells = {(d, c): secret for _code, _k, d, c, _v, _n, secret in decided.cells.rows()}
    assert cells[("62", "*")] is True  # one centre
    # Published: the network; so the département 59 must be secret too, or 62 follows.
    assert cells[("*", "*")] is False and cells[("59", "*")] is True
    assert_no_reader_narrows(campaign, decided.cells)
    shown = {Decimal(str(v)) for *_r, v, _n, s in decided.cells.rows() if not s}
    assert Decimal("0.80") not in shown
