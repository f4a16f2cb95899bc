"""Choosing what to keep secret, and proving it holds: primary rules, secondary
suppression by repair, and the audit (certificates, then the LP where they fail).

Secondary suppression is driven by the auditor itself: while some hidden cell is
not certified, hide one more cell next to it — a published sibling city (the
cheapest), else its département, else a city of another hidden département, else
the network — and certify again. Cells hidden in earlier releases stay facts.
What moves cannot certify goes to the LP; what the LP refuses makes the whole
block secret; what still fails (because of what earlier releases published)
refuses the release.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ensemble.reporting.disclosure import lp
from ensemble.reporting.disclosure.certify import Certifier
from ensemble.reporting.disclosure.model import (
    CITY,
    DEPARTEMENT,
    NETWORK,
    PARTS,
    TOP,
    TOTAL,
    Arrays,
    Segments,
    coalition_members,
    pairs,
)
from ensemble.reporting.disclosure.rules import EPSILON, Rules

MAX_REPAIRS = 60


@dataclass
class Audit:
    """What the auditor checked and found."""

    targets: int = 0  # hidden cells with something to hide
    certified: int = 0  # proven protected by moves, for every reader at once
    lp_targets: int = 0  # left to the linear program
    lp_solves: int = 0
    readers: int = 0
    failures: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class Outcome:
    hidden: np.ndarray  # rows × layers
    audit: Audit
    sensitive_published: list[int]  # rows an earlier release published that now single out
    repairs: int = 0
    reasons: np.ndarray | None = None  # rows × keys: REASONS code of each secret cell


# Why a cell is secret, as recorded with it (reporting_published.reason): the first
# primary rule it breaks, else the protection of other cells. 0: published.
PUBLISHED, FEW, SMALL, DOMINANT, TWO_DOMINANT, DEDUCIBLE, UNANIMOUS, SECONDARY = range(8)


def reasons(a: Arrays, rules: Rules, hidden: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """The REASONS code of every cell (rows × keys) under `hidden`."""
    layer_of_key = np.r_[TOTAL, np.full(a.K - 1, PARTS)]
    secret = hidden[:, layer_of_key] & a.c_present
    people = a.people_of_row()[:, None]
    total, positive = a.c_total, a.c_total > EPSILON
    binary = np.broadcast_to(a.b_binary[a.r_block][:, None], bad.shape)
    out = np.where(secret, SECONDARY, PUBLISHED).astype(np.int8)
    primary = np.full(bad.shape, DEDUCIBLE, dtype=np.int8)
    primary = np.where(binary, UNANIMOUS, primary)
    primary = np.where(
        ~binary & positive & (a.c_top1 + a.c_top2 > rules.dominance_two * total + EPSILON),
        TWO_DOMINANT,
        primary,
    )
    primary = np.where(
        ~binary & positive & (a.c_top1 > rules.dominance_one * total + EPSILON), DOMINANT, primary
    )
    primary = np.where(~binary & people & positive & (total < rules.threshold), SMALL, primary)
    primary = np.where(a.c_count < rules.min_centres, FEW, primary)
    return np.where(secret & bad, primary, out).astype(np.int8)


def sensitive_cells(a: Arrays, rules: Rules) -> np.ndarray:
    """Cells (rows × keys) that no release may publish."""
    people = a.people_of_row()[:, None]
    present = a.c_present & ~a.r_absent[:, None]
    bad = rules.primary(a.c_total, a.c_count, a.c_top1, a.c_top2, people)
    largest = a.c_utop[:, :, 0]
    bad |= rules.singles_out(a.c_unknown, a.c_unknown_count, largest, people)
    # Any one centre reading the cell (its own figures known): the worst is the
    # second largest unknown contributor, left with the largest to estimate.
    two = a.c_unknown_count == 2
    rest = a.c_unknown - largest - a.c_utop[:, :, 1]
    bad |= two | ((a.c_unknown_count >= 3) & (rest + EPSILON < rules.protection(largest, people)))
    bad |= _coalitions_single_out(a, rules)
    # Yes-or-no questions (rules.py): fewer than min_centres, or unanimous for some
    # reader — everyone (named centres known), or one centre knowing its own answer:
    # a « non » leaves S over n − 1, a « oui » S − 1 over n − 1.
    binary = a.b_binary[a.r_block][:, None]
    if binary.any():
        s, n = a.c_unknown, a.c_unknown_count
        has_no, has_yes = n - s > EPSILON, s > EPSILON
        yes_or_no = a.c_count < rules.min_centres
        yes_or_no |= rules.unanimous(s, n)
        yes_or_no |= has_no & rules.unanimous(s, n - 1)
        yes_or_no |= has_yes & rules.unanimous(s - 1, n - 1)
        yes_or_no |= _coalitions_single_out(a, rules, unanimous=True)
        bad = np.where(binary, yes_or_no, bad)
    return bad & present


def _coalitions_single_out(a: Arrays, rules: Rules, unanimous: bool = False) -> np.ndarray:
    """The p % rule for each group of centres read together (one person, one employer);
    with `unanimous`, the yes-or-no rule instead (what the group does not know is all
    « oui » or all « non »)."""
    bad = np.zeros_like(a.c_present)
    eidx, gidx, groups = coalition_members(a, a.campaigns)
    if not len(eidx):
        return bad
    # What each group knows of each row it has members in, at the three levels.
    city = a.e_row[eidx]
    rows = np.r_[city, a.r_parent[city], a.r_net[city]]
    gid = np.r_[gidx, gidx, gidx]
    vals = np.tile(np.nan_to_num(a.e_values[eidx]), (3, 1))
    declared = np.tile(~np.isnan(a.e_values[eidx]), (3, 1))
    keys, inverse = np.unique(pairs(gid, rows), return_inverse=True)
    seg = Segments(inverse, len(keys))
    mass = seg.sum(vals)
    count = seg.sum(declared.astype(np.int64))
    g, r = keys // (1 << 31), keys % (1 << 31)
    unknown = a.c_unknown[r] - mass
    n = a.c_unknown_count[r] - count
    # The largest contributor outside the group: the first of the kept largest that is
    # not a member (the smallest kept when all are: an upper bound, only stricter).
    member_keys = np.array(
        sorted({int(pairs(gi, c)) for gi, group in enumerate(groups) for c in group}),
        dtype=np.int64,
    )
    ids = a.c_utop_id[r]
    inside = np.isin(pairs(np.broadcast_to(g[:, None, None], ids.shape), np.maximum(ids, 0)),
                     member_keys) & (ids >= 0)  # fmt: skip
    first = np.argmax(~inside, axis=2)
    pick = np.where(inside.all(axis=2), TOP - 1, first)
    largest = np.take_along_axis(a.c_utop[r], pick[:, :, None], axis=2)[:, :, 0]
    people = a.people_of_row()[r][:, None]
    if unanimous:
        flagged = (n > 0) & rules.unanimous(unknown, n)
    else:
        flagged = (n > 0) & rules.singles_out(unknown, n, largest, people)
    np.logical_or.at(bad, r, flagged)
    return bad


def primary_hidden(a: Arrays, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Rows × layers hidden by the primary rules, and the sensitive cells."""
    bad = sensitive_cells(a, rules)
    hidden = np.zeros((a.rows, 2), dtype=bool)
    hidden[:, TOTAL] = bad[:, 0]
    hidden[:, PARTS] = bad[:, 1:].any(axis=1) | hidden[:, TOTAL]
    hidden |= a.r_absent[:, None]
    return hidden, bad


class Repairer:
    """Chooses the next cell to hide next to a failing one."""

    def __init__(self, a: Arrays):
        self.a = a
        self.children: dict[int, list[int]] = defaultdict(list)
        for r in np.flatnonzero(a.r_level != NETWORK):
            self.children[int(a.r_parent[r])].append(int(r))
        self.cost = a.c_total.sum(axis=1)

    def _cheapest(self, rows, hidden, layer) -> int | None:
        a = self.a
        best = None
        for r in rows:
            if hidden[r, layer] or a.forced[r, layer] or a.r_absent[r]:
                continue
            if best is None or (self.cost[r], r) < (self.cost[best], best):
                best = r
        return best

    def _openable(self, r, hidden, layer) -> bool:
        a = self.a
        return not hidden[r, layer] and not a.forced[r, layer]

    def propose(self, row: int, layer: int, hidden: np.ndarray) -> list[tuple[int, int]]:
        a = self.a
        level = a.r_level[row]
        net = int(a.r_net[row])
        free = (hidden & ~a.forced) | a.r_absent[:, None]
        if level == CITY:
            dep = int(a.r_parent[row])
            sibling = self._cheapest([r for r in self.children[dep] if r != row], hidden, layer)
            if sibling is not None:
                return [(sibling, layer)]
            if self._openable(dep, hidden, layer):
                return [(dep, layer)]
            return self._other_deps(dep, net, hidden, free, layer)
        if level == DEPARTEMENT:
            return self._other_deps(row, net, hidden, free, layer)
        return []

    def _other_deps(self, dep, net, hidden, free, layer) -> list[tuple[int, int]]:
        deps = [d for d in self.children[net] if d != dep]
        opened = [d for d in deps if free[d, layer]]
        city = self._cheapest([c for d in opened for c in self.children[d]], hidden, layer)
        if city is not None:
            return [(city, layer)]
        new_dep = self._cheapest(deps, hidden, layer)
        if new_dep is not None:
            inner = self._cheapest(self.children[new_dep], hidden, layer)
            return [(new_dep, layer)] + ([(inner, layer)] if inner is not None else [])
        if self._openable(net, hidden, layer):
            return [(net, layer)]
        return []


SMALL_BLOCK = 12  # centres: blocks this small are judged by the LP before any repair


def _small_blocks(a: Arrays) -> np.ndarray:
    return np.bincount(a.e_block, minlength=len(a.b_measure)) <= SMALL_BLOCK


def _lp_passes(a: Arrays, rules: Rules, hidden, certifier, failing, small) -> np.ndarray:
    """Failing cells of small blocks that the LP finds protected for every reader."""
    passes = np.zeros_like(failing)
    free = certifier.free(hidden)
    by_block: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r, k in zip(*np.nonzero(failing & small[a.r_block][:, None]), strict=True):
        by_block[int(a.r_block[r])].append((int(r), int(k)))
    for _block, targets in by_block.items():
        failed = {
            (f["row"], f["key"])
            for f in lp.audit_targets(a, free, targets, rules.protection, rules)
        }
        for r, k in targets:
            passes[r, k] = (r, k) not in failed
    return passes


def _layered(hidden: np.ndarray) -> np.ndarray:
    """A hidden total hides its breakdown (the parts would add up to it)."""
    hidden = hidden.copy()
    hidden[:, PARTS] |= hidden[:, TOTAL]
    return hidden


def protect(a: Arrays, rules: Rules, *, exhaustive: bool = False) -> Outcome:
    """Primary rules, then hide more until the auditor passes (or cannot)."""
    hidden, bad = primary_hidden(a, rules)
    layer_of_key = np.r_[TOTAL, np.full(a.K - 1, PARTS)]
    sensitive_published = sorted(
        {int(r) for r, k in zip(*np.nonzero(bad), strict=True) if a.forced[r, layer_of_key[k]]}
    )
    certifier = Certifier(a, rules, bad)
    repairer = Repairer(a)
    repairs = 0
    cert = None
    small = _small_blocks(a)
    for _ in range(MAX_REPAIRS):
        cert = certifier.run(hidden)
        failing = cert.failing
        if small.any() and failing.any():
            # Small blocks: the LP decides before anything more is hidden (moves
            # prove too little with three or four centres).
            failing = failing & ~_lp_passes(a, rules, hidden, certifier, failing, small)
        if not failing.any():
            break
        proposals: set[tuple[int, int]] = set()
        for r, k in zip(*np.nonzero(failing), strict=True):
            proposals.update(repairer.propose(int(r), int(layer_of_key[k]), hidden))
        proposals = {(r, layer) for r, layer in proposals if not hidden[r, layer]}
        if not proposals:
            break
        for r, layer in proposals:
            hidden[r, layer] = True
        hidden = _layered(hidden)
        repairs += len(proposals)
        cert = None
    report = audit(a, rules, hidden, certifier=certifier, exhaustive=exhaustive, cert=cert)
    if not report.ok:
        # Last resort: the failing blocks keep everything secret that may still be.
        blocks = {int(a.r_block[f["row"]]) for f in report.failures}
        for b in blocks:
            rows = np.flatnonzero(a.r_block == b)
            hidden[rows] = True
        hidden = _layered(hidden)
        report = audit(a, rules, hidden, certifier=certifier, exhaustive=exhaustive)
    return Outcome(hidden, report, sensitive_published, repairs, reasons(a, rules, hidden, bad))


def audit(
    a: Arrays,
    rules: Rules,
    hidden: np.ndarray,
    *,
    certifier: Certifier | None = None,
    exhaustive: bool = False,
    cert=None,
) -> Audit:
    """Check every hidden cell for every reader: certificates first, the LP for the
    cells they do not prove (all of them with `exhaustive`)."""
    started = time.perf_counter()
    certifier = certifier or Certifier(a, rules, sensitive_cells(a, rules))
    cert = cert if cert is not None else certifier.run(hidden)
    report = Audit(targets=int(cert.target.sum()))
    leftover = cert.target if exhaustive else cert.failing
    report.certified = report.targets - int((cert.target & ~cert.certified).sum())
    free = certifier.free(hidden)
    by_block: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r, k in zip(*np.nonzero(leftover), strict=True):
        by_block[int(a.r_block[r])].append((int(r), int(k)))
    report.lp_targets = sum(len(v) for v in by_block.values())
    for _block, targets in sorted(by_block.items()):
        readers = sum(1 for _ in lp.readers_of(a, _block))
        report.readers = max(report.readers, readers)
        report.lp_solves += 2 * readers * len(targets)
        report.failures += lp.audit_targets(a, free, targets, rules.protection, rules)
    report.seconds = time.perf_counter() - started
    return report
