"""Budget consolidation, property-based: the consolidated totals are exactly the
sums of the parties' lines, subtotals add up, and any imbalance blocks submission."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ensemble.aap.budget import (
    ACCOUNT_CLASSES,
    CHARGE,
    INCOME,
    BudgetLineData,
    account_kind,
    consolidate,
)

CLASSES = sorted(ACCOUNT_CLASSES)
amounts = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("999999.99"), places=2, allow_nan=False
)
lines = st.lists(
    st.builds(
        BudgetLineData,
        party_id=st.integers(min_value=1, max_value=5),
        account=st.builds(
            lambda cls, suffix: cls + suffix,
            st.sampled_from(CLASSES),
            st.text("0123456789", max_size=3),
        ),
        label=st.just("ligne"),
        funder=st.sampled_from(["CAF", "Département du Nord", "CARSAT", "Région"]),
        amount=amounts,
    ),
    max_size=40,
)


@given(lines)
@settings(max_examples=200, deadline=None)
def test_consolidation_equals_the_sum_of_the_parties_lines(data):
    budget = consolidate(data)
    charges = sum((x.amount for x in data if account_kind(x.account) == CHARGE), Decimal(0))
    income = sum((x.amount for x in data if account_kind(x.account) == INCOME), Decimal(0))
    assert budget.total_charges == charges and budget.total_income == income
    for party_id, totals in budget.parties.items():
        mine = [x for x in data if x.party_id == party_id]
        assert totals.charges == sum(
            (x.amount for x in mine if account_kind(x.account) == CHARGE), Decimal(0)
        )
        assert totals.income == sum(
            (x.amount for x in mine if account_kind(x.account) == INCOME), Decimal(0)
        )
    assert sum((t.charges for t in budget.parties.values()), Decimal(0)) == charges
    assert sum((t.income for t in budget.parties.values()), Decimal(0)) == income
    assert sum((c.total for c in budget.classes), Decimal(0)) == charges + income
    for cls in budget.classes:
        assert sum(cls.by_party.values(), Decimal(0)) == cls.total
    subsidies = sum((x.amount for x in data if x.account.startswith("74")), Decimal(0))
    assert sum((c.amount for c in budget.cofinancing), Decimal(0)) == subsidies
    assert budget.balanced == (charges == income)
    assert budget.difference == income - charges


@given(lines, amounts.filter(lambda a: a > 0))
@settings(max_examples=100, deadline=None)
def test_one_cent_or_more_of_imbalance_is_never_balanced(data, extra):
    balanced = consolidate(data)
    # Make it balanced, then tip it by `extra`.
    gap = balanced.total_income - balanced.total_charges
    fixed = [*data]
    if gap > 0:
        fixed.append(BudgetLineData(1, "60", "équilibre", "", gap))
    elif gap < 0:
        fixed.append(BudgetLineData(1, "70", "équilibre", "", -gap))
    assert consolidate(fixed).balanced
    tipped = consolidate([*fixed, BudgetLineData(2, "61", "écart", "", extra)])
    assert not tipped.balanced and tipped.difference == -extra


def test_accounts_outside_the_cerfa_budget_are_refused():
    assert account_kind("641") == CHARGE and account_kind("86") == CHARGE
    assert account_kind("7411") == INCOME and account_kind("87") == INCOME
    for account in ("512", "69", "76", "88", "6", "", "64a", "6412345"):
        assert account_kind(account) is None, account


def test_cofinancing_shares_exclude_voluntary_contributions():
    budget = consolidate(
        [
            BudgetLineData(1, "74", "s", "CAF", Decimal("750.00")),
            BudgetLineData(2, "74", "s", "Département", Decimal("250.00")),
            BudgetLineData(2, "87", "bénévolat", "", Decimal("500.00")),
        ]
    )
    assert [(c.funder, c.share) for c in budget.cofinancing] == [
        ("CAF", Decimal("75.0")),
        ("Département", Decimal("25.0")),
    ]
