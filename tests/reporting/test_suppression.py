"""Statistical confidentiality: no published cell below the threshold or
dominated by one centre, and no hidden cell recoverable from published ones,
whatever the view (the views all read one suppressed cube)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from ensemble.reporting.suppression import STAR, Cell, equations, recoverable_cells, suppress

# A federation of centres placed in (département, city), with people counts split women/men.
centre = st.tuples(
    st.sampled_from(["59", "62"]),
    st.sampled_from(["A", "B", "C"]),
    st.integers(0, 40),
    st.integers(0, 40),
)


def cube(centres) -> dict:
    """Aggregate like the consolidation: every level, every breakdown key."""
    sums: dict = {}
    for dep, city, women, men in centres:
        for key, value in (("", women + men), ("femmes", women), ("hommes", men)):
            for territory in ((STAR, STAR), (dep, STAR), (dep, f"{dep}-{city}")):
                total, count, top = sums.get((*territory, key), (0, 0, 0))
                sums[(*territory, key)] = (total + value, count + 1, max(top, value))
    return {k: Cell(Decimal(t), n, Decimal(m)) for k, (t, n, m) in sums.items()}


def _rank(matrix: list[list[Fraction]]) -> int:
    """Rank by plain forward elimination (written apart from the module's RREF)."""
    rows = [r[:] for r in matrix if any(r)]
    rank = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in rows[rank:] if r[col] != 0), None)
        if pivot is None:
            continue
        i = rows.index(pivot, rank)
        rows[rank], rows[i] = rows[i], rows[rank]
        for j in range(rank + 1, len(rows)):
            if rows[j][col] != 0:
                f = rows[j][col] / rows[rank][col]
                rows[j] = [a - f * b for a, b in zip(rows[j], rows[rank], strict=True)]
        rank += 1
    return rank


def rank_recoverable(cells, hidden) -> set:
    """A hidden cell is recoverable iff adding its unit vector to the equations
    (restricted to hidden cells) does not raise their rank."""
    unknowns = sorted(hidden)
    matrix = []
    for parent, children in equations(cells):
        row = [Fraction(0)] * len(unknowns)
        for k, sign in ((parent, 1), *((c, -1) for c in children)):
            if k in hidden:
                row[unknowns.index(k)] += sign
        matrix.append(row)
    base = _rank(matrix)
    found = set()
    for i, key in enumerate(unknowns):
        unit = [Fraction(int(j == i)) for j in range(len(unknowns))]
        if _rank([*matrix, unit]) == base:
            found.add(key)
    return found


@settings(max_examples=150, deadline=None)
@given(st.lists(centre, min_size=1, max_size=12))
def test_no_published_cell_is_small_or_dominated_and_nothing_is_recoverable(centres):
    cells = cube(centres)
    hidden = suppress(cells, counts_people=True)
    for key, cell in cells.items():
        if key in hidden:
            continue
        assert not (0 < cell.total < 11), key
        assert not (cell.total > 0 and cell.max_centre > Decimal("0.85") * cell.total), key
    # No equation (a total and its parts, in any view) has exactly one hidden cell…
    for parent, children in equations(cells):
        assert sum(1 for k in (parent, *children) if k in hidden) != 1
    # …and no hidden cell follows from the published ones by any linear combination.
    assert rank_recoverable(cells, hidden) == set()


def test_differencing_two_views_reveals_nothing():
    # Roubaix (59) has a big centre; Tourcoing a small one (5 people): hidden.
    centres = [
        ("59", "Roubaix", 30, 30),
        ("59", "Roubaix", 25, 20),
        ("59", "Tourcoing", 3, 2),
        ("62", "Lens", 40, 35),
        ("62", "Arras", 30, 38),
    ]
    cells = cube(centres)
    hidden = suppress(cells, counts_people=True)
    tourcoing = ("59", "59-Tourcoing", "")
    assert tourcoing in hidden
    # View by city and view by département: Tourcoing = 59 − Roubaix would reveal it,
    # so one of them is hidden too.
    assert ("59", STAR, "") in hidden or ("59", "59-Roubaix", "") in hidden


def test_the_threshold_is_a_parameter():
    cells = {(STAR, STAR, ""): Cell(Decimal(15), 3, Decimal(6))}
    assert suppress(cells, counts_people=True) == set()
    assert suppress(cells, counts_people=True, threshold=20) == {(STAR, STAR, "")}
    # Non-people sums are not subject to the threshold, only to dominance.
    assert suppress(cells, counts_people=False, threshold=20) == set()


def test_rank_audit_finds_a_cell_left_alone_in_an_equation():
    cells = cube([("59", "A", 20, 20), ("59", "B", 20, 20)])
    eqs = equations(cells)
    alone = {("59", "59-A", "")}
    assert recoverable_cells(eqs, alone) == alone == rank_recoverable(cells, alone)
    # Hiding both city totals is not enough: each is its women + men.
    pair = {("59", "59-A", ""), ("59", "59-B", "")}
    assert recoverable_cells(eqs, pair) == pair == rank_recoverable(cells, pair)
    block = pair | {("59", "59-A", "femmes"), ("59", "59-B", "femmes")}
    block |= {("59", "59-A", "hommes"), ("59", "59-B", "hommes")}
    assert recoverable_cells(eqs, block) == set() == rank_recoverable(cells, block)
