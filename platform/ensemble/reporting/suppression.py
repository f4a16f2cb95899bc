"""Statistical confidentiality of published aggregates.

A cube is every cell of one (federation, year, indicator): territories
(federation, départements, cities) crossed with the breakdown keys (total,
women, men…). Cells are additive: a département is the sum of its cities, the
federation of its départements, a total of its breakdown cells (an upper bound
when some centres gave no breakdown; treated as an equation, which only
protects more).

Primary suppression: a count of people below the threshold (default 11), or a
sum one centre makes up more than the dominance share (85 %) of. Secondary
suppression then hides more cells until no suppressed cell can be recomputed
exactly from the published ones: first the classic rule (no equation with
exactly one hidden cell), then an exact audit by linear algebra (a hidden cell
is recoverable iff its unit vector lies in the row space of the equations
restricted to hidden cells), hiding one more cell per recoverable cell until
none is. Every view (by territory, by breakdown, filtered) reads from the same
suppressed cube, so comparing two views reveals nothing either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

STAR = "*"
DEFAULT_THRESHOLD = 11
DEFAULT_DOMINANCE = Decimal("0.85")
MIN_CENTRES_FOR_MEAN = 3

# A cell of the cube: (departement, city, breakdown_key)
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Cell:
    total: Decimal
    centres: int
    max_centre: Decimal


def primary(
    cell: Cell,
    *,
    counts_people: bool,
    aggregation: str = "sum",
    threshold: int = DEFAULT_THRESHOLD,
    dominance: Decimal = DEFAULT_DOMINANCE,
) -> bool:
    """True if the cell itself must be hidden."""
    if aggregation == "mean":
        return cell.centres < MIN_CENTRES_FOR_MEAN
    if counts_people and 0 < cell.total < threshold:
        return True
    return cell.total > 0 and cell.max_centre > dominance * cell.total


def equations(keys: Iterable[Key]) -> list[tuple[Key, list[Key]]]:
    """(parent, children) for every additive relation among the present cells."""
    present = set(keys)
    out: list[tuple[Key, list[Key]]] = []
    breakdowns = {k[2] for k in present}
    for b in breakdowns:
        departements = sorted({d for d, c, kb in present if kb == b and d != STAR})
        top = (STAR, STAR, b)
        if top in present and departements:
            out.append((top, [(d, STAR, b) for d in departements if (d, STAR, b) in present]))
        for d in departements:
            cities = sorted({c for dd, c, kb in present if kb == b and dd == d and c != STAR})
            if (d, STAR, b) in present and cities:
                out.append(((d, STAR, b), [(d, c, b) for c in cities]))
    territories = {(d, c) for d, c, _ in present}
    for d, c in territories:
        parts = sorted(k for k in present if k[:2] == (d, c) and k[2] != "")
        if (d, c, "") in present and parts:
            out.append(((d, c, ""), parts))
    return out


def suppress(
    cells: dict[Key, Cell],
    *,
    counts_people: bool,
    aggregation: str = "sum",
    threshold: int = DEFAULT_THRESHOLD,
    dominance: Decimal = DEFAULT_DOMINANCE,
) -> set[Key]:
    """The keys to hide in one cube."""
    hidden = {
        k
        for k, cell in cells.items()
        if primary(
            cell,
            counts_people=counts_people,
            aggregation=aggregation,
            threshold=threshold,
            dominance=dominance,
        )
    }
    if aggregation == "mean" or not hidden:
        # Means are not additive: nothing can be recovered by differencing.
        return hidden
    eqs = equations(cells)
    while True:
        _single_rule(eqs, cells, hidden)
        recoverable = recoverable_cells(eqs, hidden)
        if not recoverable:
            return hidden
        # Hide one more cell in an equation of the first recoverable cell.
        target = min(recoverable)
        candidates = [
            k
            for parent, children in eqs
            if target == parent or target in children
            for k in (parent, *children)
            if k not in hidden
        ]
        if not candidates:  # cannot happen: a recoverable cell has a published neighbour
            hidden |= {k for parent, children in eqs for k in (parent, *children)}
            return hidden
        hidden.add(_cheapest(candidates, cells))


def _cheapest(candidates: list[Key], cells: dict[Key, Cell]) -> Key:
    """Hide the smallest cell (least information lost), lower levels first."""
    return min(candidates, key=lambda k: (cells[k].total, k[0] == STAR, k[1] == STAR, k))


def _single_rule(eqs, cells, hidden: set[Key]) -> None:
    changed = True
    while changed:
        changed = False
        for parent, children in eqs:
            members = [parent, *children]
            gone = [k for k in members if k in hidden]
            if len(gone) == 1:
                options = [k for k in children if k not in hidden] or [
                    k for k in members if k not in hidden
                ]
                if options:
                    hidden.add(_cheapest(options, cells))
                    changed = True


def recoverable_cells(eqs: list[tuple[Key, list[Key]]], hidden: set[Key]) -> set[Key]:
    """Hidden cells whose value follows exactly from the published ones."""
    unknowns = sorted(hidden)
    index = {k: i for i, k in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    for parent, children in eqs:
        row = [Fraction(0)] * len(unknowns)
        used = False
        if parent in index:
            row[index[parent]] += 1
            used = True
        for child in children:
            if child in index:
                row[index[child]] -= 1
                used = True
        if used:
            rows.append(row)
    pivots = _rref(rows, len(unknowns))
    return {unknowns[col] for col, row in pivots if sum(1 for value in row if value != 0) == 1}


def _rref(rows: list[list[Fraction]], width: int) -> list[tuple[int, list[Fraction]]]:
    """Reduced row echelon form: (pivot column, row) pairs."""
    rows = [r[:] for r in rows]
    pivots: list[tuple[int, list[Fraction]]] = []
    r = 0
    for col in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [v / lead for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        r += 1
        if r == len(rows):
            break
    for i in range(r):
        col = next(c for c, v in enumerate(rows[i]) if v != 0)
        pivots.append((col, rows[i]))
    return pivots
