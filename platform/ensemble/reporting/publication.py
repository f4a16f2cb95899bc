"""Publishing closed campaigns: statistical disclosure control, then a release.

Decision (README, « Secret statistique »): a campaign's figures are published only
once its federation closes it, and no declaration of that year may be submitted
or validated afterwards (a database trigger). The published set of centres is
frozen, so two releases of a campaign never differ by a centre. A campaign is
published again only when what readers know changes (a centre agrees to be
named) or the rules change; every earlier release of the campaign stays a fact
for the auditor (what was published cannot be taken back), and a release that
would let a reader narrow a hidden figure is refused: the previous one stays.

Runs on the reporting role inside the consolidation's transaction: the release
and the consolidated cells are committed together, or neither.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from sqlalchemy import Connection, text

from ensemble.kernel import french
from ensemble.reporting.disclosure import engine
from ensemble.reporting.disclosure.changes import Candidate, Change, decide_changes
from ensemble.reporting.disclosure.model import (
    PARTS,
    STAR,
    TOTAL,
    Campaign,
    Columns,
    Measure,
    Place,
)
from ensemble.reporting.disclosure.rules import Rules

BREAKDOWNS = {
    "": ("",),
    "sex": ("", "femmes", "hommes"),
    "age": ("", "0-17", "18-25", "26-59", "60+"),
}


@dataclass
class Result:
    """What happened to one campaign."""

    federation_id: int
    year: int
    status: str  # "published", "refused", "unchanged"
    number: int = 0
    reason: str = ""  # French, shown to the federation (never a figure)
    detail: str = ""  # technical
    secret_cells: int = 0
    cells: int = 0
    changes: int = 0


@dataclass
class _Source:
    """A campaign as read from the database."""

    federation_id: int
    year: int
    fingerprint: str
    refused_fingerprint: str
    current: int | None  # current release id
    number: int  # current release number (0 if none)
    named: frozenset[int]
    campaign: Campaign | None = None
    published_rows: frozenset = frozenset()  # rows published by earlier releases
    changes_before: set[str] = field(default_factory=set)  # codes whose change vs Y−1 was published


def _measures(conn: Connection, year: int, cooperation: Iterable[tuple[str, str]]) -> list[Measure]:
    rows = conn.execute(
        text(
            "SELECT code, breakdown, unit, counts_people FROM reporting_indicators"
            " WHERE first_year <= :y AND (last_year IS NULL OR last_year >= :y) ORDER BY position"
        ),
        {"y": year},
    ).all()
    measures = [
        Measure(r.code, BREAKDOWNS[r.breakdown], bool(r.counts_people), r.unit == "count")
        for r in rows
    ]
    known = {m.code for m in measures}
    measures += [
        Measure(code, ("",), False, unit == "count", network_only=True)
        for code, unit in sorted(set(cooperation))
        if code not in known
    ]
    return measures


def closed_campaigns(conn: Connection, federation_ids: Sequence[int] | None) -> list[tuple]:
    where = "" if federation_ids is None else "WHERE k.federation_id = ANY(:f)"
    return conn.execute(
        text(
            "SELECT k.federation_id, k.year, k.refused_fingerprint,"
            " (SELECT r.id FROM reporting_releases r WHERE r.federation_id = k.federation_id"
            "  AND r.year = k.year ORDER BY r.number DESC LIMIT 1) AS current,"
            " (SELECT coalesce(max(r.number), 0) FROM reporting_releases r"
            "  WHERE r.federation_id = k.federation_id AND r.year = k.year) AS number,"
            " (SELECT r.fingerprint FROM reporting_releases r WHERE r.federation_id ="
            "  k.federation_id AND r.year = k.year ORDER BY r.number DESC LIMIT 1) AS fingerprint"
            f" FROM reporting_campaigns k {where} ORDER BY k.federation_id, k.year"
        ),
        {"f": list(federation_ids or [])},
    ).all()


def _named(conn: Connection, keys: list[tuple[int, int]]) -> dict[tuple[int, int], frozenset[int]]:
    """Centres known to every reader in each campaign: those that agree to be named
    now, and those a release named before (what was published stays known)."""
    out: dict[tuple[int, int], set[int]] = defaultdict(set)
    if not keys:
        return {}
    params = {"f": [k[0] for k in keys], "y": [k[1] for k in keys]}
    scope = (
        "(federation_id, year) IN"
        " (SELECT * FROM unnest(CAST(:f AS bigint[]), CAST(:y AS smallint[])))"
    )
    for f, y, c in conn.execute(
        text(
            "SELECT federation_id, year, centre_id FROM reporting_declarations"
            f" WHERE status = 'validated' AND share_centre_figures AND {scope}"
        ),
        params,
    ):
        out[(f, y)].add(c)
    for f, y, ids in conn.execute(
        text(f"SELECT federation_id, year, named_centre_ids FROM reporting_releases WHERE {scope}"),
        params,
    ):
        out[(f, y)].update(ids or [])
    return {k: frozenset(v) for k, v in out.items()}


def fingerprint(
    rules: Rules, named: frozenset[int], consenting: frozenset[int], centres: int
) -> str:
    text_ = f"{rules.fingerprint()}|named:{sorted(named)}|consent:{sorted(consenting)}|n:{centres}"
    return hashlib.sha256(text_.encode()).hexdigest()[:32]


def _coalitions(conn: Connection, federation_ids: list[int]) -> dict[int, list[frozenset[int]]]:
    """Groups of centres one reader knows together: the centres of one employer, and
    the centres where one person works (director or staff)."""
    out: dict[int, set[frozenset[int]]] = defaultdict(set)
    for f, ids in conn.execute(
        text(
            "SELECT federation_id, array_agg(id ORDER BY id) FROM centres"
            " WHERE federation_id = ANY(:f) GROUP BY federation_id, employer_id HAVING count(*) > 1"
        ),
        {"f": federation_ids},
    ):
        out[f].add(frozenset(ids))
    for f, ids in conn.execute(
        text(
            "SELECT c.federation_id, array_agg(DISTINCT c.id) FROM memberships m"
            " JOIN centres c ON c.id = m.centre_id WHERE c.federation_id = ANY(:f)"
            " AND m.role IN ('director', 'staff') GROUP BY c.federation_id, m.user_id"
            " HAVING count(DISTINCT c.id) > 1"
        ),
        {"f": federation_ids},
    ):
        out[f].add(frozenset(ids))
    return {f: sorted(groups, key=sorted) for f, groups in out.items()}


def _figures(conn: Connection, keys: list[tuple[int, int]]):
    """Validated figures (and cooperation figures) of the campaigns, as columns."""
    params = {"f": [k[0] for k in keys], "y": [k[1] for k in keys]}
    scope = "SELECT * FROM unnest(CAST(:f AS bigint[]), CAST(:y AS smallint[]))"
    declared = conn.execute(
        text(
            "SELECT d.federation_id, d.year, v.centre_id, v.indicator_code, v.breakdown_key,"
            " v.value FROM reporting_values v JOIN reporting_declarations d"
            " ON d.id = v.declaration_id AND d.status = 'validated'"
            f" WHERE (d.federation_id, d.year) IN ({scope})"
        ),
        params,
    ).all()
    cooperation = conn.execute(
        text(
            "SELECT k.federation_id, k.year, k.centre_id, k.code, '' AS key, k.value, k.unit"
            " FROM reporting_cooperation k JOIN reporting_declarations d"
            " ON d.centre_id = k.centre_id AND d.year = k.year AND d.status = 'validated'"
            f" WHERE (k.federation_id, k.year) IN ({scope})"
        ),
        params,
    ).all()
    return declared, cooperation


def _published_before(conn: Connection, keys: list[tuple[int, int]]):
    """Rows every earlier release of the campaigns published, and the codes whose
    change was published: (federation, year) -> (rows, codes)."""
    rows: dict[tuple[int, int], set] = defaultdict(set)
    codes: dict[tuple[int, int], set[str]] = defaultdict(set)
    if not keys:
        return rows, codes
    params = {"f": [k[0] for k in keys], "y": [k[1] for k in keys]}
    for f, y, code, key, dep, city, change in conn.execute(
        text(
            "SELECT federation_id, year, indicator_code, breakdown_key, departement, city,"
            " change IS NOT NULL FROM reporting_published WHERE NOT secret AND"
            " (federation_id, year) IN (SELECT * FROM unnest(CAST(:f AS bigint[]),"
            " CAST(:y AS smallint[])))"
        ),
        params,
    ):
        rows[(f, y)].add((code, TOTAL if key == "" else PARTS, dep, city))
        if change:
            codes[(f, y)].add(code)
    return rows, codes


def load(conn: Connection, federation_ids: Sequence[int] | None, rules: Rules, *,
         force: bool = False) -> list[_Source]:  # fmt: skip
    """The closed campaigns that need a (new) release, built for the engine."""
    listed = closed_campaigns(conn, federation_ids)
    keys = [(r.federation_id, r.year) for r in listed]
    named = _named(conn, keys)
    consent = _named_now(conn, keys)
    counts = _counts(conn, keys)
    sources = []
    for r in listed:
        key = (r.federation_id, r.year)
        fp = fingerprint(
            rules, named.get(key, frozenset()), consent.get(key, frozenset()), counts.get(key, 0)
        )
        stale = r.current is None or r.fingerprint != fp
        if not force and (not stale or fp == r.refused_fingerprint):
            continue
        sources.append(
            _Source(
                r.federation_id,
                r.year,
                fp,
                r.refused_fingerprint,
                r.current,
                r.number,
                named.get(key, frozenset()),
            )  # fmt: skip
        )
    return sources


def _named_now(conn, keys) -> dict[tuple[int, int], frozenset[int]]:
    out: dict[tuple[int, int], set[int]] = defaultdict(set)
    if not keys:
        return {}
    for f, y, c in conn.execute(
        text(
            "SELECT federation_id, year, centre_id FROM reporting_declarations"
            " WHERE status = 'validated' AND share_centre_figures AND (federation_id, year) IN"
            " (SELECT * FROM unnest(CAST(:f AS bigint[]), CAST(:y AS smallint[])))"
        ),
        {"f": [k[0] for k in keys], "y": [k[1] for k in keys]},
    ):
        out[(f, y)].add(c)
    return {k: frozenset(v) for k, v in out.items()}


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


def _campaigns(conn: Connection, sources: list[_Source], extra: list[tuple[int, int]]):
    """Campaign objects and their figures as engine columns, for `sources` and for
    the `extra` campaigns (years before, for the changes)."""
    keys = [(s.federation_id, s.year) for s in sources] + [k for k in extra]
    keys = list(dict.fromkeys(keys))
    federations = sorted({k[0] for k in keys})
    places = {
        cid: Place(dep or "", city or "")
        for cid, dep, city in conn.execute(
            text("SELECT id, left(postcode, 2), city FROM centres WHERE federation_id = ANY(:f)"),
            {"f": federations},
        )
    }
    coalitions = _coalitions(conn, federations)
    declared, cooperation = _figures(conn, keys)
    named = _named(conn, keys)
    before_rows, before_codes = _published_before(conn, keys)
    by_key_values: dict[tuple[int, int], list] = defaultdict(list)
    coop_codes: dict[tuple[int, int], set[tuple[str, str]]] = defaultdict(set)
    for f, y, c, code, key, value in declared:
        by_key_values[(f, y)].append((c, code, key, float(value)))
    for f, y, c, code, key, value, unit in cooperation:
        by_key_values[(f, y)].append((c, code, key, float(value)))
        coop_codes[(f, y)].add((code, unit))
    campaigns: dict[tuple[int, int], Campaign] = {}
    values: dict[tuple[int, int], dict] = {}
    for key in keys:
        f, y = key
        figures = {(c, code, k): v for c, code, k, v in by_key_values.get(key, [])}
        centres = {c for c, _code, _k in figures}
        campaigns[key] = Campaign(
            federation_id=f,
            year=y,
            centres={c: places[c] for c in centres if c in places},
            measures=_measures(conn, y, coop_codes.get(key, ())),
            values=figures,
            named=named.get(key, frozenset()),
            coalitions=coalitions.get(f, []),
            published_before=frozenset(before_rows.get(key, ())),
        )
        values[key] = figures
    return campaigns, values, before_codes


def _panel(values_now: dict, values_before: dict, code: str) -> frozenset[int]:
    now = {c for c, k, key in values_now if k == code and key == ""}
    before = {c for c, k, key in values_before if k == code and key == ""}
    return frozenset(now & before)


def _columns(campaigns: list[Campaign]) -> Columns:
    from ensemble.reporting.disclosure.model import columns_of

    return columns_of(campaigns)


@dataclass
class Decided:
    """The engine's decision for one campaign, as cells."""

    cells: list[
        tuple[str, str, str, str, float, int, bool]
    ]  # code, key, dep, city, value, n, secret
    refused: bool = False
    reason: str = ""
    detail: str = ""


def decide(campaigns: list[Campaign], rules: Rules) -> tuple[list[Decided], dict]:
    """Run the engine on `campaigns`; cells and verdict for each."""
    decision = engine.decide(campaigns, _columns(campaigns), rules)
    out = [Decided([]) for _ in campaigns]
    for part in decision.parts:
        a, outcome = part.arrays, part.outcome
        failing = {int(a.b_campaign[a.r_block[f["row"]]]) for f in outcome.audit.failures}
        for row in outcome.sensitive_published:
            failing.add(int(a.b_campaign[a.r_block[row]]))
        for local in failing:
            d = out[part.campaigns[local]]
            d.refused = True
            d.detail += (
                f"{len(outcome.audit.failures)} LP failure(s);"
                f" {len(outcome.sensitive_published)} published row(s) now sensitive. "
            )
        present = np.argwhere(a.c_present & ~a.r_absent[:, None])
        for r, k in present:
            block = a.r_block[r]
            measure = a.b_measure[block]
            if k >= len(measure.keys):
                continue
            local = int(a.b_campaign[block])
            dep, city = a.place(int(r))
            secret = bool(outcome.hidden[r, TOTAL if k == 0 else PARTS])
            out[part.campaigns[local]].cells.append(
                (measure.code, measure.keys[k], dep, city, float(a.c_total[r, k]),
                 int(a.c_count[r, k]), secret)
            )  # fmt: skip
    stats = {
        "targets": decision.audit.targets,
        "certified": decision.audit.certified,
        "lp": decision.audit.lp_solves,
        "readers": decision.audit.readers,
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
    inputs changed since its last release. Flushes within `conn`'s transaction."""
    sources = load(conn, federation_ids, rules, force=force)
    if not sources:
        return []
    sources.sort(key=lambda s: (s.federation_id, s.year))
    # The year before each, when it has a release: its change may be published.
    released = {
        (r.federation_id, r.year)
        for r in closed_campaigns(conn, sorted({s.federation_id for s in sources}))
        if r.current is not None
    }
    extra = [
        (s.federation_id, s.year - 1) for s in sources if (s.federation_id, s.year - 1) in released
    ]
    campaigns, values, changed_codes = _campaigns(conn, sources, extra)
    # Panels already published on each campaign's figures (its own changes vs the year
    # before, and the following year's change vs this one): facts for the engine.
    for key, campaign in campaigns.items():
        f, y = key
        panels: dict[str, list[frozenset[int]]] = defaultdict(list)
        for code in changed_codes.get(key, set()):
            before = values.get((f, y - 1))
            if before is not None:
                panels[code].append(_panel(values[key], before, code))
        campaign.panels = dict(panels)
    targets = [campaigns[(s.federation_id, s.year)] for s in sources]
    decided, stats = decide(targets, rules)

    results = []
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
            continue
        accepted[key] = decision

    changes = _changes(conn, accepted, campaigns, values, rules)
    for source in sources:
        key = (source.federation_id, source.year)
        decision = accepted.get(key)
        if decision is None:
            continue
        campaign = campaigns[key]
        number = source.number + 1
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
                "n": number,
                "run": (run_ids or {}).get(key[0]),
                "c": len(campaign.centres),
                "named": sorted(_named_now_of(conn, key)),
                "fp": source.fingerprint,
                "secret": sum(1 for c in decision.cells if c[6]),
                "audited": stats["targets"],
                "certified": stats["certified"],
                "lp": stats["lp"],
                "readers": stats["readers"],
            },
        ).scalar()
        _write_cells(conn, release_id, key, decision.cells, changes.get(key, {}))
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
                number,
                secret_cells=sum(1 for c in decision.cells if c[6]),
                cells=len(decision.cells),
                changes=len(changes.get(key, {})),
            )  # fmt: skip
        )
    return results


def _named_now_of(conn, key) -> frozenset[int]:
    return _named_now(conn, [key]).get(key, frozenset())


def _rows_of(decision: Decided) -> frozenset:
    return frozenset(
        (code, TOTAL if k == "" else PARTS, dep, city)
        for code, k, dep, city, _v, _n, secret in decision.cells
        if not secret
    )


def _changes(conn, accepted, campaigns, values, rules) -> dict[tuple[int, int], dict[str, Change]]:
    """Year-on-year changes of the network totals (see disclosure/changes.py), year by
    year: the year before is read from this run when it is published now, and a
    change published for it is a fact when the next one is checked."""
    previous_published = _published_before(conn, [(k[0], k[1] - 1) for k in accepted])[0]
    out: dict[tuple[int, int], dict[str, Change]] = defaultdict(dict)
    for year in sorted({k[1] for k in accepted}):
        candidates: list[tuple[tuple[int, int], Candidate]] = []
        for key, decision in accepted.items():
            f, y = key
            if y != year or (f, y - 1) not in campaigns:
                continue
            before = campaigns[(f, y - 1)]
            now_rows = _rows_of(decision)
            if (f, y - 1) in accepted:
                prev_rows = _rows_of(accepted[(f, y - 1)])
            else:
                prev_rows = frozenset(previous_published.get((f, y - 1), ()))
            for measure in campaigns[key].measures:
                if measure.network_only:
                    continue
                top = (measure.code, TOTAL, STAR, STAR)
                if top not in now_rows or top not in prev_rows:
                    continue
                if not any(m.code == measure.code for m in before.measures):
                    continue
                candidates.append(
                    (key, Candidate(measure.code, campaigns[key], before, values[key],
                                    values[(f, y - 1)], measure, now_rows, prev_rows))
                )  # fmt: skip
        decided = decide_changes([c for _k, c in candidates], rules)
        for i, change in decided.items():
            key, candidate = candidates[i]
            out[key][change.code] = change
            # Published now: the panel is a fact on this year's figures for the next.
            panel = _panel(values[key], values[(key[0], key[1] - 1)], change.code)
            campaigns[key].panels.setdefault(change.code, []).append(panel)
    return out


def _write_cells(conn, release_id, key, cells, changes: dict[str, Change]) -> None:
    """One INSERT … SELECT FROM unnest(arrays) for the whole release (COPY is refused
    under row-level security; one statement keeps the round trips to one)."""
    f, y = key
    columns: dict[str, list] = defaultdict(list)
    for code, k, dep, city, value, n, secret in cells:
        change = changes.get(code) if (k == "" and dep == STAR and city == STAR) else None
        columns["code"].append(code)
        columns["key"].append(k)
        columns["dep"].append(dep)
        columns["city"].append(city)
        columns["value"].append(None if secret else Decimal(str(value)).quantize(Decimal("0.01")))
        columns["n"].append(n)
        columns["secret"].append(secret)
        columns["change"].append(None if change is None else change.percent)
        columns["change_n"].append(None if change is None else change.centres)
    conn.execute(
        text(
            "INSERT INTO reporting_published (release_id, federation_id, year, indicator_code,"
            " breakdown_key, departement, city, value, centres, secret, change, change_centres)"
            " SELECT :r, :f, :y, c.* FROM unnest(CAST(:code AS text[]), CAST(:key AS text[]),"
            " CAST(:dep AS text[]), CAST(:city AS text[]), CAST(:value AS numeric[]),"
            " CAST(:n AS int[]), CAST(:secret AS boolean[]), CAST(:change AS numeric[]),"
            " CAST(:change_n AS int[])) AS c"
        ),
        {"r": release_id, "f": f, "y": y, **columns},
    )
