"""The staff-register import reads registers as Excel and LibreOffice write them
(tests/corpus/spreadsheets/): a merged title and a subtitle above the header, real
dates, a working time formatted as a percentage (80 %)."""

from __future__ import annotations

import io
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


@pytest.mark.parametrize(
    "name", ["registre-deuxieme-feuille-excel.xlsx", "registre-deuxieme-feuille-libreoffice.xlsx"]
)
def test_a_register_on_the_second_sheet_is_read_and_the_preview_says_so(
    demo, db_session, iciela, french, name
):
    """The instructions on the first sheet; the register on the second, under a
    title row that names every required column and a merged subtitle."""
    result = run_preview(demo, db_session, iciela, name, (CORPUS / name).read_bytes())
    assert result.importable, result.problems + [p for r in result.rows for p in r.problems]
    assert [r.line for r in result.rows] == [4, 5, 6]
    assert {r.data.last_name: r.data.fte for r in result.rows}["Bouaziz"] == Decimal("0.8")
    assert result.notices == [
        "Feuille « Registre » lue (ligne d’en-tête 3) ; feuilles ignorées : « Consignes »."
    ]


def test_the_preview_page_names_the_sheet_read(client, demo, db_session, iciela, french):
    from .conftest import HR_MANAGER
    from conftest import csrf_token, sign_in

    name = "registre-deuxieme-feuille-excel.xlsx"
    sign_in(client, HR_MANAGER)
    url = "/e/iciela/rh/import"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "file": (io.BytesIO((CORPUS / name).read_bytes()), name),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert "Feuille «\u202fRegistre\u202f» lue" in html and "«\u202fConsignes\u202f»" in html
