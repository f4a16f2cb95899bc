"""Yes-or-no questions (« le centre mène-t-il … », 1 = oui, 0 = non) counted as a
number of centres and read as a share of centres: what the red team found, and the
auditor on generated networks where each centre's answer is bounded by 1.

- « 6/6 » (or « 100 % de 6 ») told the federation that every centre answered yes;
- the director who knows their own « non » and reads « 83 % de 6 » learnt that
  the five others said yes;
- the auditor bounded a hidden count only by 0 below, so a count pinned by the
  answers' maximum went unnoticed.
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ensemble.reporting.disclosure import lp
from ensemble.reporting.disclosure.model import Campaign, Measure, Place, build
from ensemble.reporting.disclosure.protect import sensitive_cells
from ensemble.reporting.disclosure.rules import Rules
from ensemble.reporting.publication import decide
from reporting.disclosure_oracle import attack

RULES = Rules()
DEPTH = int(os.environ.get("DISCLOSURE_EXAMPLES", "1") or 1)
ACTION = Measure("ac.numerique", ("",), integer=True, upper=1)
CHILDREN = Measure("pe.enfants", ("", "femmes", "hommes"), counts_people=True, integer=True)
MEASURES = [ACTION, CHILDREN]
ORACLE = {m.code: (m.keys, m.counts_people, m.integer, m.upper) for m in MEASURES}


def _campaign(answers: dict[int, int], places=None, named=frozenset()) -> Campaign:
    places = places or {c: Place("59", f"Ville {c}") for c in answers}
    values = {(c, ACTION.code, ""): float(v) for c, v in answers.items()}
    return Campaign(1, 2024, places, [ACTION], values, named=frozenset(named))


def _network(decided) -> tuple[float | None, int, bool]:
    for code, _key, dep, city, value, centres, secret in decided.cells.rows():
        if code == ACTION.code and dep == "*" and city == "*":
            return value, centres, secret
    raise AssertionError("no network cell")


def test_six_centres_that_all_said_yes_are_not_published_as_six_out_of_six():
    campaign = _campaign({c: 1 for c in range(1, 7)})
    [decided], _stats = decide([campaign], RULES)
    assert not decided.refused
    _value, centres, secret = _network(decided)
    # The number of centres stays published (it says who answered), the count of
    # « oui » (and so the share « 100 % ») does not.
    assert centres == 6 and secret


def test_a_director_who_said_no_cannot_read_that_the_five_others_said_yes():
    campaign = _campaign({1: 0, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1})
    arrays = build([campaign])
    bad = sensitive_cells(arrays, RULES)
    network = int(np.flatnonzero(arrays.r_level == 0)[0])
    # For the federation, 5 of 6 is not unanimous; for centre 1's director it is.
    assert bad[network, 0]
    [decided], _stats = decide([campaign], RULES)
    assert _network(decided)[2]


def test_all_no_is_an_answer_too():
    [decided], _stats = decide([_campaign({c: 0 for c in range(1, 7)})], RULES)
    assert _network(decided)[2]


def test_a_mixed_network_publishes_its_share():
    # 3 « oui » of 6: no reader (the federation, or one director) is left unanimous.
    [decided], _stats = decide([_campaign({1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0})], RULES)
    value, centres, secret = _network(decided)
    assert not secret and value == 3 and centres == 6


def test_the_auditor_bounds_each_answer_by_one():
    """Hide the network's count of 3 « oui » of 3 while publishing nothing else: with
    the answers bounded by 1 the count is pinned, which the LP must see (without the
    bound it saw [0, ∞))."""
    campaign = _campaign({1: 1, 2: 1, 3: 1}, {c: Place("59", "Lille") for c in (1, 2, 3)})
    arrays = build([campaign])
    hidden = np.ones((arrays.rows, 2), dtype=bool)
    network = int(np.flatnonzero(arrays.r_level == 0)[0])
    hidden[network] = False  # the network count published: 3
    city = int(np.flatnonzero(arrays.r_level == 2)[0])
    failures = lp.audit_targets(arrays, hidden & ~arrays.forced, [(city, 0)], RULES.protection)
    assert failures and failures[0]["reader"] == "public"
    assert failures[0]["interval"].low == failures[0]["interval"].high == 3
    # Two « oui » among the four centres of two cities, only the totals above
    # published: no reader can pin how many of them are in Lille.
    places = {1: Place("59", "Lille"), 2: Place("59", "Lille"), 3: Place("59", "Roubaix"),
              4: Place("59", "Roubaix")}  # fmt: skip
    arrays = build([_campaign({1: 1, 2: 0, 3: 1, 4: 0}, places)])
    hidden = np.ones((arrays.rows, 2), dtype=bool)
    hidden[arrays.r_level < 2] = False
    lille = [r for r in np.flatnonzero(arrays.r_level == 2) if arrays.place(r)[1] == "Lille"]
    assert not lp.audit_targets(arrays, hidden & ~arrays.forced, [(lille[0], 0)], RULES.protection)


@st.composite
def networks(draw):
    """Départements of 1–3 cities, cities of 1–3 centres; the yes-or-no question
    answered by all, none or some (sometimes all but one); a count of people beside
    it; sometimes a named centre, sometimes an employer running two centres."""
    centres: dict[int, Place] = {}
    cid = 1
    for d in range(draw(st.integers(1, 3))):
        for city in range(draw(st.integers(1, 3))):
            for _ in range(draw(st.sampled_from([1, 2, 2, 3]))):
                centres[cid] = Place(f"{59 + d}", f"Ville {d}-{city}")
                cid += 1
    ids = sorted(centres)
    mode = draw(st.sampled_from(["yes", "no", "mixed", "all_but_one"]))
    odd = draw(st.sampled_from(ids))
    values: dict[tuple[int, str, str], float] = {}
    for c in ids:
        if mode == "yes":
            answer = 1
        elif mode == "no":
            answer = 0
        elif mode == "all_but_one":
            answer = 0 if c == odd else 1
        else:
            answer = draw(st.integers(0, 1))
        values[(c, ACTION.code, "")] = float(answer)
        values[(c, CHILDREN.code, "")] = float(draw(st.sampled_from([0, 3, 12, 40, 150])))
    named = frozenset(c for c in ids if c % 4 == 1 and draw(st.booleans()))
    groups = []
    if len(ids) >= 4 and draw(st.booleans()):
        first = draw(st.sampled_from(ids))
        groups.append(frozenset({first, ids[(ids.index(first) + 1) % len(ids)]}))
    return Campaign(1, 2024, centres, MEASURES, values, named=named, coalitions=groups)


def _readers(campaign: Campaign):
    yield "federation", frozenset()
    for c in campaign.centres:
        yield "director", frozenset({c})
    for g in campaign.coalitions:
        yield "employer", g


@settings(max_examples=40 * DEPTH, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_no_reader_learns_how_the_unknown_centres_answered(campaign):
    [decided], _stats = decide([campaign], RULES)
    assert not decided.refused
    places = {c: (p.departement, p.city) for c, p in campaign.centres.items()}
    published = {
        (code, k, d, c): v for code, k, d, c, v, _n, secret in decided.cells.rows() if not secret
    }
    everyone = [set(campaign.named | known) for _kind, known in _readers(campaign)]
    for kind, known in _readers(campaign):
        reader = set(campaign.named | known)
        # No published count of « oui » is unanimous over what this reader does not know.
        for (code, _key, dep, city), value in published.items():
            if code != ACTION.code:
                continue
            inside = [
                c for c, (d, t) in places.items()
                if (dep == "*" or d == dep) and (city == "*" or t == city)
            ]  # fmt: skip
            unknown = [c for c in inside if c not in reader]
            if not unknown:
                continue
            yes = sum(campaign.values[(c, code, "")] for c in unknown)
            assert 0 < yes < len(unknown), (kind, sorted(known), code, dep, city, value)
            assert len(inside) >= RULES.min_centres
        # And no hidden count nor any centre's answer is pinned by the LP attacker.
        found = attack(places, campaign.values, ORACLE, published, known=reader, readers=everyone)
        assert not found, (kind, sorted(known), found[:3])


def test_the_catalogue_maximum_reaches_the_engine(db_session, as_user):
    """ac.* questions are read with their maximum 1 (what the LP bounds them by)."""
    from ensemble.reporting.publication import data
    from reporting.support import ALMA_DIRECTOR

    with as_user(ALMA_DIRECTOR):
        years = data.catalogue(db_session.connection())
    measures = {m.code: m for m in years[2024]}
    assert measures["ac.numerique"].binary and measures["ac.numerique"].upper == 1
    assert measures["ct.qpv"].binary
    people = measures["ct.personnes"]
    assert people.upper == 200000 and not people.binary


@settings(max_examples=40 * DEPTH, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.randoms(use_true_random=False))
def test_a_certificate_under_a_maximum_never_claims_more_than_the_attacker_finds(campaign, rnd):
    """Whatever is hidden: a yes-or-no cell (or a count bounded by its maximum) that
    the capped moves certify is wide for every reader's LP, which bounds each answer."""
    from ensemble.reporting.disclosure.certify import Certifier
    from ensemble.reporting.disclosure.model import PARTS, TOTAL

    arrays = build([campaign])
    hidden = np.array([[rnd.random() < 0.6] * 2 for _ in range(arrays.rows)])
    hidden[:, PARTS] |= np.array([rnd.random() < 0.3 for _ in range(arrays.rows)])
    cert = Certifier(arrays, RULES, sensitive_cells(arrays, RULES)).run(hidden)
    places = {c: (p.departement, p.city) for c, p in campaign.centres.items()}
    published, certified = {}, set()
    for r in range(arrays.rows):
        measure = arrays.b_measure[arrays.r_block[r]]
        dep, city = arrays.place(r)
        for k, key in enumerate(measure.keys):
            if not arrays.c_present[r, k]:
                continue
            if not hidden[r, TOTAL if k == 0 else PARTS]:
                published[(measure.code, key, dep, city)] = float(arrays.c_total[r, k])
            elif cert.target[r, k] and cert.certified[r, k]:
                certified.add((measure.code, key, dep, city))
    everyone = [set(campaign.named | known) for _kind, known in _readers(campaign)]
    for kind, known in _readers(campaign):
        found = attack(
            places, campaign.values, ORACLE, published,
            known=campaign.named | known, individuals=False, readers=everyone,
        )  # fmt: skip
        wrongly = [f for f in found if f[1] in certified]
        assert not wrongly, (kind, sorted(known), wrongly)
