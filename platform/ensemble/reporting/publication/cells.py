"""A release's cells, from the engine's decision to the database, as columns.

`Cells` holds one campaign's cells as parallel arrays (indicator, key,
département, city, value, centres, secret). They are written in one INSERT per
release: each column travels as one text (its items joined by a separator) that
PostgreSQL splits again — COPY is refused under row-level security, and
adapting hundreds of thousands of Python values one by one costs more than the
audit itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from ensemble.reporting.disclosure.changes import Change
from ensemble.reporting.disclosure.model import PARTS, STAR, TOTAL

SEPARATOR = "\x1f"


@dataclass
class Cells:
    code: np.ndarray  # object arrays of str
    key: np.ndarray
    dep: np.ndarray
    city: np.ndarray
    value: np.ndarray  # float
    centres: np.ndarray  # int
    secret: np.ndarray  # bool
    reason: np.ndarray  # int: disclosure.protect REASONS code (0 when published)

    def __len__(self) -> int:
        return len(self.code)

    @classmethod
    def empty(cls) -> Cells:
        o = np.zeros(0, dtype=object)
        return cls(
            o, o, o, o, np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool),
            np.zeros(0, dtype=np.int8),
        )  # fmt: skip

    @classmethod
    def concat(cls, parts: list[Cells]) -> Cells:
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__annotations__))

    def take(self, index) -> Cells:
        return Cells(*(getattr(self, f)[index] for f in self.__annotations__))

    @property
    def secret_count(self) -> int:
        return int(self.secret.sum())

    def published_rows(self) -> frozenset:
        """(code, layer, dep, city) of every row with a published cell."""
        keep = ~self.secret
        layers = np.where(self.key[keep] == "", TOTAL, PARTS)
        return frozenset(
            zip(
                self.code[keep].tolist(), layers.tolist(), self.dep[keep].tolist(),
                self.city[keep].tolist(), strict=True,
            )
        )  # fmt: skip

    def rows(self):
        """Tuples (code, key, dep, city, value, centres, secret), for tests and pages."""
        return list(
            zip(
                self.code.tolist(), self.key.tolist(), self.dep.tolist(), self.city.tolist(),
                self.value.tolist(), self.centres.tolist(), self.secret.tolist(), strict=True,
            )
        )  # fmt: skip


def of_part(part) -> dict[int, Cells]:
    """The cells of one engine part, by campaign index (into the decided list)."""
    a, hidden = part.arrays, part.outcome.hidden
    present = a.c_present & ~a.r_absent[:, None]
    present &= np.arange(a.K)[None, :] < a.b_nkeys[a.r_block][:, None]
    r, k = np.nonzero(present)
    block = a.r_block[r]
    campaign = np.asarray(part.campaigns)[a.b_campaign[block]]
    codes = np.array([m.code for m in a.b_measure], dtype=object)
    key_names = np.full((len(a.b_measure), a.K), "", dtype=object)
    for b, m in enumerate(a.b_measure):
        key_names[b, : len(m.keys)] = m.keys
    deps = np.array([*a.deps, STAR], dtype=object)
    cities = np.array([c for _d, c in a.cities] + [STAR], dtype=object)
    layer = np.where(k == 0, TOTAL, PARTS)
    cells = Cells(
        code=codes[block],
        key=key_names[block, k],
        dep=deps[np.where(a.r_dep_code[r] < 0, len(a.deps), a.r_dep_code[r])],
        city=cities[np.where(a.r_city_code[r] < 0, len(a.cities), a.r_city_code[r])],
        value=a.c_total[r, k],
        centres=a.c_count[r, k],
        secret=hidden[r, layer],
        reason=(
            part.outcome.reasons[r, k]
            if part.outcome.reasons is not None
            else np.where(hidden[r, layer], 7, 0).astype(np.int8)
        ),
    )
    order = np.argsort(campaign, kind="stable")
    campaign = campaign[order]
    bounds = np.flatnonzero(np.diff(campaign)) + 1
    out = {}
    starts = np.r_[0, bounds]
    ends = np.r_[bounds, len(order)]
    for lo, hi in zip(starts, ends, strict=True):
        if hi > lo:
            out[int(campaign[lo])] = cells.take(order[lo:hi])
    return out


def _joined(values) -> str:
    # Every item behind a "~": an empty item stays an item (string_to_array drops a
    # lone empty string), and the "~" is cut off again in SQL.
    return SEPARATOR.join("~" + v for v in values)


def write(
    conn: Connection, release_id: int, federation_id: int, year: int, cells: Cells,
    changes: dict[str, Change],
) -> None:  # fmt: skip
    top = (cells.key == "") & (cells.dep == STAR) & (cells.city == STAR)
    change = np.full(len(cells), "", dtype=object)
    change_n = np.full(len(cells), "", dtype=object)
    for i in np.flatnonzero(top):
        found = changes.get(cells.code[i])
        if found is not None:
            change[i], change_n[i] = str(found.percent), str(found.centres)
    values = np.char.mod("%.2f", cells.value).astype(object)
    values[cells.secret] = ""
    conn.execute(
        text(
            "INSERT INTO reporting_published (release_id, federation_id, year, indicator_code,"
            " breakdown_key, departement, city, value, centres, secret, change, change_centres,"
            " reason)"
            " SELECT :r, :f, :y, substr(c, 2), substr(k, 2), substr(d, 2), substr(t, 2),"
            " CAST(nullif(substr(v, 2), '') AS numeric), CAST(substr(n, 2) AS int),"
            " substr(s, 2) = 't', CAST(nullif(substr(ch, 2), '') AS numeric),"
            " CAST(nullif(substr(chn, 2), '') AS int), CAST(substr(w, 2) AS smallint)"
            " FROM unnest(string_to_array(:codes, :sep), string_to_array(:keys, :sep),"
            " string_to_array(:deps, :sep), string_to_array(:cities, :sep),"
            " string_to_array(:values, :sep), string_to_array(:centres, :sep),"
            " string_to_array(:secret, :sep), string_to_array(:change, :sep),"
            " string_to_array(:change_n, :sep), string_to_array(:reason, :sep))"
            " AS u(c, k, d, t, v, n, s, ch, chn, w)"
        ),
        {
            "r": release_id,
            "f": federation_id,
            "y": year,
            "sep": SEPARATOR,
            "codes": _joined(cells.code.tolist()),
            "keys": _joined(cells.key.tolist()),
            "deps": _joined(cells.dep.tolist()),
            "cities": _joined(cells.city.tolist()),
            "values": _joined(values.tolist()),
            "centres": _joined(str(n) for n in cells.centres.tolist()),
            "secret": _joined("t" if s else "f" for s in cells.secret.tolist()),
            "reason": _joined(str(w) for w in cells.reason.tolist()),
            "change": _joined(change.tolist()),
            "change_n": _joined(change_n.tolist()),
        },
    )
