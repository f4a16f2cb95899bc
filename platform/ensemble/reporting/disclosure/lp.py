"""The linear-programming attack (HiGHS): the exact feasible interval of a hidden
figure, from everything one reader can see.

Unknowns: every figure of the block's centres that the reader does not know
(each key of each centre). Constraints: every published cell of the block (and
those published by earlier releases) as an equation, the block's published
panels (sums over the centres behind a year-on-year change), each centre's
breakdown adding up to its total (a part at most its total when the breakdown
is partial), non-negativity, and the catalogue's maximum for each figure of a
bounded indicator (1 for a yes-or-no question). The objective is the residual of the hidden cell
(or the part of a cell one signature holds); its minimum and maximum are the
interval, rounded inward to whole numbers for counts.

One model per block; a reader's knowledge fixes their variables to their
values, so every reader and every target reuses the same model (and HiGHS
starts each solve from the previous basis).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ensemble.reporting.disclosure.model import (
    CITY,
    DEPARTEMENT,
    FULL,
    NETWORK,
    OTHER,
    PARTS,
    TOTAL,
    Arrays,
)
from ensemble.reporting.disclosure.rules import EPSILON


@dataclass(frozen=True)
class Interval:
    low: float
    high: float  # math.inf when unbounded

    def width_ok(self, value: float, protection: float, capacity: float = math.inf) -> bool:
        """Wide enough: down by p (to zero at most) and up by p (to `capacity`, every
        unknown centre at the maximum, at most)."""
        return (
            self.low <= value - min(protection, value) + EPSILON
            and self.high >= min(value + protection, capacity) - EPSILON
        )


class BlockModel:
    """The LP of one block, its variables indexed by (entry, key)."""

    def __init__(self, arrays: Arrays, block: int, free: np.ndarray):
        import highspy

        a = self.a = arrays
        self.block = block
        self.entries = np.flatnonzero(a.e_block == block)
        nkeys = int(a.b_nkeys[block])
        values = a.e_values[self.entries, :nkeys]
        declared = ~np.isnan(values)
        self.var = np.full((len(self.entries), nkeys), -1, dtype=np.int64)
        self.var[declared] = np.arange(int(declared.sum()))
        self.values = np.where(declared, values, 0.0)
        self.known = a.e_known[self.entries]
        self.nvars = int(declared.sum())
        self.integer = a.b_measure[block].integer
        h = self.h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        lower = np.zeros(self.nvars)
        self.upper_bound = float(a.b_upper[block])
        self.inf = highspy.kHighsInf
        top = self.upper_bound if math.isfinite(self.upper_bound) else self.inf
        self.upper = np.full(self.nvars, top)
        h.addVars(self.nvars, lower, self.upper)
        self._fixed = np.zeros(self.nvars, dtype=bool)
        rows: list[tuple[float, float, np.ndarray, np.ndarray]] = []
        # Published cells (and those of earlier releases): equations.
        block_rows = np.flatnonzero(a.r_block == block)
        city_of = a.e_row[self.entries]
        dep_of = a.r_parent[city_of]
        for r in block_rows:
            if a.r_absent[r]:
                continue
            level = a.r_level[r]
            members = (
                np.ones(len(self.entries), dtype=bool)
                if level == NETWORK
                else (dep_of == r if level == DEPARTEMENT else city_of == r)
            )
            for k in range(nkeys):
                layer = TOTAL if k == 0 else PARTS
                if free[r, layer] or not a.c_present[r, k]:
                    continue
                idx = self.var[members, k]
                idx = idx[idx >= 0]
                total = float(a.c_total[r, k])
                rows.append((total, total, idx, np.ones(len(idx))))
        # Panels behind published year-on-year changes (totals).
        for b, panel in a.panels:
            if b != block:
                continue
            members = np.isin(a.e_centre[self.entries], list(panel))
            idx = self.var[members, 0]
            idx = idx[idx >= 0]
            total = float(self.values[members, 0].sum())
            rows.append((total, total, idx, np.ones(len(idx))))
        # Each centre's breakdown.
        patterns = a.e_pattern[self.entries]
        for i in range(len(self.entries)):
            if nkeys == 1 or self.var[i, 0] < 0:
                continue
            parts = self.var[i, 1:]
            parts = parts[parts >= 0]
            if not len(parts):
                continue
            if patterns[i] == FULL:
                idx = np.r_[self.var[i, 0], parts]
                rows.append((0.0, 0.0, idx, np.r_[1.0, -np.ones(len(parts))]))
            elif patterns[i] == OTHER:
                for p in parts:
                    pair = np.array([p, self.var[i, 0]])
                    rows.append((-self.inf, 0.0, pair, np.array([1.0, -1.0])))
        for low, high, idx, coef in rows:
            h.addRow(low, high, len(idx), idx.astype(np.int32), coef.astype(float))
        self.fix(np.zeros(len(self.entries), dtype=bool))

    def fix(self, reader_known: np.ndarray) -> None:
        """Fix the variables of named centres and of the reader's own (`reader_known`,
        per entry of the block) to their values; free the others."""
        known = self.known | reader_known
        fixed = np.zeros(self.nvars, dtype=bool)
        low = np.zeros(self.nvars)
        high = self.upper.copy()
        for i in np.flatnonzero(known):
            for k in range(self.var.shape[1]):
                v = self.var[i, k]
                if v >= 0:
                    fixed[v] = True
                    low[v] = high[v] = self.values[i, k]
        changed = np.flatnonzero(fixed | self._fixed)
        if len(changed):
            self.h.changeColsBounds(
                len(changed), changed.astype(np.int32), low[changed], high[changed]
            )
        self._fixed = fixed

    def interval(self, members: np.ndarray, key: int) -> Interval:
        """Min and max of the sum of `key` over the block's entries in `members`."""
        import highspy

        idx = self.var[members, key]
        idx = idx[idx >= 0]
        cost = np.zeros(self.nvars)
        cost[idx] = 1.0
        all_cols = np.arange(self.nvars, dtype=np.int32)
        self.h.changeColsCost(self.nvars, all_cols, cost)
        bounds = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            self.h.changeObjectiveSense(sense)
            self.h.run()
            status = self.h.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                bounds.append(math.inf)
            elif status == highspy.HighsModelStatus.kOptimal:
                bounds.append(self.h.getInfo().objective_function_value)
            else:  # infeasible cannot happen (the true figures satisfy every constraint)
                raise RuntimeError(f"LP status {self.h.modelStatusToString(status)}")
        low, high = bounds
        if self.integer:
            low = math.ceil(low - 1e-6)
            high = math.floor(high + 1e-6) if high != math.inf else high
        return Interval(low, high)

    def residual_members(self, row: int, free: np.ndarray, layer: int) -> np.ndarray:
        """The block's entries that make up the residual of `row` (its hidden part)."""
        a = self.a
        city_of = a.e_row[self.entries]
        dep_of = a.r_parent[city_of]
        level = a.r_level[row]
        city_free = free[city_of, layer]
        if level == CITY:
            return city_of == row
        if level == DEPARTEMENT:
            return (dep_of == row) & city_free
        return city_free & free[dep_of, layer]


def _harmless(rules, model, unknown, key, value, binary) -> bool:
    """Known exactly, the reader's unknown part of a residual would still not single
    out a centre (rules.py: the p % rule, or not unanimous)."""
    contributions = model.values[unknown & (model.var[:, key] >= 0), key]
    count = len(contributions)
    if count < 2:
        return False
    if binary:
        return not bool(rules.unanimous(value, count))
    people = bool(model.a.b_people[model.block])
    largest = float(contributions.max())
    return not bool(rules.singles_out(value, count, largest, people))


def readers_of(arrays: Arrays, block: int) -> Iterable[tuple[str, frozenset[int]]]:
    """Every reader who knows more than the named centres: each centre of the block,
    and each group of centres read together."""
    a = arrays
    campaign = a.campaigns[int(a.b_campaign[block])]
    centres = a.e_centre[(a.e_block == block) & ~a.e_known]
    yield "public", frozenset()
    for c in centres:
        yield "centre", frozenset({int(c)})
    present = set(centres.tolist())
    for group in campaign.coalitions:
        if len(group & present) >= 1 and len(group) >= 2:
            yield "group", frozenset(group)


def audit_targets(
    arrays: Arrays,
    free: np.ndarray,
    targets: list[tuple[int, int]],
    protection,
    rules=None,
) -> list[dict]:
    """Solve the LP for each (row, key) target of the same block, for every reader.
    Returns the failures: target, reader kind, interval, requirement.

    With `rules`, what a reader narrows is judged as the primary rules judge a
    published cell for them: a residual whose unknown part (to that reader) has
    two or more centres and would not single one out even if known exactly (the
    p % rule; for a yes-or-no question, not unanimous) may be narrowed — that is
    what lets a network of 3 centres publish its total beside two hidden
    départements. A residual of one unknown centre must always stay wide."""
    a = arrays
    failures: list[dict] = []
    if not targets:
        return failures
    block = int(a.r_block[targets[0][0]])
    model = BlockModel(a, block, free)
    centre_of = a.e_centre[model.entries]
    binary = bool(a.b_binary[block])
    prepared = []
    for row, key in targets:
        layer = TOTAL if key == 0 else PARTS
        members = model.residual_members(row, free, layer)
        prepared.append((row, key, members))
    for kind, known in readers_of(a, block):
        reader_known = np.isin(centre_of, list(known)) & ~model.known
        model.fix(reader_known)
        for row, key, members in prepared:
            unknown = members & ~model.known & ~reader_known
            value = float(model.values[unknown, key].sum())
            variables = model.var[unknown, key]
            if (value <= EPSILON and not binary) or variables.max(initial=-1) < 0:
                continue
            known_part = float(model.values[members & ~unknown, key].sum())
            interval = model.interval(members, key)
            shifted = Interval(interval.low - known_part, interval.high - known_part)
            p = float(protection(value, a.b_people[block], binary))
            capacity = int((variables >= 0).sum()) * model.upper_bound
            # A count of « oui » must not be pinned (rules.py): one other count possible.
            wide = shifted.high - shifted.low >= 1 - EPSILON if binary else None
            if wide if binary else shifted.width_ok(value, p, capacity):
                continue
            if rules is not None and _harmless(rules, model, unknown, key, value, binary):
                continue
            if True:
                failures.append(
                    {"row": row, "key": key, "reader": kind, "interval": shifted, "value": value}
                )
    return failures
