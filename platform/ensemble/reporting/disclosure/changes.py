"""Year-on-year changes, on the centres that declared both years.

A change of an indicator's network total between year Y−1 and year Y is computed
over the *panel*: the centres that declared that total both years. Publishing it
publishes, in effect, the panel's sum in each year (the change and one of them
give the other; taking both as published is the safe reading). Beside the
published network totals, each panel sum also publishes its complement: the
sum of the centres that declared only one of the two years.

So a change is published only when
- both network totals are published;
- the same centres declared both years (the change then follows from the two
  published totals, nothing more), or else:
  - each complement, as a cell, passes every primary rule for every reader, and
  - with the panel as a published sum, every hidden cell of both years' blocks,
    and every part of a cell that the panel splits, stays certified.
Otherwise the change is not published (the figures themselves are unaffected).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from ensemble.reporting.disclosure.certify import Certifier, split_certified
from ensemble.reporting.disclosure.model import Campaign, Measure, build
from ensemble.reporting.disclosure.protect import sensitive_cells
from ensemble.reporting.disclosure.rules import EPSILON, Rules


@dataclass(frozen=True)
class Change:
    code: str
    percent: Decimal
    centres: int  # the panel: centres that declared both years


def complement_singles_out(
    values: dict[int, float], named: frozenset[int], groups: Sequence[frozenset[int]],
    people: bool, rules: Rules,
) -> bool:  # fmt: skip
    """The primary rules (and the p % rule for every reader) on the sum of `values`."""
    if not values:
        return False
    v = np.array(sorted(values.values(), reverse=True))
    top2 = v[1] if len(v) > 1 else 0.0
    if rules.primary(v.sum(), len(v), v[0], top2, people):
        return True
    readers = [frozenset()] + [frozenset({c}) for c in values] + list(groups)
    for reader in readers:
        known = named | reader
        unknown = sorted((x for c, x in values.items() if c not in known), reverse=True)
        if not unknown:
            continue
        if rules.singles_out(sum(unknown), len(unknown), unknown[0], people):
            return True
    return False


def percent(now: float, before: float) -> Decimal | None:
    if before <= EPSILON:
        return None
    change = (Decimal(str(now)) - Decimal(str(before))) / Decimal(str(before)) * 100
    return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Candidate:
    code: str
    now: Campaign
    before: Campaign
    now_values: dict[tuple[int, str, str], float]
    before_values: dict[tuple[int, str, str], float]
    measure: Measure
    now_published: frozenset[tuple[str, int, str, str]]
    before_published: frozenset[tuple[str, int, str, str]]


def _totals(values, code: str) -> dict[int, float]:
    """Centre -> total of `code` (figures may come lazily, with their totals apart)."""
    if hasattr(values, "totals"):
        return values.totals()
    return {k[0]: v for k, v in values.items() if k[1] == code and k[2] == ""}


def decide_changes(candidates: Sequence[Candidate], rules: Rules) -> dict[int, Change]:
    """Which candidates may be published (index -> change)."""
    out: dict[int, Change] = {}
    checks: list[tuple[int, frozenset[int]]] = []
    for i, c in enumerate(candidates):
        now, before = _totals(c.now_values, c.code), _totals(c.before_values, c.code)
        panel = frozenset(now) & frozenset(before)
        if not panel:
            continue
        change = percent(sum(now[x] for x in panel), sum(before[x] for x in panel))
        if change is None:
            continue
        if panel == frozenset(now) == frozenset(before):
            out[i] = Change(c.code, change, len(panel))
            continue
        people = c.measure.counts_people
        if complement_singles_out(
            {x: v for x, v in now.items() if x not in panel}, c.now.named, c.now.coalitions,
            people, rules,
        ) or complement_singles_out(
            {x: v for x, v in before.items() if x not in panel}, c.before.named,
            c.before.coalitions, people, rules,
        ):  # fmt: skip
            continue
        checks.append((i, panel))
        out[i] = Change(c.code, change, len(panel))
    if checks:
        for i, ok in zip(
            (i for i, _ in checks), _with_panels(candidates, checks, rules), strict=True
        ):
            if not ok:
                out.pop(i, None)
    return out


def _with_panels(candidates, checks, rules: Rules) -> list[bool]:
    """Both years' blocks with the panel as one more published sum: every hidden
    cell still certified, every split part certified. One build for all checks."""
    minis: list[Campaign] = []
    for i, panel in checks:
        c = candidates[i]
        for campaign, values, published in (
            (c.now, c.now_values, c.now_published),
            (c.before, c.before_values, c.before_published),
        ):
            panels = [*campaign.panels.get(c.code, []), panel][-2:]
            minis.append(
                replace(
                    campaign,
                    measures=[c.measure],
                    values={k: v for k, v in values.items() if k[1] == c.code},
                    published_before=frozenset(p for p in published if p[0] == c.code),
                    panels={c.code: panels},
                )
            )
    arrays = build(minis)
    # Everything the releases did not publish is hidden; published rows are facts.
    hidden = np.ones((arrays.rows, 2), dtype=bool)
    cert = Certifier(arrays, rules, sensitive_cells(arrays, rules)).run(hidden)
    failing_blocks = set(arrays.r_block[np.nonzero(cert.failing)[0]].tolist())
    split = split_certified(arrays, hidden, rules)
    verdict_of_campaign = np.ones(len(minis), dtype=bool)
    for b in range(len(arrays.b_measure)):
        if b in failing_blocks or not split[b]:
            verdict_of_campaign[arrays.b_campaign[b]] = False
    return [
        bool(verdict_of_campaign[2 * j] and verdict_of_campaign[2 * j + 1])
        for j in range(len(checks))
    ]
