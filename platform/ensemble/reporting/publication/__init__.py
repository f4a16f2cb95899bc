"""Publishing closed campaigns: statistical disclosure control, then a release.

Decision (README, « Secret statistique »): a campaign's figures are published only
once its federation closes it, and no declaration of that year may be submitted
or validated afterwards (a database trigger). The published set of centres is
frozen, so two releases of a campaign never differ by a centre. A campaign is
published again only when what readers know changes (a centre agrees to be
named) or the rules change; every earlier release of the campaign stays a fact
for the auditor (what was published cannot be taken back), and a release that
would let a reader narrow a hidden figure is refused: the previous one stays.

A centre's agreement to be named never refuses a release: when naming the centres
that agreed since the last release would, with what that release published,
single out another centre, the release is decided again without them (then with
each of them alone, kept when it holds) and published; the agreements that could
not be honoured wait, unnamed (the federation's page of named figures counts
them), until the inputs change. Only a change of the rules can still be refused.

Runs on the reporting role inside the consolidation's transaction: the release
and the consolidated cells are committed together, or neither.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from ensemble.kernel import french
from ensemble.reporting.disclosure import engine
from ensemble.reporting.disclosure.changes import Candidate, Change, decide_changes
from ensemble.reporting.disclosure.model import STAR, TOTAL, Campaign, Columns, columns_of
from ensemble.reporting.disclosure.rules import Rules
from ensemble.reporting.publication import cells as cell_io
from ensemble.reporting.publication import data
from ensemble.reporting.publication.cells import Cells


@dataclass
class Result:
    """What happened to one campaign."""

    federation_id: int
    year: int
    status: str  # "published", "refused"
    number: int = 0
    reason: str = ""  # French, shown to the federation (never a figure)
    detail: str = ""  # technical
    secret_cells: int = 0
    cells: int = 0
    changes: int = 0
    waiting: int = 0  # centres that agreed to be named and cannot be yet


@dataclass
class _Source:
    federation_id: int
    year: int
    fingerprint: str
    number: int  # current release number (0 if none)


def closed_campaigns(conn: Connection, federation_ids: Sequence[int] | None) -> list:
    where = "" if federation_ids is None else "WHERE k.federation_id = ANY(:f)"
    return conn.execute(
        text(
            "SELECT k.federation_id, k.year, k.refused_fingerprint, r.id AS current,"
            " coalesce(r.number, 0) AS number, r.fingerprint FROM reporting_campaigns k"
            " LEFT JOIN LATERAL (SELECT id, number, fingerprint FROM reporting_releases x"
            "  WHERE x.federation_id = k.federation_id AND x.year = k.year"
            "  ORDER BY x.number DESC LIMIT 1) r ON true"
            f" {where} ORDER BY k.federation_id, k.year"
        ),
        {"f": list(federation_ids or [])},
    ).all()


def fingerprint(rules: Rules, named: frozenset[int], consent: frozenset[int], centres: int) -> str:
    text_ = f"{rules.fingerprint()}|named:{sorted(named)}|consent:{sorted(consent)}|n:{centres}"
    return hashlib.sha256(text_.encode()).hexdigest()[:32]


def _counts(conn, keys) -> dict[tuple[int, int], int]:
    if not keys:
        return {}
    return {
        (f, y): n
        for f, y, n in conn.execute(
            text(
                "SELECT federation_id, year, count(*) FROM reporting_declarations"
                " WHERE status = 'validated' AND (federation_id, year) IN"
                " (SELECT * FROM unnest(CAST(:f AS bigint[]), CAST(:y AS smallint[])))"
                " GROUP BY federation_id, year"
            ),
            {"f": [k[0] for k in keys], "y": [k[1] for k in keys]},
        )
    }


def load(conn: Connection, federation_ids: Sequence[int] | None, rules: Rules, *,
         force: bool = False) -> list[_Source]:  # fmt: skip
    """The closed campaigns that need a (new) release: none yet, or what readers know
    or the rules changed since — unless exactly these inputs were refused already."""
    listed = closed_campaigns(conn, federation_ids)
    keys = [(r.federation_id, r.year) for r in listed]
    known = data.named(conn, keys)
    consent = data.consenting(conn, keys)
    counts = _counts(conn, keys)
    sources = []
    cleared: list[tuple[int, int]] = []
    for r in listed:
        key = (r.federation_id, r.year)
        fp = fingerprint(
            rules, known.get(key, frozenset()), consent.get(key, frozenset()), counts.get(key, 0)
        )
        stale = r.current is None or r.fingerprint != fp
        if force or (stale and fp != r.refused_fingerprint):
            sources.append(_Source(r.federation_id, r.year, fp, r.number))
        elif not stale and r.refused_fingerprint:
            # The inputs are back to those of the release in line (an agreement
            # withdrawn, the rules restored): the refusal notice no longer applies.
            cleared.append(key)
    for f, y in cleared:
        conn.execute(
            text(
                "UPDATE reporting_campaigns SET refused_fingerprint = '', refused_reason = '',"
                " refused_at = NULL WHERE federation_id = :f AND year = :y"
            ),
            {"f": f, "y": y},
        )
    return sources


def _attach_panels(loaded: data.Loaded, changed_codes) -> None:
    """Panels already published on each campaign's figures — its own changes against
    the year before, and the next year's change against it: facts for the engine."""
    index = {k: i for i, k in enumerate(loaded.keys)}
    panels: dict[int, dict[str, list[frozenset[int]]]] = defaultdict(lambda: defaultdict(list))
    for (f, y), codes in changed_codes.items():
        now, before = index.get((f, y)), index.get((f, y - 1))
        if now is None or before is None:
            continue
        for code in codes:
            declared_now = frozenset(loaded.totals(now, code))
            declared_before = frozenset(loaded.totals(before, code))
            panel = declared_now & declared_before
            # A panel of every centre of a year adds nothing to its published total.
            if panel != declared_now:
                panels[now][code].append(panel)
            if panel != declared_before:
                panels[before][code].append(panel)
    for i, campaign in enumerate(loaded.campaigns):
        campaign.panels = dict(panels.get(i, {}))


@dataclass
class Decided:
    """The engine's decision for one campaign."""

    cells: Cells
    refused: bool = False
    detail: str = ""


def decide(
    campaigns: list[Campaign], rules: Rules, columns: Columns | None = None
) -> tuple[list[Decided], dict]:
    """Run the engine on `campaigns`; cells and verdict for each."""
    columns = columns if columns is not None else columns_of(campaigns)
    decision = engine.decide(campaigns, columns, rules)
    parts: dict[int, list[Cells]] = defaultdict(list)
    out = [Decided(Cells.empty()) for _ in campaigns]
    for part in decision.parts:
        a, outcome = part.arrays, part.outcome
        failing = {int(a.b_campaign[a.r_block[f["row"]]]) for f in outcome.audit.failures}
        failing |= {int(a.b_campaign[a.r_block[r]]) for r in outcome.sensitive_published}
        for local in failing:
            d = out[part.campaigns[local]]
            d.refused = True
            d.detail += (
                f"{len(outcome.audit.failures)} LP failure(s);"
                f" {len(outcome.sensitive_published)} published row(s) now sensitive. "
            )
        for ci, cells in cell_io.of_part(part).items():
            parts[ci].append(cells)
    for ci, chunks in parts.items():
        out[ci].cells = Cells.concat(chunks)
    audit = decision.audit
    stats = {
        "targets": audit.targets,
        "certified": audit.certified,
        "lp": audit.lp_solves,
        "readers": audit.readers,
    }
    return out, stats


def refusal_reason(year: int, since: str) -> str:
    return french.typography(
        f"Publication des chiffres de {year} refusée : avec les chiffres déjà publiés"
        f" {since}, les chiffres que des centres ont accepté de montrer depuis permettraient"
        " d’approcher de trop près ceux d’un autre centre. La publication précédente reste"
        " en ligne ; ces centres ne sont pas nommés."
    )


def publish(
    conn: Connection,
    federation_ids: Sequence[int] | None,
    rules: Rules,
    *,
    run_ids: dict[int, int] | None = None,
    force: bool = False,
) -> list[Result]:
    """Publish every closed campaign of these federations (all with None) whose
    inputs changed since its last release, within `conn`'s transaction."""
    sources = load(conn, federation_ids, rules, force=force)
    if not sources:
        return []
    sources.sort(key=lambda s: (s.federation_id, s.year))
    publishing = {(s.federation_id, s.year) for s in sources}
    released = {
        (r.federation_id, r.year)
        for r in closed_campaigns(conn, sorted({s.federation_id for s in sources}))
        if r.current is not None
    }
    neighbours = [
        (f, y + d) for f, y in publishing for d in (-1, 1) if (f, y + d) in released | publishing
    ]
    keys = [(s.federation_id, s.year) for s in sources] + sorted(set(neighbours) - publishing)
    loaded = data.load(conn, keys)
    _rows, changed_codes = data.published_before(conn, keys)
    _attach_panels(loaded, changed_codes)
    n = len(sources)
    targets = loaded.campaigns[:n]
    columns = _subset_columns(loaded.columns, n)
    decided, stats = decide(targets, rules, columns)
    released = data.released_names(conn, [(s.federation_id, s.year) for s in sources])
    for i, (source, decision) in enumerate(zip(sources, decided, strict=True)):
        key = (source.federation_id, source.year)
        if decision.refused:
            decided[i] = (
                _without_new_names(targets[i], columns, i, released.get(key, frozenset()), rules)
                or decision
            )

    results: list[Result] = []
    accepted: dict[tuple[int, int], Decided] = {}
    for source, decision in zip(sources, decided, strict=True):
        key = (source.federation_id, source.year)
        if decision.refused:
            since = f"dans la publication nº {source.number}" if source.number else "auparavant"
            reason = refusal_reason(source.year, since)
            conn.execute(
                text(
                    "UPDATE reporting_campaigns SET refused_fingerprint = :fp,"
                    " refused_at = clock_timestamp(), refused_reason = :r"
                    " WHERE federation_id = :f AND year = :y"
                ),
                {"fp": source.fingerprint, "r": reason, "f": key[0], "y": key[1]},
            )
            results.append(
                Result(key[0], key[1], "refused", source.number, reason, decision.detail)
            )
        else:
            accepted[key] = decision

    changes = _changes(conn, accepted, loaded, rules)
    consent = data.consenting(conn, list(accepted))
    for source in sources:
        key = (source.federation_id, source.year)
        decision = accepted.get(key)
        if decision is None:
            continue
        campaign = loaded.campaigns[loaded.index(key)]
        release_id = conn.execute(
            text(
                "INSERT INTO reporting_releases (federation_id, year, number, published_at,"
                " run_id, centres, named_centre_ids, fingerprint, secret_cells, audited_cells,"
                " certified_cells, linear_programs, readers) VALUES (:f, :y, :n,"
                " clock_timestamp(), :run, :c, :named, :fp, :secret, :audited, :certified, :lp,"
                " :readers) RETURNING id"
            ),
            {
                "f": key[0],
                "y": key[1],
                "n": source.number + 1,
                "run": (run_ids or {}).get(key[0]),
                "c": len(campaign.centres),
                "named": sorted(consent.get(key, frozenset()) & campaign.named),
                "fp": source.fingerprint,
                "secret": decision.cells.secret_count,
                "audited": stats["targets"],
                "certified": stats["certified"],
                "lp": stats["lp"],
                "readers": stats["readers"],
            },
        ).scalar()
        cell_io.write(conn, release_id, key[0], key[1], decision.cells, changes.get(key, {}))
        conn.execute(
            text(
                "UPDATE reporting_campaigns SET refused_fingerprint = '', refused_reason = '',"
                " refused_at = NULL WHERE federation_id = :f AND year = :y"
            ),
            {"f": key[0], "y": key[1]},
        )
        results.append(
            Result(
                key[0],
                key[1],
                "published",
                source.number + 1,
                secret_cells=decision.cells.secret_count,
                cells=len(decision.cells),
                changes=len(changes.get(key, {})),
                waiting=len(consent.get(key, frozenset()) - campaign.named),
            )  # fmt: skip
        )
    return results


MAX_NAME_TRIES = 8


def _without_new_names(
    campaign: Campaign, columns: Columns, index: int, released: frozenset[int], rules: Rules
) -> Decided | None:
    """A refused campaign decided again without the centres that agreed to be named
    since its releases (they stay unknown to readers), then with each of them alone
    (in id order, the first `MAX_NAME_TRIES`), kept when the release still holds.
    Sets `campaign.named` to what the decision assumes. None: still refused."""
    new = sorted(campaign.named - released)
    if not new:
        return None
    own = columns.subset(columns.campaign == index)
    own.campaign = np.zeros(len(own.campaign), dtype=np.int64)
    own.measure_campaign = np.where(columns.measure_campaign == index, 0, -1)
    base = frozenset(campaign.named - set(new))

    def attempt(named: frozenset[int]) -> Decided | None:
        campaign.named = named
        [decision], _stats = decide([campaign], rules, own)
        return None if decision.refused else decision

    best = attempt(base)
    if best is None:
        campaign.named = base | set(new)
        return None
    for centre in new[:MAX_NAME_TRIES]:
        found = attempt(base | {centre})
        if found is not None:
            base, best = base | {centre}, found
    campaign.named = base
    return best


def _subset_columns(columns: Columns, n: int) -> Columns:
    """The columns of the first `n` campaigns (the others are neighbours, read for
    their year-on-year changes only)."""
    keep = columns.campaign < n
    sub = columns.subset(keep)
    return sub


def _changes(
    conn, accepted, loaded: data.Loaded, rules
) -> dict[tuple[int, int], dict[str, Change]]:
    """Year-on-year changes of the network totals (see disclosure/changes.py), year by
    year: the year before is read from this run when it is published now, and a
    change published for it is a fact when the next one is checked."""
    index = {k: i for i, k in enumerate(loaded.keys)}
    previous = data.published_before(conn, [(f, y - 1) for f, y in accepted])[0]
    out: dict[tuple[int, int], dict[str, Change]] = defaultdict(dict)
    for year in sorted({k[1] for k in accepted}):
        candidates: list[tuple[tuple[int, int], Candidate]] = []
        for key, decision in accepted.items():
            f, y = key
            if y != year or (f, y - 1) not in index:
                continue
            now_i, before_i = index[key], index[(f, y - 1)]
            before = loaded.campaigns[before_i]
            now_rows = decision.cells.published_rows()
            if (f, y - 1) in accepted:
                prev_rows = accepted[(f, y - 1)].cells.published_rows()
            else:
                prev_rows = frozenset(previous.get((f, y - 1), ()))
            asked_before = {m.code for m in before.measures}
            for measure in loaded.campaigns[now_i].measures:
                top = (measure.code, TOTAL, STAR, STAR)
                if measure.network_only or measure.code not in asked_before:
                    continue
                if top not in now_rows or top not in prev_rows:
                    continue
                candidates.append(
                    (key, Candidate(
                        measure.code, loaded.campaigns[now_i], before,
                        _Lazy(loaded, now_i, measure.code), _Lazy(loaded, before_i, measure.code),
                        measure, now_rows, prev_rows,
                    ))
                )  # fmt: skip
        decided = decide_changes([c for _k, c in candidates], rules)
        for i, change in decided.items():
            key, candidate = candidates[i]
            out[key][change.code] = change
            declared = frozenset(candidate.now_values.totals())
            panel = declared & frozenset(candidate.before_values.totals())
            # Published now: a fact on this year's figures for the next year's check
            # (none when every centre of the year is in it: its total says as much).
            if panel != declared:
                candidate.now.panels = {**candidate.now.panels}
                candidate.now.panels.setdefault(change.code, []).append(panel)
    return out


class _Lazy(dict):
    """A campaign's figures of one indicator, read from the columns when needed: the
    totals always (the panel), every key only for the checks that need them."""

    def __init__(self, loaded: data.Loaded, ci: int, code: str):
        super().__init__()
        self.loaded, self.ci, self.code = loaded, ci, code
        self._totals: dict[int, float] | None = None
        self._filled = False

    def totals(self) -> dict[int, float]:
        if self._totals is None:
            self._totals = self.loaded.totals(self.ci, self.code)
        return self._totals

    def _fill(self) -> None:
        if not self._filled:
            self._filled = True
            self.update(self.loaded.figures(self.ci, self.code))

    def items(self):
        self._fill()
        return super().items()

    def __iter__(self):
        self._fill()
        return super().__iter__()


def audit_published(conn: Connection, federation_ids: Sequence[int] | None, rules: Rules):
    """Run the auditor on what the federations' releases published (all of them with
    None): the check a release passed, repeated on its own. Returns the Audit."""
    listed = [r for r in closed_campaigns(conn, federation_ids) if r.current is not None]
    keys = [(r.federation_id, r.year) for r in listed]
    loaded = data.load(conn, keys)
    _rows, changed_codes = data.published_before(conn, keys)
    _attach_panels(loaded, changed_codes)
    return engine.audit_published(loaded.campaigns, loaded.columns, rules)
