"""Page geometry and type sizes shared by the three renderers, and the fitting of table
columns to their content (the same widths in PDF, DOCX and ODT).

Fitting follows the automatic table layout of CSS, computed here once: each column has a
minimum (its longest word, or its whole longest line when it never wraps) and a natural
width (its longest line). When the natural widths fit, the text columns share what is
left; otherwise every column gets its minimum and the rest goes where text would wrap
most. An amount column is never narrower than its longest amount, so it never wraps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ensemble.kernel.documents.fonts import text_width
from ensemble.kernel.documents.model import Cell, Table, plain

MM = 72 / 25.4  # points per millimetre

PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_MM = 20
MARGIN_TOP_MM = 22
MARGIN_BOTTOM_MM = 20
TEXT_WIDTH_PT = (PAGE_WIDTH_MM - 2 * MARGIN_MM) * MM

BODY_PT = 10
TABLE_PT = 9
SMALL_TABLE_PT = 8
HEADING_PT = {1: 15, 2: 12.5, 3: 11, 4: 10}
TITLE_PT = 22

# Horizontal padding of a cell (each side) and the indentation of one level, in points.
CELL_PADDING_PT = 4
INDENT_PT = 10
# Renderers shape text a little differently (kerning, hinting): keep a margin.
SAFETY = 1.06

_BREAKS = re.compile(r"[ \n\u200b-]+")


@dataclass(frozen=True)
class _Extent:
    minimum: float
    natural: float


def table_size(table: Table) -> float:
    return SMALL_TABLE_PT if table.small else TABLE_PT


def _cell_extent(cell: Cell, size: float, nowrap: bool, bold: bool) -> _Extent:
    text = plain(cell.content)
    bold = bold or cell.bold or any(r.bold for r in cell.content)
    lines = text.split("\n")
    natural = max(text_width(line, size, bold) for line in lines)
    if nowrap:
        minimum = natural
    else:
        words = [w for line in lines for w in _BREAKS.split(line)] or [""]
        minimum = max(text_width(w, size, bold) for w in words)
    extra = 2 * CELL_PADDING_PT + cell.indent * INDENT_PT
    return _Extent(minimum * SAFETY + extra, natural * SAFETY + extra)


def fit_columns(table: Table, available: float = TEXT_WIDTH_PT) -> list[float]:
    """The width of each column of `table`, in points, summing to `available`."""
    size = table_size(table)
    extents: list[_Extent] = []
    for index, column in enumerate(table.columns):
        # Headers may wrap between words, even above an amount.
        head = _cell_extent(Cell(column.title), size, nowrap=False, bold=True)
        minimum, natural = head.minimum, head.natural
        for row in table.rows:
            for start, value in table.placed(row):
                # A cell across several columns does not size any of them.
                if start != index or value.span > 1:
                    continue
                cell = _cell_extent(value, size, column.nowrap, bold=row.kind in ("group", "total"))
                minimum, natural = max(minimum, cell.minimum), max(natural, cell.natural)
        extents.append(_Extent(minimum, max(minimum, natural)))

    natural_total = sum(e.natural for e in extents)
    minimum_total = sum(e.minimum for e in extents)
    if natural_total <= available:
        # Everything fits on one line: the columns that wrap text share the rest.
        growable = [i for i, c in enumerate(table.columns) if not c.nowrap] or list(
            range(len(extents))
        )
        spare = available - natural_total
        weight = sum(extents[i].natural for i in growable)
        widths = [e.natural for e in extents]
        for i in growable:
            widths[i] += spare * extents[i].natural / weight
        return widths
    if minimum_total <= available:
        stretch = natural_total - minimum_total
        spare = available - minimum_total
        return [e.minimum + spare * (e.natural - e.minimum) / stretch for e in extents]
    # Even the minima do not fit: columns that never wrap keep theirs, the others share
    # what is left (a word may then break); in a hopeless table everything shrinks.
    fixed = sum(e.minimum for e, c in zip(extents, table.columns, strict=True) if c.nowrap)
    flexible = [e.minimum for e, c in zip(extents, table.columns, strict=True) if not c.nowrap]
    if fixed < available * 0.8 and flexible:
        ratio = (available - fixed) / sum(flexible)
        return [
            e.minimum if c.nowrap else e.minimum * ratio
            for e, c in zip(extents, table.columns, strict=True)
        ]
    return [e.minimum * available / minimum_total for e in extents]
