"""The staff-register import reads registers as Excel and LibreOffice write them
(tests/corpus/spreadsheets/): a merged title and a subtitle above the header, real
dates, a working time formatted as a percentage (80 %)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from .test_import import run_preview

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "spreadsheets"


@pytest.mark.parametrize("name", ["registre-excel.xlsx", "registre-libreoffice.xlsx"])
def test_a_register_with_title_rows_and_percent_cells_reads_as_written(
    demo, db_session, iciela, french, name
):
    result = run_preview(demo, db_session, iciela, name, (CORPUS / name).read_bytes())
    assert result.importable, result.problems + [p for r in result.rows for p in r.problems]
    people = {r.data.last_name: r.data for r in result.rows}
    assert people["Bouaziz"].fte == Decimal("0.8")  # the cell shows 80 %
    assert people["Lefèvre"].fte == Decimal("1")
    assert people["Ménard"].start_date == date(2012, 1, 15)
    assert [r.line for r in result.rows] == [5, 6, 7]


def test_one_huge_number_is_that_cell_s_problem_not_an_unreadable_workbook(
    demo, db_session, iciela, french
):
    """Found from outside: an ETP of 1e30 made the whole file « classeur illisible »."""
    name = "found-fte-1e30.xlsx"
    result = run_preview(demo, db_session, iciela, name, (CORPUS / name).read_bytes())
    assert not result.importable
    assert not result.problems, result.problems  # the workbook itself reads
    (row,) = result.rows
    assert row.problems and any("ETP" in str(p) or "temps" in str(p) for p in row.problems), (
        row.problems
    )
