"""The split of a real cost: exact to the cent for any shares and amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ensemble.posts import costing

amounts = st.integers(min_value=-10_000_000, max_value=100_000_000).map(
    lambda cents: Decimal(cents) / 100
)
host_shares = st.lists(
    st.fractions(min_value=0, max_value=1, max_denominator=10_000), min_size=0, max_size=8
).filter(lambda shares: sum(shares) <= 1)


@given(total=amounts, hosts=host_shares)
def test_reinvoiced_plus_remainder_is_the_real_cost_to_the_cent(total, hosts):
    shares = costing.carrier_and_hosts(hosts)
    amounts_ = costing.split_cost(total, shares)
    carrier, reinvoiced = amounts_[0], amounts_[1:]
    assert sum(reinvoiced, Decimal(0)) + carrier == total
    for amount, share in zip(amounts_, shares, strict=True):
        assert amount == amount.quantize(costing.CENT)
        # No margin: each line is within one cent of its exact share.
        assert abs(Fraction(amount) - Fraction(total) * share) < Fraction(1, 100)


@given(
    total=amounts,
    percents=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=5).filter(
        lambda p: sum(p) <= 100
    ),
    month=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 1)),
    starts=st.lists(st.integers(min_value=1, max_value=28), min_size=5, max_size=5),
)
def test_month_shares_from_periods_split_exactly(total, percents, month, starts):
    first, last = costing.month_bounds(month)
    hosts = [
        costing.month_share(
            [costing.Portion(Fraction(p, 100), first.replace(day=start), None)], month
        )
        for p, start in zip(percents, starts, strict=False)
    ]
    amounts_ = costing.split_cost(total, costing.carrier_and_hosts(hosts))
    assert sum(amounts_, Decimal(0)) == total


def test_largest_remainder_gives_the_spare_cents_to_the_largest_discarded_parts():
    thirds = [Fraction(1, 3)] * 3
    assert costing.split_cost(Decimal("100.00"), thirds) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert costing.split_cost(
        Decimal("3017.40"), [Fraction(2, 5), Fraction(3, 10)] * 1 + [Fraction(3, 10)]
    ) == [Decimal("1206.96"), Decimal("905.22"), Decimal("905.22")]


def test_shares_must_cover_the_whole_post_exactly():
    with pytest.raises(ValueError):
        costing.split_cost(Decimal("10.00"), [Fraction(1, 2)])
    with pytest.raises(ValueError):
        costing.carrier_and_hosts([Fraction(3, 4), Fraction(1, 2)])
    with pytest.raises(ValueError):
        costing.split_cost(Decimal("10.001"), [Fraction(1)])


def test_month_share_counts_the_days_a_period_covers():
    june = date(2026, 6, 1)
    half = costing.Portion(Fraction(1, 2), date(2026, 6, 16), None)
    assert costing.month_share([half], june) == Fraction(1, 2) * Fraction(15, 30)
    ended = costing.Portion(Fraction(1), date(2026, 1, 1), date(2026, 5, 31))
    assert costing.month_share([ended], june) == 0
