"""What the disclosure engine works on: the campaigns to publish, as flat arrays.

A *campaign* is one federation's validated declarations of one year (frozen once
the campaign is closed). A *block* is one indicator of one campaign: its cells are
the territories (network, départements, cities) × the breakdown keys (total,
women, men…). Blocks are independent of one another — nothing published adds up
two indicators or two years — except through the facts a block records: what
earlier releases published, and the sums over the centres that declared two
years in a row behind a published year-on-year change (*panels*). So the engine
builds and solves any set of blocks apart from the others (`engine.py` cuts the
work into chunks).

A *row* is one territory of one block; its cells are published or kept secret
per *layer*: the total (layer 0) or the breakdown (layer 1, every part together).
An *entry* is one centre's figures in one block. An *atom* groups the entries of
one city that the same moves can shift: same signature (membership of the
block's panels) and same pattern (full breakdown, total only, other).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

STAR = "*"
NETWORK, DEPARTEMENT, CITY = 0, 1, 2
TOTAL, PARTS = 0, 1
FULL, TOTAL_ONLY, OTHER = 0, 1, 2  # entry patterns
TOP = 4  # largest unknown contributors kept per cell (readers who know several centres)
MAX_PANELS = 2  # a year is compared with the year before and the year after
NCLASS = 3 << MAX_PANELS  # signature × pattern
SHIFT = 1 << 31


@dataclass(frozen=True)
class Measure:
    """An indicator as the engine needs it."""

    code: str
    keys: tuple[str, ...] = ("",)  # the total first, then the parts
    counts_people: bool = False
    integer: bool = False  # counts: intervals are rounded to whole numbers
    network_only: bool = False  # cooperation figures: published for the network only
    # The most one centre may declare for each key (the catalogue's maximum; 1 for a
    # yes-or-no question): every reader knows it, so the auditor bounds each unknown
    # contribution by it. None: no maximum.
    upper: float | None = None

    @property
    def binary(self) -> bool:
        """A yes-or-no question counted as a number of centres (each answers 0 or 1)."""
        return self.integer and self.upper == 1 and len(self.keys) == 1

    @property
    def bound(self) -> float:
        return math.inf if self.upper is None else float(self.upper)


@dataclass(frozen=True)
class Place:
    departement: str
    city: str


@dataclass
class Campaign:
    """One federation's frozen figures of one year, and what readers know of them."""

    federation_id: int
    year: int
    centres: dict[int, Place]
    measures: Sequence[Measure]
    # (centre_id, code, key) -> value (or give the figures as `Columns` to `build`)
    values: dict[tuple[int, str, str], float] = field(default_factory=dict)
    # Centres whose figures every reader knows (named with their consent, now or before).
    named: frozenset[int] = frozenset()
    # Groups of centres one person or one employer reads together (two or more).
    coalitions: Sequence[frozenset[int]] = ()
    # Rows published by an earlier release of this campaign: (code, layer, dep, city).
    published_before: frozenset[tuple[str, int, str, str]] = frozenset()
    # code -> centre sets whose sum of totals is published (year-on-year changes).
    panels: dict[str, list[frozenset[int]]] = field(default_factory=dict)


@dataclass
class Columns:
    """Every figure to build from, one array per column: the form the database gives
    them in (`columns_of` makes them from campaigns that carry mappings)."""

    campaign: np.ndarray  # index into the campaigns
    measure: np.ndarray  # index into `measures`
    centre: np.ndarray
    key: np.ndarray  # index into the measure's keys
    value: np.ndarray
    measures: list[Measure]
    measure_campaign: np.ndarray  # the campaign each measure belongs to
    places: dict[int, Place]

    def subset(self, keep: np.ndarray) -> Columns:
        return Columns(
            self.campaign[keep],
            self.measure[keep],
            self.centre[keep],
            self.key[keep],
            self.value[keep],
            self.measures,
            self.measure_campaign,
            self.places,
        )


def columns_of(campaigns: Sequence[Campaign]) -> Columns:
    measures: list[Measure] = []
    measure_campaign: list[int] = []
    index: dict[tuple[int, str], int] = {}
    places: dict[int, Place] = {}
    for ci, campaign in enumerate(campaigns):
        places.update(campaign.centres)
        for m in campaign.measures:
            index[(ci, m.code)] = len(measures)
            measures.append(m)
            measure_campaign.append(ci)
    rows = []
    for ci, campaign in enumerate(campaigns):
        for (centre_id, code, key), value in campaign.values.items():
            mi = index.get((ci, code))
            if mi is None or centre_id not in campaign.centres or key not in measures[mi].keys:
                continue
            rows.append((ci, mi, centre_id, measures[mi].keys.index(key), float(value)))
    data = np.array(rows, dtype=float).reshape(-1, 5)
    return Columns(
        campaign=data[:, 0].astype(np.int64),
        measure=data[:, 1].astype(np.int64),
        centre=data[:, 2].astype(np.int64),
        key=data[:, 3].astype(np.int64),
        value=data[:, 4],
        measures=measures,
        measure_campaign=np.array(measure_campaign, dtype=np.int64),
        places=places,
    )


def pairs(a, b) -> np.ndarray:
    """One int64 key per (a, b) pair of non-negative ints (b below 2**31)."""
    return np.asarray(a, dtype=np.int64) * SHIFT + np.asarray(b, dtype=np.int64)


class Segments:
    """Reductions of per-unit values into rows, for a fixed unit → row map."""

    def __init__(self, ids: np.ndarray, n: int):
        self.n = n
        self.order = np.argsort(ids, kind="stable")
        sorted_ids = ids[self.order]
        self.rows, self.starts = np.unique(sorted_ids, return_index=True)
        self.size = len(ids)

    def _reduce(self, ufunc, values, fill, compact):
        if compact:
            if not self.size:
                return np.zeros((0, *values.shape[1:]), dtype=values.dtype)
            return ufunc.reduceat(values[self.order], self.starts, axis=0)
        out = np.full((self.n, *values.shape[1:]), fill, dtype=values.dtype)
        if self.size:
            out[self.rows] = ufunc.reduceat(values[self.order], self.starts, axis=0)
        return out

    def sum(self, values, compact=False):
        """Per row (all `n`, or only `rows` when `compact`)."""
        return self._reduce(np.add, values, 0, compact)

    def max(self, values, fill=0.0, compact=False):
        return self._reduce(np.maximum, values, fill, compact)

    def min(self, values, fill=np.inf, compact=False):
        return self._reduce(np.minimum, values, fill, compact)

    def any(self, values, compact=False):
        return self._reduce(np.logical_or, values, False, compact)

    def unit_position(self) -> np.ndarray:
        """For each unit, the index of its row in `rows` (compact outputs)."""
        pos = np.empty(self.size, dtype=np.int64)
        seg = np.repeat(np.arange(len(self.starts)), np.diff(np.r_[self.starts, self.size]))
        pos[self.order] = seg
        return pos

    def top2(self, values, mask):
        """Per row and column: the largest masked value, the unit holding it (-1 if
        none), and the second largest."""
        v = np.where(mask[:, None], values, -np.inf)[self.order]
        top1 = np.full((self.n, v.shape[1]), -np.inf)
        arg = np.full((self.n, v.shape[1]), -1, dtype=np.int64)
        top2 = np.full((self.n, v.shape[1]), -np.inf)
        if self.size:
            best = np.maximum.reduceat(v, self.starts, axis=0)
            top1[self.rows] = best
            seg = np.repeat(np.arange(len(self.starts)), np.diff(np.r_[self.starts, self.size]))
            pos = np.arange(self.size)[:, None]
            at_best = (v == best[seg]) & (v > -np.inf)
            first = np.minimum.reduceat(np.where(at_best, pos, self.size), self.starts, axis=0)
            has = first < self.size
            units = np.where(has, self.order[np.minimum(first, self.size - 1)], -1)
            arg[self.rows] = units
            masked = np.where(pos == first[seg], -np.inf, v)
            top2[self.rows] = np.maximum.reduceat(masked, self.starts, axis=0)
        return np.maximum(top1, 0.0), arg, np.maximum(top2, 0.0)


@dataclass
class Arrays:
    """The blocks, rows, cells, entries and atoms of some campaigns (module docstring)."""

    campaigns: list[Campaign]
    K: int  # keys per block here (the widest breakdown, plus the total)
    # blocks
    b_campaign: np.ndarray
    b_measure: list[Measure]
    b_people: np.ndarray
    b_nkeys: np.ndarray
    b_max_coalition: np.ndarray  # size of the largest reader group (1: single centres)
    b_upper: np.ndarray  # the most one centre may declare (inf: no maximum)
    b_binary: np.ndarray  # yes-or-no questions
    # rows
    r_block: np.ndarray
    r_level: np.ndarray
    r_parent: np.ndarray  # city -> département row, département -> network row, network -> -1
    r_net: np.ndarray
    r_absent: np.ndarray  # territories not published at all (network-only blocks)
    r_dep_code: np.ndarray
    r_city_code: np.ndarray
    # cells: rows × keys
    c_present: np.ndarray
    c_total: np.ndarray
    c_count: np.ndarray
    c_top1: np.ndarray
    c_top2: np.ndarray
    c_unknown: np.ndarray  # part unknown to every reader (named centres excluded)
    c_unknown_count: np.ndarray
    c_utop: np.ndarray  # rows × keys × TOP: largest unknown contributions
    c_utop_id: np.ndarray  # their centres (-1 when fewer)
    # entries
    e_campaign: np.ndarray
    e_block: np.ndarray
    e_centre: np.ndarray
    e_row: np.ndarray  # city row
    e_sig: np.ndarray
    e_pattern: np.ndarray
    e_known: np.ndarray  # named: known to every reader
    e_values: np.ndarray  # entries × keys, NaN where not declared
    e_atom: np.ndarray
    # atoms
    a_row: np.ndarray
    a_sig: np.ndarray
    a_pattern: np.ndarray
    a_class: np.ndarray
    a_unknown: np.ndarray  # atoms × keys: sum of unknown entries
    a_count: np.ndarray  # atoms × keys: unknown entries with that key
    a_reader: np.ndarray  # atoms × keys: most one reader knows of it (a centre, a group)
    a_other: np.ndarray  # atoms × keys: unknown total − part (full entries), parts only
    a_other_reader: np.ndarray
    # atoms × keys, bounded blocks only (0 elsewhere): how far the unknown entries may
    # still rise before reaching the maximum (`headroom`), the most one reader knows of it
    a_headroom: np.ndarray
    a_headroom_reader: np.ndarray
    # cities × keys: the most one reader (a centre, or a group) knows of the city's
    # unknown "other parts" (total − part): inside readers of a swap
    r_other_reader_in: np.ndarray
    forced: np.ndarray  # rows × layers published by an earlier release
    panels: list[tuple[int, frozenset[int]]]
    deps: list[str]
    cities: list[tuple[str, str]]

    @property
    def rows(self) -> int:
        return len(self.r_block)

    def people_of_row(self) -> np.ndarray:
        return self.b_people[self.r_block]

    def place(self, row: int) -> tuple[str, str]:
        """(département, city) of a row, STAR at the levels above."""
        dep, city = self.r_dep_code[row], self.r_city_code[row]
        return (
            STAR if dep < 0 else self.deps[dep],
            STAR if city < 0 else self.cities[city][1],
        )


def build(campaigns: Sequence[Campaign], columns: Columns | None = None) -> Arrays:
    """Flatten campaigns into arrays. Rows exist where some centre declared something."""
    campaigns = list(campaigns)
    cols = columns if columns is not None else columns_of(campaigns)
    int_ = np.int64

    deps = sorted({p.departement for p in cols.places.values()})
    dep_code = {d: i for i, d in enumerate(deps)}
    cities = sorted({(p.departement, p.city) for p in cols.places.values()})
    city_code = {c: i for i, c in enumerate(cities)}
    centre_ids = np.array(sorted(cols.places), dtype=int_)
    centre_dep = np.array([dep_code[cols.places[c].departement] for c in centre_ids], dtype=int_)
    centre_city = np.array(
        [city_code[(cols.places[c].departement, cols.places[c].city)] for c in centre_ids],
        dtype=int_,
    )
    city_dep = np.array([dep_code[c[0]] for c in cities], dtype=int_)

    # Entries: one per (measure, centre).
    e_keys, inverse = np.unique(pairs(cols.measure, cols.centre), return_inverse=True)
    nentries = len(e_keys)
    e_measure = e_keys // SHIFT
    e_centre = e_keys % SHIFT
    nkeys_of = np.array([len(m.keys) for m in cols.measures], dtype=int_)
    K = int(nkeys_of[e_measure].max(initial=1))
    e_values = np.full((nentries, K), np.nan)
    e_values[inverse, cols.key] = cols.value
    where = np.searchsorted(centre_ids, e_centre)
    e_dep = centre_dep[where]
    e_city = centre_city[where]

    # Blocks: one per measure with entries.
    b_measure_index, e_block = np.unique(e_measure, return_inverse=True)
    nblocks = len(b_measure_index)
    b_campaign = cols.measure_campaign[b_measure_index]
    b_measure = [cols.measures[i] for i in b_measure_index]
    b_nkeys = nkeys_of[b_measure_index]
    b_network_only = np.array([m.network_only for m in b_measure], dtype=bool)
    e_campaign = b_campaign[e_block]

    # Rows: networks, then départements, then cities.
    dep_keys, e_dep_row = np.unique(pairs(e_block, e_dep), return_inverse=True)
    city_keys, e_city_row = np.unique(pairs(e_block, e_city), return_inverse=True)
    ndeps, ncities = len(dep_keys), len(city_keys)
    dep_block = dep_keys // SHIFT
    city_block = city_keys // SHIFT
    city_dep_code = city_dep[city_keys % SHIFT]
    city_dep_row = nblocks + np.searchsorted(dep_keys, pairs(city_block, city_dep_code))
    r_block = np.r_[np.arange(nblocks), dep_block, city_block].astype(int_)
    r_level = np.r_[
        np.full(nblocks, NETWORK), np.full(ndeps, DEPARTEMENT), np.full(ncities, CITY)
    ].astype(int_)
    r_parent = np.r_[np.full(nblocks, -1), dep_block, city_dep_row].astype(int_)
    r_absent = b_network_only[r_block] & (r_level != NETWORK)
    r_dep_code = np.r_[np.full(nblocks, -1), dep_keys % SHIFT, city_dep_code].astype(int_)
    r_city_code = np.r_[np.full(nblocks + ndeps, -1), city_keys % SHIFT].astype(int_)
    e_row = nblocks + ndeps + e_city_row
    e_dep_rowi = nblocks + e_dep_row
    nrows = len(r_block)

    # What every reader knows: the named centres of each campaign.
    named = [(ci, c) for ci, campaign in enumerate(campaigns) for c in campaign.named]
    named_keys = np.array([pairs(ci, c) for ci, c in named], dtype=int_)
    e_known = np.isin(pairs(e_campaign, e_centre), named_keys)

    # Panels: signature bits per entry (one membership test per panel position).
    e_sig = np.zeros(nentries, dtype=int_)
    panels: list[tuple[int, frozenset[int]]] = []
    if any(c.panels for c in campaigns):
        block_of = {(int(b_campaign[b]), m.code): b for b, m in enumerate(b_measure)}
        members: list[list[int]] = [[] for _ in range(MAX_PANELS)]
        for ci, campaign in enumerate(campaigns):
            for code, sets in campaign.panels.items():
                block = block_of.get((ci, code))
                if block is None:
                    continue
                for j, panel in enumerate(sets[:MAX_PANELS]):
                    panels.append((int(block), frozenset(panel)))
                    members[j] += [int(pairs(block, c)) for c in panel]
        entry_keys = pairs(e_block, e_centre)
        for j, keys_j in enumerate(members):
            if keys_j:
                e_sig[np.isin(entry_keys, np.array(keys_j, dtype=int_))] |= 1 << j

    # Patterns: full breakdown, total only, other.
    declared = ~np.isnan(e_values)
    nk = b_nkeys[e_block]
    in_block = np.arange(K)[None, :] < nk[:, None]
    parts_declared = declared[:, 1:] & in_block[:, 1:]
    has_parts = parts_declared.any(axis=1)
    all_parts = (parts_declared | ~in_block[:, 1:]).all(axis=1)
    e_pattern = np.where(
        ~has_parts, TOTAL_ONLY, np.where(all_parts & declared[:, 0], FULL, OTHER)
    ).astype(int_)

    # Cells at the three levels.
    levels = [e_row, e_dep_rowi, e_block]
    c_total = np.zeros((nrows, K))
    c_count = np.zeros((nrows, K), dtype=int_)
    c_unknown = np.zeros((nrows, K))
    c_unknown_count = np.zeros((nrows, K), dtype=int_)
    c_top = np.zeros((nrows, K, 2))
    c_utop = np.zeros((nrows, K, TOP))
    c_utop_id = np.full((nrows, K, TOP), -1, dtype=int_)
    values0 = np.where(declared, e_values, 0.0)
    unknown = declared & ~e_known[:, None]
    for k in range(K):
        if not declared[:, k].any():
            continue
        v = values0[:, k]
        for rows in levels:
            c_total[:, k] += np.bincount(rows, v, nrows)
            c_count[:, k] += np.bincount(rows, declared[:, k], nrows).astype(int_)
            c_unknown[:, k] += np.bincount(rows, np.where(unknown[:, k], v, 0.0), nrows)
            c_unknown_count[:, k] += np.bincount(rows, unknown[:, k], nrows).astype(int_)
        _tops(levels, v, declared[:, k], unknown[:, k], e_centre, c_top[:, k], c_utop[:, k],
              c_utop_id[:, k])  # fmt: skip

    # Atoms: (city row, signature, pattern).
    uniq, e_atom = np.unique(e_row * NCLASS + e_sig * 3 + e_pattern, return_inverse=True)
    natoms = len(uniq)
    a_row = uniq // NCLASS
    a_class = uniq % NCLASS
    seg = Segments(e_atom, natoms)
    unknown_values = np.where(unknown, e_values, 0.0)
    a_unknown = seg.sum(unknown_values)
    a_count = seg.sum(unknown.astype(int_))
    a_reader = seg.max(unknown_values)
    full = (e_pattern == FULL)[:, None]
    other = np.where(unknown & full, np.nan_to_num(e_values[:, :1]) - unknown_values, 0.0)
    other[:, 0] = 0.0
    a_other = seg.sum(other)
    a_other_reader = seg.max(other)
    r_other_reader_in = Segments(e_row, nrows).max(other)
    # Headroom under the maximum: a part rises with its total, so the total's room
    # (the part's own when no total was declared) is what a move may use.
    # A figure above the catalogue's maximum (declared before the maximum existed)
    # raises the block's bound to it: the bound must hold for every true figure.
    b_upper = np.array([m.bound for m in b_measure], dtype=float)
    if np.isfinite(b_upper).any() and nentries:
        largest = np.full(nblocks, -np.inf)
        np.maximum.at(largest, e_block, np.nanmax(np.where(declared, e_values, -np.inf), axis=1))
        b_upper = np.maximum(b_upper, largest)
    e_upper = b_upper[e_block]
    bounded = np.isfinite(e_upper)
    ceiling = np.where(
        declared[:, :1], np.maximum(np.nan_to_num(e_values[:, :1]), values0), values0
    )
    room = np.where(
        unknown & bounded[:, None], np.where(bounded, e_upper, 0.0)[:, None] - ceiling, 0.0
    )
    room = np.maximum(room, 0.0)
    a_headroom = seg.sum(room)
    a_headroom_reader = seg.max(room)

    arrays = Arrays(
        campaigns=campaigns,
        K=K,
        b_campaign=b_campaign,
        b_measure=b_measure,
        b_people=np.array([m.counts_people for m in b_measure], dtype=bool),
        b_nkeys=b_nkeys,
        b_max_coalition=np.ones(nblocks, dtype=int_),
        b_upper=b_upper,
        b_binary=np.array([m.binary for m in b_measure], dtype=bool),
        r_block=r_block,
        r_level=r_level,
        r_parent=r_parent,
        r_net=r_block.copy(),
        r_absent=r_absent,
        r_dep_code=r_dep_code,
        r_city_code=r_city_code,
        c_present=c_count > 0,
        c_total=c_total,
        c_count=c_count,
        c_top1=c_top[:, :, 0],
        c_top2=c_top[:, :, 1],
        c_unknown=c_unknown,
        c_unknown_count=c_unknown_count,
        c_utop=c_utop,
        c_utop_id=c_utop_id,
        e_campaign=e_campaign,
        e_block=e_block,
        e_centre=e_centre,
        e_row=e_row,
        e_sig=e_sig,
        e_pattern=e_pattern,
        e_known=e_known,
        e_values=e_values,
        e_atom=e_atom,
        a_row=a_row,
        a_sig=a_class // 3,
        a_pattern=a_class % 3,
        a_class=a_class,
        a_unknown=a_unknown,
        a_count=a_count,
        a_reader=a_reader,
        a_other=a_other,
        a_other_reader=a_other_reader,
        r_other_reader_in=r_other_reader_in,
        a_headroom=a_headroom,
        a_headroom_reader=a_headroom_reader,
        forced=np.zeros((nrows, 2), dtype=bool),
        panels=panels,
        deps=deps,
        cities=cities,
    )
    _coalitions(arrays, campaigns)
    _forced(arrays, campaigns)
    return arrays


def _tops(levels, v, declared, unknown, ids, top, utop, utop_id) -> None:
    """Per row: the two largest contributions, and the TOP largest unknown ones with
    their centres. One sort of the entries by value serves the three levels."""
    order = np.argsort(-v, kind="stable")
    for rows in levels:
        for mask, out, depth, out_ids in ((declared, top, 2, None), (unknown, utop, TOP, utop_id)):
            idx = order[mask[order]]
            r = rows[idx]
            # Stable sort by row keeps the values descending within each row.
            by_row = np.argsort(r, kind="stable")
            r = r[by_row]
            idx = idx[by_row]
            if not len(r):
                continue
            starts = np.r_[0, np.flatnonzero(np.diff(r)) + 1]
            rank = np.arange(len(r)) - np.repeat(starts, np.diff(np.r_[starts, len(r)]))
            keep = rank < depth
            out[r[keep], rank[keep]] = v[idx[keep]]
            if out_ids is not None:
                out_ids[r[keep], rank[keep]] = ids[idx[keep]]


def coalition_members(arrays: Arrays, campaigns: list[Campaign]):
    """(entry, group) pairs: every entry of an unknown centre that belongs to a group
    of centres read together. Groups are numbered across campaigns."""
    table = [
        (ci, gi, c)
        for ci, campaign in enumerate(campaigns)
        for gi, group in enumerate(campaign.coalitions)
        for c in group
    ]
    empty = np.zeros(0, dtype=np.int64)
    if not table:
        return empty, empty, []
    t = np.array(table, dtype=np.int64)
    offsets = np.cumsum([0] + [len(c.coalitions) for c in campaigns])
    group_id = offsets[t[:, 0]] + t[:, 1]
    groups = [g for c in campaigns for g in c.coalitions]
    member = pairs(t[:, 0], t[:, 2])
    order = np.argsort(member)
    member, group_id = member[order], group_id[order]
    entry = pairs(arrays.e_campaign, arrays.e_centre)
    lo = np.searchsorted(member, entry, side="left")
    counts = np.searchsorted(member, entry, side="right") - lo
    sel = np.flatnonzero((counts > 0) & ~arrays.e_known)
    counts = counts[sel]
    eidx = np.repeat(sel, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    gidx = group_id[np.repeat(lo[sel], counts) + offsets]
    return eidx, gidx, groups


def _coalitions(arrays: Arrays, campaigns: list[Campaign]) -> None:
    """A group of centres read together counts, in every atom where it has a member,
    as a reader who knows all it has of the block: an upper bound of what it knows of
    any set of atoms there (conservative)."""
    eidx, gidx, _groups = coalition_members(arrays, campaigns)
    if not len(eidx):
        return
    bg_keys, bg = np.unique(pairs(arrays.e_block[eidx], gidx), return_inverse=True)
    size = np.bincount(bg)
    vals = np.nan_to_num(arrays.e_values[eidx])
    full = (arrays.e_pattern[eidx] == FULL)[:, None]
    seg = Segments(bg, len(bg_keys))
    mass = seg.sum(vals)
    other = seg.sum(np.where(full, vals[:, :1] - vals, 0.0))
    other[:, 0] = 0.0
    keep = size[bg] >= 2
    atoms = arrays.e_atom[eidx[keep]]
    np.maximum.at(arrays.a_reader, atoms, mass[bg[keep]])
    upper = arrays.b_upper[arrays.e_block[eidx]]
    if np.isfinite(upper).any():
        declared = ~np.isnan(arrays.e_values[eidx])
        room = np.where(
            declared & np.isfinite(upper)[:, None],
            np.where(np.isfinite(upper), upper, 0.0)[:, None] - np.maximum(vals[:, :1], vals),
            0.0,
        )
        np.maximum.at(arrays.a_headroom_reader, atoms, seg.sum(np.maximum(room, 0.0))[bg[keep]])
    np.maximum.at(arrays.a_other_reader, atoms, other[bg[keep]])
    np.maximum.at(arrays.b_max_coalition, arrays.e_block[eidx[keep]], size[bg[keep]])
    # Within one city: what a group knows of its other parts there.
    rows = arrays.e_row[eidx]
    rg_keys, rg = np.unique(pairs(gidx, rows), return_inverse=True)
    in_city = Segments(rg, len(rg_keys)).sum(np.where(full, vals[:, :1] - vals, 0.0))
    in_city[:, 0] = 0.0
    np.maximum.at(arrays.r_other_reader_in, rg_keys % SHIFT, in_city)


def _forced(arrays: Arrays, campaigns: list[Campaign]) -> None:
    """Rows an earlier release published: facts from now on, whatever is decided.
    Matched on integer keys (block, département, city, layer): one pass."""
    if not any(c.published_before for c in campaigns):
        return
    a = arrays
    block_of = {(int(a.b_campaign[b]), m.code): b for b, m in enumerate(a.b_measure)}
    dep_code = {d: i for i, d in enumerate(a.deps)}
    city_code = {c: i for i, c in enumerate(a.cities)}

    def key(block, dep, city, layer):
        return ((block * 4096 + dep + 1) * 65536 + city + 1) * 2 + layer

    wanted = []
    for ci, campaign in enumerate(campaigns):
        for code, layer, dep, city in campaign.published_before:
            block = block_of.get((ci, code))
            if block is None:
                continue
            d = -1 if dep == STAR else dep_code.get(dep)
            c = -1 if city == STAR else city_code.get((dep, city))
            if d is None or c is None:
                continue
            wanted.append(key(block, d, c, layer))
    if not wanted:
        return
    wanted = np.array(wanted, dtype=np.int64)
    for layer in (TOTAL, PARTS):
        rows = key(a.r_block, a.r_dep_code, a.r_city_code, layer)
        a.forced[:, layer] = np.isin(rows, wanted)
