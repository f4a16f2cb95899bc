"""Splitting a real cost between parties, to the cent, with no margin.

Pure functions (no database): the statement operations and the property tests
both use them. Shares are exact fractions; only the final amounts are rounded,
once, by the largest-remainder method on cents, so the lines always add up to
the real cost exactly.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

CENT = Decimal("0.01")

ROUNDING_RULE = (
    "Arrondi au centime par la méthode du plus fort reste : chaque montant exact est "
    "d’abord arrondi au centime inférieur, puis les centimes restants sont attribués un "
    "à un aux lignes dont la partie écartée est la plus grande (à égalité, dans l’ordre "
    "des lignes). La somme des lignes est ainsi exactement égale au coût réel, sans marge."
)
BASIS = (
    "Répartition au prorata des parts convenues (pourcentage du temps, ou heures "
    "hebdomadaires rapportées à la durée du travail du poste), pour les jours du mois "
    "couverts par chaque période ; le reste du temps est à la charge de l’employeur "
    "porteur."
)


@dataclass(frozen=True)
class Portion:
    """A period of a share, as a fraction of full time."""

    fraction: Fraction
    starts_on: date
    ends_on: date | None


def month_bounds(month: date) -> tuple[date, date]:
    """First and last day of the month of `month`."""
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=last)


def next_month(month: date) -> date:
    first, last = month_bounds(month)
    return last + timedelta(days=1)


def overlap_days(starts_on: date, ends_on: date | None, first: date, last: date) -> int:
    start = max(starts_on, first)
    end = last if ends_on is None else min(ends_on, last)
    return max((end - start).days + 1, 0)


def month_share(portions: Sequence[Portion], month: date) -> Fraction:
    """A party's share of the month: each portion weighted by the days it covers."""
    first, last = month_bounds(month)
    days = (last - first).days + 1
    return sum(
        (p.fraction * Fraction(overlap_days(p.starts_on, p.ends_on, first, last), days))
        for p in portions
    ) or Fraction(0)


def to_cents(amount: Decimal) -> int:
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


def split_cost(total: Decimal, shares: Sequence[Fraction]) -> list[Decimal]:
    """Split `total` (whole cents) by `shares` (non-negative, summing to 1), by the
    largest-remainder method on cents: the results add up to `total` exactly."""
    if any(s < 0 for s in shares) or sum(shares) != 1:
        raise ValueError("shares must be non-negative and add up to 1")
    total_cents = to_cents(total)
    exact = [Fraction(total_cents) * s for s in shares]
    floors = [e.numerator // e.denominator for e in exact]
    leftover = total_cents - sum(floors)
    # Largest discarded part first; ties keep the line order (stable sort).
    order = sorted(range(len(shares)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in order[:leftover]:
        floors[i] += 1
    return [(Decimal(c) / 100).quantize(CENT) for c in floors]


def carrier_and_hosts(host_shares: Sequence[Fraction]) -> list[Fraction]:
    """The carrier's share (what the hosts do not take) followed by the hosts'."""
    taken = sum(host_shares) or Fraction(0)
    if taken > 1:
        raise ValueError("the hosts' shares exceed the whole post")
    return [1 - taken, *host_shares]
