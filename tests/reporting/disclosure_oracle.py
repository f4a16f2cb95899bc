"""An attacker written apart from the engine: a linear program on the raw figures
(HiGHS, one model per reader, built here from the figures alone).

From a campaign's figures (centre -> place, (centre, code, key) -> value) and what
was published ({(code, key, dep, city): value}, plus panel sums), for one reader
(named centres and their own known), it computes the feasible interval of
every hidden cell's residual and of every figure of every centre the reader does
not know, and reports those narrower than the protection range: ± 20 % or
± 5 people, whichever is larger (zero is not protected); intervals of counts are
rounded to whole numbers. Nothing here comes from ensemble.reporting.disclosure.

A hidden cell's residual may be narrowed by a reader when what that reader does
not know of it has two or more centres and, known exactly, would not single one
out (the p % rule; for a yes-or-no question, not all the same answer). Every
figure of every centre the reader does not know must always stay wide.

Hidden cells checked: those the primary rules (written again here) keep secret:
fewer than 3 centres, fewer than 11 people, one centre above 85 % or two above
90 %, or, for some reader, what they do not know of it singles out a centre
(one unknown centre; or the rest beside the largest unknown below its range).

Bounded indicators (a fourth element in `measures`: the most one centre may
declare) bound every unknown figure above too. A yes-or-no question (whole
numbers, at most 1) is sensitive with fewer than 3 centres or when, for some
reader, its unknown centres all answered the same; its hidden cells, zeros
included, and each centre's answer must not be pinned (some other count possible).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import highspy
import numpy as np

STAR = "*"
SHARE = 0.2
PEOPLE = 5.0


def protection(value: float, people: bool) -> float:
    if value <= 1e-6:
        return 0.0
    return max(SHARE * value, PEOPLE) if people else SHARE * value


def sensitive(
    contributions: dict[int, float], people: bool, readers: list[set[int]], binary: bool = False
) -> bool:
    values = sorted(contributions.values(), reverse=True)
    if binary:
        if len(values) < 3:
            return True
        for known in readers:
            rest = [v for c, v in contributions.items() if c not in known]
            if rest and (sum(rest) <= 1e-6 or sum(rest) >= len(rest) - 1e-6):
                return True
        return False
    total = sum(values)
    if len(values) < 3 or (people and 1e-6 < total < 11):
        return True
    if total > 1e-6 and (values[0] > 0.85 * total + 1e-6 or sum(values[:2]) > 0.9 * total + 1e-6):
        return True
    for known in readers:
        rest = sorted((v for c, v in contributions.items() if c not in known), reverse=True)
        if len(rest) == 1:
            return True
        if len(rest) >= 2 and sum(rest) - rest[0] < protection(rest[0], people) - 1e-6:
            return True
    return False


def attack(
    centres: dict[int, tuple[str, str]],
    values: dict[tuple[int, str, str], float],
    measures: dict[str, tuple],  # code -> (keys, people, integer[, upper])
    published: dict[tuple[str, str, str, str], float],
    known: Iterable[int],
    panels: Iterable[tuple[str, frozenset[int]]] = (),
    individuals: bool = True,
    readers: list[set[int]] | None = None,
) -> list[tuple]:
    """`readers`: everyone's knowledge (for which cells are sensitive): the named
    centres with each centre, and with each group read together."""
    """Failures for one reader: (kind, what, (low, high), value)."""
    known = set(known)
    values = {k: float(v) for k, v in values.items() if k[0] in centres}
    cells: dict[tuple, list[int]] = {}
    for (c, code, key), _v in values.items():
        d, city = centres[c]
        for territory in ((STAR, STAR), (d, STAR), (d, city)):
            cells.setdefault((code, key, *territory), []).append(c)
    unknown = sorted(k for k in values if k[0] not in known)
    index = {k: i for i, k in enumerate(unknown)}
    n = len(unknown)
    if n == 0:
        return []
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []

    def row(terms, rhs, rows, rhs_list):
        r = np.zeros(n)
        const = 0.0
        for coef, k in terms:
            if k in index:
                r[index[k]] += coef
            else:
                const += coef * values[k]
        rows.append(r)
        rhs_list.append(rhs - const)

    for cell, value in published.items():
        code, key = cell[0], cell[1]
        row([(1.0, (c, code, key)) for c in cells.get(cell, [])], value, eq_rows, eq_rhs)
    for code, panel in panels:
        members = [(c, code, "") for c in panel if (c, code, "") in values]
        row([(1.0, k) for k in members], sum(values[k] for k in members), eq_rows, eq_rhs)
    for code, (keys, *_rest) in measures.items():
        for c in centres:
            if len(keys) == 1 or (c, code, "") not in values:
                continue
            parts = [(c, code, k) for k in keys[1:] if (c, code, k) in values]
            if len(parts) == len(keys) - 1:
                row([(1.0, (c, code, ""))] + [(-1.0, p) for p in parts], 0.0, eq_rows, eq_rhs)
            else:
                for p in parts:
                    row([(1.0, p), (-1.0, (c, code, ""))], 0.0, ub_rows, ub_rhs)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)

    def upper_of(code: str) -> float:
        spec = measures[code]
        return float(spec[3]) if len(spec) > 3 and spec[3] is not None else math.inf

    def binary_of(code: str) -> bool:
        spec = measures[code]
        return bool(spec[2]) and upper_of(code) == 1 and len(spec[0]) == 1

    ups = np.array([upper_of(k[1]) for k in unknown])
    h.addVars(n, np.zeros(n), np.where(np.isfinite(ups), ups, highspy.kHighsInf))
    for rows, rhs, equal in ((eq_rows, eq_rhs, True), (ub_rows, ub_rhs, False)):
        for r, b in zip(rows, rhs, strict=True):
            idx = np.flatnonzero(r).astype(np.int32)
            low = b if equal else -highspy.kHighsInf
            h.addRow(low, b, len(idx), idx, r[idx])
    columns = np.arange(n, dtype=np.int32)

    def interval(keys):
        cost = np.zeros(n)
        for k in keys:
            cost[index[k]] += 1.0
        h.changeColsCost(n, columns, cost)
        out = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            h.changeObjectiveSense(sense)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                out.append(math.inf)
            else:
                assert status == highspy.HighsModelStatus.kOptimal, h.modelStatusToString(status)
                out.append(h.getInfo().objective_function_value)
        return out[0], out[1]

    targets = []
    for cell, members in cells.items():
        if cell in published:
            continue
        code, key, d, city = cell
        people = measures[code][1]
        contributions = {c: values[(c, code, key)] for c in members}
        if readers is not None and not sensitive(contributions, people, readers, binary_of(code)):
            continue
        # The residual: the cell's centres not covered by a published finer cell.
        residual = []
        for c in members:
            cd, cc = centres[c]
            finer = (
                [(code, key, cd, STAR), (code, key, cd, cc)]
                if d == STAR
                else ([(code, key, cd, cc)] if city == STAR else [])
            )
            if not any(f in published for f in finer):
                residual.append((c, code, key))
        targets.append(("cell", cell, residual))
    if individuals:
        targets += [("centre", k, [k]) for k in unknown]
    failures = []
    for kind, what, keys in targets:
        keys = [k for k in keys if k in index]
        if not keys:
            continue
        value = sum(values[k] for k in keys)
        code = keys[0][1]
        people, integer = measures[code][1], measures[code][2]
        low, high = interval(keys)
        if integer:
            low = math.ceil(low - 1e-6)
            high = math.floor(high + 1e-6) if high != math.inf else high
        p = 1.0 if binary_of(code) else protection(value, people)
        capacity = len(keys) * upper_of(code)
        if kind == "cell" and len(keys) >= 2:
            # What the reader does not know of the cell, even known exactly, would
            # not single out a centre (the p % rule; not unanimous): narrowing it is
            # no disclosure. A centre's own figure is always checked below.
            parts = sorted((values[k] for k in keys), reverse=True)
            if binary_of(code):
                if 1e-6 < value < len(keys) - 1e-6:
                    continue
            elif value - parts[0] >= protection(parts[0], people) - 1e-6:
                continue
        if binary_of(code):
            if high - low < 1 - 1e-6:  # pinned: the reader knows how they answered
                failures.append((kind, what, (low, high), value))
            continue
        if low > value - min(p, value) + 1e-6 or high < min(value + p, capacity) - 1e-6:
            failures.append((kind, what, (low, high), value))
    return failures
