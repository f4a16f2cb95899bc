"""The engine's entry point: decide what to publish of many campaigns at once.

Blocks never interact (`model.py`), so the work is cut into parts — blocks with a
breakdown apart from the others (their arrays are three keys wide instead of
one), and campaigns in chunks of bounded size — each built, protected and
audited on its own: memory stays bounded and every array stays dense.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ensemble.reporting.disclosure.certify import Certifier
from ensemble.reporting.disclosure.model import Arrays, Campaign, Columns, build, columns_of
from ensemble.reporting.disclosure.protect import Audit, Outcome, audit, protect
from ensemble.reporting.disclosure.rules import Rules

CHUNK_VALUES = 200_000


@dataclass
class Part:
    arrays: Arrays
    outcome: Outcome
    campaigns: list[int]  # indices into the campaigns given to `decide`


@dataclass
class Decision:
    parts: list[Part]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def audit(self) -> Audit:
        total = Audit()
        for part in self.parts:
            a = part.outcome.audit
            total.targets += a.targets
            total.certified += a.certified
            total.lp_targets += a.lp_targets
            total.lp_solves += a.lp_solves
            total.readers = max(total.readers, a.readers)
            total.failures += a.failures
            total.seconds += a.seconds
        return total


def split(campaigns: Sequence[Campaign], columns: Columns, chunk_values: int = CHUNK_VALUES):
    """Yield (campaign indices, columns) parts: by breakdown width, then in chunks."""
    wide = np.array([len(m.keys) > 1 for m in columns.measures], dtype=bool)
    per_campaign = np.bincount(columns.campaign, minlength=len(campaigns))
    for is_wide in (False, True):
        chunk: list[int] = []
        size = 0
        for ci in range(len(campaigns) + 1):
            if ci < len(campaigns):
                chunk.append(ci)
                size += int(per_campaign[ci])
            if chunk and (size >= chunk_values or ci == len(campaigns)):
                yield is_wide, chunk, _subset(columns, chunk, wide, is_wide, len(campaigns))
                chunk, size = [], 0


def _subset(columns: Columns, chunk, wide, is_wide, ncampaigns: int) -> Columns:
    local = np.full(ncampaigns, -1, dtype=np.int64)
    local[chunk] = np.arange(len(chunk))
    keep = (local[columns.campaign] >= 0) & (wide[columns.measure] == is_wide)
    sub = columns.subset(keep)
    sub.campaign = local[sub.campaign]
    mc = columns.measure_campaign
    inside = (mc >= 0) & (mc < ncampaigns)
    sub.measure_campaign = np.full(len(mc), -1, dtype=np.int64)
    sub.measure_campaign[inside] = local[mc[inside]]
    return sub


def decide(
    campaigns: Sequence[Campaign],
    columns: Columns | None = None,
    rules: Rules | None = None,
    *,
    exhaustive: bool = False,
    chunk_values: int = CHUNK_VALUES,
) -> Decision:
    rules = rules or Rules()
    campaigns = list(campaigns)
    columns = columns if columns is not None else columns_of(campaigns)
    decision = Decision([])
    timing = {"build": 0.0, "protect": 0.0}
    for _wide, chunk, cols in split(campaigns, columns, chunk_values):
        if not len(cols.value):
            continue
        started = time.perf_counter()
        arrays = build([campaigns[i] for i in chunk], cols)
        timing["build"] += time.perf_counter() - started
        started = time.perf_counter()
        outcome = protect(arrays, rules, exhaustive=exhaustive)
        timing["protect"] += time.perf_counter() - started
        decision.parts.append(Part(arrays, outcome, chunk))
    decision.seconds = timing
    return decision


def reaudit(decision: Decision, rules: Rules, *, exhaustive: bool = False) -> Audit:
    """The auditor alone, on what a decision hides (what the bench times)."""
    total = Audit()
    for part in decision.parts:
        report = audit(part.arrays, rules, part.outcome.hidden, exhaustive=exhaustive)
        total.targets += report.targets
        total.certified += report.certified
        total.lp_targets += report.lp_targets
        total.lp_solves += report.lp_solves
        total.readers = max(total.readers, report.readers)
        total.failures += report.failures
        total.seconds += report.seconds
    return total


def audit_published(
    campaigns: Sequence[Campaign], columns: Columns | None = None, rules: Rules | None = None
) -> Audit:
    """The auditor alone, on what releases published: every row the campaigns record
    as `published_before` is a fact, everything else hidden; every cell the rules keep
    secret must hold for every reader, and no published cell may single a centre out."""
    from ensemble.reporting.disclosure.protect import sensitive_cells

    rules = rules or Rules()
    campaigns = list(campaigns)
    columns = columns if columns is not None else columns_of(campaigns)
    total = Audit()
    for _wide, chunk, cols in split(campaigns, columns):
        if not len(cols.value):
            continue
        arrays = build([campaigns[i] for i in chunk], cols)
        hidden = np.ones((arrays.rows, 2), dtype=bool)
        sensitive = sensitive_cells(arrays, rules)
        report = audit(arrays, rules, hidden, certifier=Certifier(arrays, rules, sensitive))
        layer_of_key = np.r_[0, np.full(arrays.K - 1, 1)]
        exposed = sensitive & arrays.forced[:, layer_of_key]
        for r, k in zip(*np.nonzero(exposed), strict=True):
            report.failures.append({"row": int(r), "key": int(k), "reader": "published"})
        total.targets += report.targets
        total.certified += report.certified
        total.lp_targets += report.lp_targets
        total.lp_solves += report.lp_solves
        total.readers = max(total.readers, report.readers)
        total.failures += report.failures
        total.seconds += report.seconds
    return total
