"""The attacks found on the first pass, each replayed on what a real run published
(consolidation and publication by the workers' code, in a database of its own),
then the attacker (disclosure_oracle) run for every reader on every release:

- a mean × the number of centres is a sum: a one-centre département's hidden mean;
- a centre that agreed to be named, subtracted from its city's total;
- a director reading the network total beside their own figures;
- two successive releases of one campaign, differenced.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ensemble.reporting import consolidation
from reporting.consolidation_support import execute, make_clone, scalar
from reporting.scenario import Scenario, figures

pytestmark = pytest.mark.no_db_rollback
YEAR = 2023


@pytest.fixture(scope="module")
def clone(servers, template_database):
    clone = make_clone(servers, "reporting_attacks")
    yield clone
    clone.dispose()


def _interval_width_ok(found) -> None:
    assert found == [], found[:5]


def test_a_one_centre_departements_mean_stays_secret(clone):
    """Found: a one-centre département's hidden mean recovered to 80,04 (true 80) as the
    network mean × its centres minus the other département's. The mean is protected
    through its sum (a mean shown is that sum over a published number of centres)."""
    places = [("62", "Arras")] + [("59", f"Ville {i % 3}") for i in range(7)]
    rate = [80.0, 10.0, 12.0, 11.0, 14.0, 9.0, 13.0, 10.5]
    s = Scenario(clone, places)
    s.declare(YEAR, figures({"pe.participation_horaire": rate, "pe.enfants": [40] * 8}))
    s.close(YEAR)
    outcome = s.run()
    assert [r.status for r in outcome.publications] == ["published"]
    cells = s.published(YEAR)
    assert cells[("pe.participation_horaire", "", "62", "*")] is None  # secret
    network = cells[("pe.participation_horaire", "", "*", "*")]
    assert network is not None  # the network is still published…
    assert cells[("pe.participation_horaire", "", "59", "*")] is None  # …so 59 cannot be
    _interval_width_ok(s.attack(YEAR))


def test_a_named_centre_does_not_reveal_its_city_neighbour(clone):
    """Found: a consenting centre subtracted from its city's total revealed the only
    other centre exactly, on every indicator."""
    places = [("59", "Roubaix"), ("59", "Roubaix")] + [("59", f"Lille {i}") for i in range(4)]
    s = Scenario(clone, places)
    s.declare(
        YEAR,
        figures(
            {
                "pe.enfants": [155, 124, 60, 70, 80, 90],
                "fi.produits": [9e5, 7e5, 3e5, 4e5, 5e5, 6e5],
            }
        ),
        consent=(0,),
    )
    s.close(YEAR)
    s.run()
    cells = s.published(YEAR)
    for code in ("pe.enfants", "fi.produits"):
        assert cells[(code, "", "59", "Roubaix")] is None, code
    # The analyst knows centre 0 (named); nobody may narrow centre 1, nor any secret.
    _interval_width_ok(s.attack(YEAR))
    assert s.releases(YEAR)[-1][1] == [s.centres[0]]


def test_a_director_cannot_read_the_other_centre_beside_their_own(clone):
    """Found: with two centres declared, a director reading the network total and the
    number of centres beside their own figures got the other centre's exact figures."""
    two = Scenario(clone, [("59", "Roubaix"), ("59", "Tourcoing")])
    two.declare(YEAR, figures({"pe.enfants": [155, 90], "isp.rsa": [260, 120]}))
    two.close(YEAR)
    two.run()
    cells = two.published(YEAR)
    assert all(value is None for value in cells.values()), cells  # fewer than 3 centres
    _interval_width_ok(two.attack(YEAR))
    # Three centres: a director knowing their own is left with two others; the smaller
    # must weigh enough beside the larger, else the network is secret too.
    uneven = Scenario(clone, [("59", "Roubaix"), ("59", "Roubaix"), ("59", "Roubaix")])
    uneven.declare(YEAR, figures({"pe.enfants": [155, 150, 12]}))
    uneven.close(YEAR)
    uneven.run()
    assert uneven.published(YEAR)[("pe.enfants", "", "*", "*")] is None
    _interval_width_ok(uneven.attack(YEAR))


def test_successive_releases_never_differ_by_a_centre(clone):
    """Found: after each new validation, the difference between releases revealed the
    new centre. Decision: a campaign is published only when closed, and closing it
    freezes its centres: a later validation of that year is refused (operations and
    a database trigger), so no later release differs from an earlier one by a centre."""
    s = Scenario(clone, [("59", f"Ville {i % 2}") for i in range(5)])
    s.declare(YEAR, figures({"pe.enfants": [40, 50, 60, 70, None]}))
    s.run()
    assert s.published(YEAR) == {}  # open campaign: nothing is published
    s.close(YEAR)
    s.run()
    first = s.published(YEAR)
    assert first[("pe.enfants", "", "*", "*")] == 220
    # A fifth centre's declaration arrives after the closure: the database refuses to
    # validate it (the workers' role included: the trigger is the last word).
    with clone.admin.begin() as conn:
        declaration = conn.execute(
            text(
                "INSERT INTO reporting_declarations (centre_id, federation_id, year, status,"
                " share_centre_figures) VALUES (:c, :f, :y, 'draft', false) RETURNING id"
            ),
            {"c": s.centres[4], "f": s.federation_id, "y": YEAR},
        ).scalar()
    with pytest.raises(Exception, match="closed"), clone.admin.begin() as conn:
        conn.execute(
            text("UPDATE reporting_declarations SET status = 'validated' WHERE id = :d"),
            {"d": declaration},
        )
    s.run(full=True)
    assert s.published(YEAR) == first
    assert [n for n, _ in s.releases(YEAR)] == [1]


def test_a_second_release_is_audited_with_the_first(clone):
    """What readers know can grow after a release (a centre agrees to be named): the
    next release is audited together with everything published before. When the
    first release and the new names would single out a centre, the agreements wait:
    the release is decided again without them and published (never refused, the run
    never fails), the centres are not named."""
    s = Scenario(clone, [("59", "Roubaix")] * 3 + [("59", "Lille")] * 3)
    s.declare(YEAR, figures({"pe.enfants": [50, 60, 70, 55, 65, 75]}))
    s.close(YEAR)
    s.run()
    first = s.published(YEAR)
    assert first[("pe.enfants", "", "59", "Roubaix")] == 180  # three centres, even sizes
    # Two Roubaix centres agree to be named: with the published Roubaix total, the
    # third would follow exactly (and naming either alone leaves two centres who
    # would each read the other's figure).
    s.consent(YEAR, 0)
    s.consent(YEAR, 1)
    for full in (False, True):
        outcome = s.run(full=full)
        run = scalar(
            clone.admin,
            "SELECT status || ' ' || error FROM reporting_runs WHERE id = :i",
            i=outcome.run_id,
        )
        assert run == "done ", run
    results = [r for r in outcome.publications] or [None]
    assert all(r is None or r.status == "published" for r in results)
    numbers = [n for n, _ in s.releases(YEAR)]
    assert numbers[0] == 1 and len(numbers) >= 2
    assert s.releases(YEAR)[-1][1] == []  # nobody named: the agreements wait
    assert s.published(YEAR) == first
    notice = scalar(
        clone.admin,
        "SELECT refused_reason FROM reporting_campaigns WHERE federation_id = :f AND year = :y",
        f=s.federation_id,
        y=YEAR,
    )
    assert notice == ""
    # Tried once: the same inputs are not tried again every minute.
    assert s.federation_id not in consolidation.stale_federations(clone.reporting)
    _interval_width_ok(s.attack(YEAR))
    # One of them withdraws: one named centre would leave two unknown in Roubaix;
    # nothing can be narrowed by anyone, across every release.
    s.consent(YEAR, 1, share=False)
    outcome = s.run()
    assert all(r.status == "published" for r in outcome.publications)
    assert s.releases(YEAR)[-1][1] == []
    _interval_width_ok(s.attack(YEAR))


def test_a_refusal_notice_goes_once_the_inputs_are_those_of_the_release_again(clone):
    """Found: the run page kept « Publication … refusée » after what caused it was
    undone. The notice goes as soon as the release in line matches the inputs."""
    s = Scenario(clone, [("59", "Roubaix")] * 3 + [("59", "Lille")] * 3)
    s.declare(YEAR, figures({"pe.enfants": [50, 60, 70, 55, 65, 75]}))
    s.close(YEAR)
    s.run()
    # A refusal recorded for other inputs (as a change of the rules would leave it).
    execute(
        clone.admin,
        "UPDATE reporting_campaigns SET refused_fingerprint = 'other', refused_reason = 'x',"
        " refused_at = now() WHERE federation_id = :f AND year = :y",
        f=s.federation_id,
        y=YEAR,
    )
    s.consent(YEAR, 0)
    s.consent(YEAR, 0, share=False)
    s.run()
    notice = scalar(
        clone.admin,
        "SELECT refused_reason FROM reporting_campaigns WHERE federation_id = :f AND year = :y",
        f=s.federation_id,
        y=YEAR,
    )
    assert notice == ""


def test_a_later_release_that_holds_is_published_and_audited_across_releases(clone):
    s = Scenario(clone, [("59", "Roubaix")] * 4 + [("59", "Lille")] * 4)
    s.declare(YEAR, figures({"pe.enfants": [50, 60, 70, 80, 55, 65, 75, 85]}))
    s.close(YEAR)
    s.run()
    s.consent(YEAR, 0)
    outcome = s.run()
    assert [r.status for r in outcome.publications] == ["published"]
    assert [n for n, _ in s.releases(YEAR)] == [1, 2]
    assert s.releases(YEAR)[-1][1] == [s.centres[0]]
    _interval_width_ok(s.attack(YEAR))
    execute(clone.admin, "SELECT 1")


def test_yes_or_no_answers_are_never_published_unanimous(clone):
    """Found: « 6/6 » told everyone that every centre answered yes, and « 83 % of 6 »
    told the director who said no that the five others said yes. Replayed on a real
    run, read back; the attacker bounds each answer by the catalogue's maximum 1."""
    s = Scenario(clone, [("59", f"Ville {i % 2}") for i in range(6)])
    s.declare(
        YEAR,
        figures({
            "ac.numerique": [1, 1, 1, 1, 1, 1],  # all « oui »
            "ac.seniors": [0, 1, 1, 1, 1, 1],  # the first director's « non »
            "ac.scolarite": [1, 1, 1, 0, 0, 0],  # half: nobody is left with one answer
        }),
    )  # fmt: skip
    s.close(YEAR)
    outcome = s.run()
    assert [r.status for r in outcome.publications] == ["published"]
    cells = s.published(YEAR)
    assert cells[("ac.numerique", "", "*", "*")] is None
    assert cells[("ac.seniors", "", "*", "*")] is None
    assert cells[("ac.scolarite", "", "*", "*")] == 3
    _interval_width_ok(s.attack(YEAR))
