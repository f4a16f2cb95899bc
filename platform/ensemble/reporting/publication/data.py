"""Reading campaigns for the disclosure engine: columns, not Python objects.

Every validated figure of the campaigns comes in one query, as integers and a
float per row (the campaign, the centre, the indicator and the breakdown key as
positions in lists known here), and goes straight into the engine's columns:
national scale is about a million figures, and a Python object per figure would
cost more than the whole audit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, text

from ensemble.reporting.disclosure.model import (
    PARTS,
    TOTAL,
    Campaign,
    Columns,
    Measure,
    Place,
)
from ensemble.sharing.cooperation import PEOPLE_COUNTS

BREAKDOWNS = {
    "": ("",),
    "sex": ("", "femmes", "hommes"),
    "age": ("", "0-17", "18-25", "26-59", "60+"),
}
KEYS = ("", "femmes", "hommes", "0-17", "18-25", "26-59", "60+")
SCOPE = "SELECT * FROM unnest(CAST(:f AS bigint[]), CAST(:y AS smallint[]), CAST(:i AS int[]))"


def _scope(keys: Sequence[tuple[int, int]]) -> dict:
    return {
        "f": [k[0] for k in keys],
        "y": [k[1] for k in keys],
        "i": list(range(len(keys))),
    }


@dataclass
class Loaded:
    """Campaigns (metadata), their figures as columns, and quick access by
    (campaign, indicator) for the year-on-year changes."""

    keys: list[tuple[int, int]]
    campaigns: list[Campaign]
    columns: Columns
    measure_of: dict[tuple[int, str], int]  # (campaign index, code) -> measure index
    _order: np.ndarray | None = None
    _starts: dict[int, tuple[int, int]] = field(default_factory=dict)

    def index(self, key: tuple[int, int]) -> int:
        return self.keys.index(key)

    def _slice(self, ci: int, code: str) -> np.ndarray:
        m = self.measure_of.get((ci, code))
        if m is None:
            return np.zeros(0, dtype=np.int64)
        if self._order is None:
            self._order = np.argsort(self.columns.measure, kind="stable")
            sorted_measures = self.columns.measure[self._order]
            uniq, first, counts = np.unique(sorted_measures, return_index=True, return_counts=True)
            self._starts = {
                int(u): (int(f), int(f + c)) for u, f, c in zip(uniq, first, counts, strict=True)
            }
        lo, hi = self._starts.get(m, (0, 0))
        return self._order[lo:hi]

    def totals(self, ci: int, code: str) -> dict[int, float]:
        """Centre -> total declared for `code` in campaign `ci`."""
        rows = self._slice(ci, code)
        rows = rows[self.columns.key[rows] == 0]
        return dict(
            zip(self.columns.centre[rows].tolist(), self.columns.value[rows].tolist(), strict=True)
        )

    def figures(self, ci: int, code: str) -> dict[tuple[int, str, str], float]:
        """(centre, code, key) -> value for `code` in campaign `ci` (every key)."""
        rows = self._slice(ci, code)
        m = self.measure_of[(ci, code)]
        keys = self.columns.measures[m].keys
        return {
            (int(c), code, keys[int(k)]): float(v)
            for c, k, v in zip(
                self.columns.centre[rows], self.columns.key[rows], self.columns.value[rows],
                strict=True,
            )
        }  # fmt: skip


def catalogue(conn: Connection) -> dict[int, list[Measure]]:
    """Measures asked each year (a function of the year, read once)."""
    rows = conn.execute(
        text(
            "SELECT code, breakdown, unit, counts_people, first_year, last_year,"
            " max_value::float8 AS max_value FROM reporting_indicators ORDER BY position"
        )
    ).all()

    def of_year(year: int) -> list[Measure]:
        return [
            Measure(
                r.code,
                BREAKDOWNS[r.breakdown],
                bool(r.counts_people),
                r.unit == "count",
                upper=r.max_value,
            )  # fmt: skip
            for r in rows
            if r.first_year <= year and (r.last_year is None or r.last_year >= year)
        ]

    return defaultdict(list, {y: of_year(y) for y in range(2000, 2101)})


def coalitions(conn: Connection, federation_ids: list[int]) -> dict[int, list[frozenset[int]]]:
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


def named(conn: Connection, keys: list[tuple[int, int]]) -> dict[tuple[int, int], frozenset[int]]:
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


def released_names(
    conn: Connection, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], frozenset[int]]:
    """Centres some release of each campaign named (known to every reader since)."""
    out: dict[tuple[int, int], set[int]] = defaultdict(set)
    if not keys:
        return {}
    for f, y, ids in conn.execute(
        text(
            "SELECT federation_id, year, named_centre_ids FROM reporting_releases"
            " WHERE (federation_id, year) IN"
            " (SELECT * FROM unnest(CAST(:f AS bigint[]), CAST(:y AS smallint[])))"
        ),
        {"f": [k[0] for k in keys], "y": [k[1] for k in keys]},
    ):
        out[(f, y)].update(ids or [])
    return {k: frozenset(v) for k, v in out.items()}


def consenting(
    conn: Connection, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], frozenset[int]]:
    """Centres that agree to be named now (validated declarations)."""
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


def published_before(conn: Connection, keys: list[tuple[int, int]]):
    """Rows every release of the campaigns published, and the codes whose change was
    published: (federation, year) -> (rows, codes)."""
    rows: dict[tuple[int, int], set] = defaultdict(set)
    codes: dict[tuple[int, int], set[str]] = defaultdict(set)
    if not keys:
        return rows, codes
    for f, y, code, key, dep, city, change in _fetch(
        conn,
        (
            "SELECT federation_id, year, indicator_code, breakdown_key, departement, city,"
            " change IS NOT NULL FROM reporting_published WHERE NOT secret AND"
            " (federation_id, year) IN (SELECT * FROM unnest(CAST(:f AS bigint[]),"
            " CAST(:y AS smallint[])))"
        ),
        {"f": [k[0] for k in keys], "y": [k[1] for k in keys]},
    ):
        rows[(f, y)].add((code, TOTAL if key == "" else PARTS, dep, city))
        if change:
            codes[(f, y)].add(code)
    return rows, codes


def _fetch(conn: Connection, sql: str, params: dict) -> list[tuple]:
    """Rows as plain tuples from the driver (a million of them: no Row objects),
    within the connection's transaction."""
    import re

    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def load(conn: Connection, keys: list[tuple[int, int]], *, with_history: bool = True) -> Loaded:
    """The campaigns `keys` (federation, year), frozen as their declarations are."""
    keys = list(dict.fromkeys(keys))
    federations = sorted({k[0] for k in keys})
    places = {
        cid: Place(dep or "", city or "")
        for cid, dep, city in conn.execute(
            text("SELECT id, left(postcode, 2), city FROM centres WHERE federation_id = ANY(:f)"),
            {"f": federations},
        )
    }
    years = catalogue(conn)
    cooperation = conn.execute(
        text(
            "SELECT DISTINCT k.federation_id, k.year, k.code, k.unit FROM reporting_cooperation k"
            f" WHERE (k.federation_id, k.year) IN (SELECT f, y FROM ({SCOPE}) s(f, y, i))"
        ),
        _scope(keys),
    ).all()
    coop_of: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    for f, y, code, unit in cooperation:
        coop_of[(f, y)].append((code, unit))
    # Measures: each campaign's catalogue, then its cooperation figures.
    measures: list[Measure] = []
    measure_campaign: list[int] = []
    measure_of: dict[tuple[int, str], int] = {}
    per_campaign: list[list[Measure]] = []
    for ci, (f, y) in enumerate(keys):
        listed = list(years[y])
        codes = {m.code for m in listed}
        listed += [
            Measure(code, ("",), code in PEOPLE_COUNTS, unit == "count", network_only=True)
            for code, unit in sorted(coop_of.get((f, y), []))
            if code not in codes
        ]
        per_campaign.append(listed)
        for m in listed:
            measure_of[(ci, m.code)] = len(measures)
            measures.append(m)
            measure_campaign.append(ci)
    all_codes = sorted({m.code for m in measures})
    code_index = {c: i for i, c in enumerate(all_codes)}
    # (campaign, code) -> measure; (measure, global key) -> local key.
    table = np.full((len(keys), len(all_codes)), -1, dtype=np.int64)
    for (ci, code), m in measure_of.items():
        table[ci, code_index[code]] = m
    key_table = np.full((max(len(measures), 1), len(KEYS)), -1, dtype=np.int64)
    for m, measure in enumerate(measures):
        for k, key in enumerate(measure.keys):
            key_table[m, KEYS.index(key)] = k

    params = {**_scope(keys), "codes": all_codes, "keys": list(KEYS)}
    declared = _fetch(
        conn,
        (
            "SELECT s.i, v.centre_id, array_position(CAST(:codes AS text[]), v.indicator_code),"
            " array_position(CAST(:keys AS text[]), v.breakdown_key), v.value::float8"
            " FROM reporting_values v JOIN reporting_declarations d"
            " ON d.id = v.declaration_id AND d.status = 'validated'"
            f" JOIN ({SCOPE}) s(f, y, i) ON d.federation_id = s.f AND d.year = s.y"
        ),
        params,
    )
    shared = _fetch(
        conn,
        (
            "SELECT s.i, k.centre_id, array_position(CAST(:codes AS text[]), k.code), 1,"
            " k.value::float8 FROM reporting_cooperation k JOIN reporting_declarations d"
            " ON d.centre_id = k.centre_id AND d.year = k.year AND d.status = 'validated'"
            f" JOIN ({SCOPE}) s(f, y, i) ON k.federation_id = s.f AND k.year = s.y"
        ),
        params,
    )
    data = np.array(declared + shared, dtype=float).reshape(-1, 5)
    ok = ~np.isnan(data[:, 2]) & ~np.isnan(data[:, 3])
    data = data[ok]
    ci = data[:, 0].astype(np.int64)
    measure = table[ci, data[:, 2].astype(np.int64) - 1]
    valid = measure >= 0
    key = np.where(valid, key_table[np.maximum(measure, 0), data[:, 3].astype(np.int64) - 1], -1)
    valid &= key >= 0
    columns = Columns(
        campaign=ci[valid],
        measure=measure[valid],
        centre=data[valid, 1].astype(np.int64),
        key=key[valid],
        value=data[valid, 4],
        measures=measures,
        measure_campaign=np.array(measure_campaign, dtype=np.int64),
        places=places,
    )
    # Campaign objects: their centres, what readers know, what was published.
    declaring: dict[int, set[int]] = defaultdict(set)
    pairs_ = np.unique(columns.campaign * (1 << 31) + columns.centre)
    for c_idx, centre in zip(
        (pairs_ >> 31).tolist(), (pairs_ & ((1 << 31) - 1)).tolist(), strict=True
    ):
        declaring[c_idx].add(centre)
    known = named(conn, keys)
    groups = coalitions(conn, federations)
    before_rows, _codes = published_before(conn, keys) if with_history else ({}, {})
    campaigns = [
        Campaign(
            federation_id=f,
            year=y,
            centres={c: places[c] for c in declaring.get(i, ()) if c in places},
            measures=per_campaign[i],
            named=known.get((f, y), frozenset()),
            coalitions=groups.get(f, []),
            published_before=frozenset(before_rows.get((f, y), ())),
        )
        for i, (f, y) in enumerate(keys)
    ]
    return Loaded(keys, campaigns, columns, measure_of)
