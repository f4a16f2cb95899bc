"""Property tests of the financial report's figures (ensemble.aap.financial): over
generated budgets, real amounts and volunteers' hours, every total is the exact sum
of the lines it totals, each planned line appears once with its planned amount,
and the volunteers' valuation is the same in 86 and in 87."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ensemble.aap import financial
from ensemble.aap.budget import ACCOUNT_CLASSES, CHARGE

CLASSES = sorted(c for c in ACCOUNT_CLASSES if c not in ("86", "87"))
cents = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2, allow_nan=False)
parties = st.integers(min_value=1, max_value=4)
accounts = st.builds(
    lambda c, tail: c + tail,
    st.sampled_from([*CLASSES, "86", "87"]),
    st.sampled_from(["", "1", "21"]),
)


@st.composite
def reports(draw):
    planned = [
        financial.PlannedLine(i, draw(parties), draw(accounts), f"ligne {i}", draw(cents))
        for i in range(draw(st.integers(min_value=0, max_value=12)))
    ]
    entries = []
    for n, line in enumerate(planned):
        if draw(st.booleans()):
            entries.append(
                financial.RealEntry(
                    n,
                    line.party_id,
                    line.line_id,
                    line.account,
                    line.label,
                    draw(cents),
                    draw(st.sampled_from(["", "expliqué"])),
                )
            )
    for n in range(draw(st.integers(min_value=0, max_value=4))):
        entries.append(
            financial.RealEntry(
                100 + n,
                draw(parties),
                None,
                draw(st.sampled_from(CLASSES)),
                "non prévu",
                draw(cents),
            )
        )
    parts = [
        financial.PartFigures(
            party,
            draw(st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False)),
            draw(st.sampled_from(["", "621", "641"])),
            "Poste",
            draw(cents),
        )
        for party in sorted(set(draw(st.lists(parties, max_size=4))))
    ]
    rate = draw(st.decimals(min_value=0, max_value=50, places=2, allow_nan=False))
    threshold = draw(st.decimals(min_value=1, max_value=100, places=0, allow_nan=False))
    return planned, entries, parts, rate, threshold


@settings(max_examples=300, deadline=None)
@given(reports())
def test_totals_are_the_sums_of_their_lines(generated):
    planned, entries, parts, rate, threshold = generated
    report = financial.assemble(planned, entries, parts, hourly_rate=rate, threshold=threshold)

    def total(lines, kind, attr):
        return sum((getattr(x, attr) for x in lines if x.kind == kind), Decimal(0))

    for kind, planned_attr, real_attr in (
        (CHARGE, "charges_planned", "charges_real"),
        ("income", "income_planned", "income_real"),
    ):
        assert getattr(report.totals, planned_attr) == total(report.lines, kind, "planned")
        assert getattr(report.totals, real_attr) == total(report.lines, kind, "real")
        for party_id, totals in report.by_party.items():
            own = report.lines_of(party_id)
            assert getattr(totals, planned_attr) == total(own, kind, "planned")
            assert getattr(totals, real_attr) == total(own, kind, "real")
        assert getattr(report.totals, real_attr) == sum(
            (getattr(t, real_attr) for t in report.by_party.values()), Decimal(0)
        )
    # Every planned line once, with its planned amount; the plan's total unchanged.
    assert sorted(x.budget_line_id for x in report.lines if x.budget_line_id is not None) == [
        p.line_id for p in planned
    ]
    assert report.totals.charges_planned + report.totals.income_planned == sum(
        (p.amount for p in planned), Decimal(0)
    )
    # Volunteers: valued once, in 86 and in 87 alike, party by party.
    for party_id in report.by_party:
        own = report.lines_of(party_id)
        in_86 = sum(
            (x.real for x in own if x.origin == financial.VOLUNTEERS and x.account[:2] == "86"),
            Decimal(0),
        )
        in_87 = sum(
            (x.real for x in own if x.origin == financial.VOLUNTEERS and x.account[:2] == "87"),
            Decimal(0),
        )
        assert in_86 == in_87
        part = next((p for p in parts if p.party_id == party_id), None)
        hours = part.volunteer_hours if part else Decimal(0)
        assert in_86 == financial.volunteer_value(hours, rate)
    # Every amount to the cent.
    assert all(x.real == x.real.quantize(Decimal("0.01")) for x in report.lines)


def test_a_gap_beyond_the_threshold_is_one_to_explain():
    line = financial.ReportLine(1, "606", "Fournitures", Decimal("100"), Decimal("116"), "budget")
    assert line.beyond(Decimal("15")) and not line.beyond(Decimal("16"))
    assert line.gap_percent == Decimal("16.0")
    assert not financial.ReportLine(1, "606", "x", Decimal("100"), Decimal("85"), "budget").beyond(
        Decimal("15")
    )
    assert financial.ReportLine(1, "606", "x", Decimal("0"), Decimal("1"), "entered").beyond(
        Decimal("15")
    )
