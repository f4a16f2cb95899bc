"""The declaration import reads files as Excel and LibreOffice write them
(tests/corpus/spreadsheets/, see make_corpus.py there): title rows and a merged
title above the header, percent cells, euros formats, numbers stored as text,
Windows-1252 and UTF-8 CSVs with semicolons, tabs, quoted commas."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ensemble.reporting import imports
from ensemble.reporting import operations as reporting

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "spreadsheets"
sys.path.insert(0, str(CORPUS))
from make_corpus import EXPECTED  # noqa: E402

ALMA_DIRECTOR = "claire.vasseur@alma.demo"
EXPECTED_FIGURES = {key: Decimal(value) for key, value in EXPECTED.items()}


def _catalogue(db_session, as_user):
    with as_user(ALMA_DIRECTOR):
        return reporting.catalogue(db_session, 2024)


@pytest.mark.parametrize(
    "name",
    [
        "declaration-excel.xlsx",
        "declaration-libreoffice.xlsx",
        "declaration-libreoffice.csv",
        "declaration-excel-cp1252.csv",
        "declaration-excel-utf8.csv",
        "declaration-virgules.csv",
        "declaration-tabulations.txt",
    ],
)
def test_each_file_of_the_corpus_reads_as_declared(db_session, as_user, name):
    data = (CORPUS / name).read_bytes()
    result = imports.preview(data, _catalogue(db_session, as_user), filename=name)
    assert result.ok, [e for r in result.rows for e in r.errors] + result.file_errors
    assert result.figures() == EXPECTED_FIGURES
    assert min(r.line for r in result.rows) == (
        5 if name.endswith(".xlsx") or "libre" in name else 3
    )


def test_a_cell_showing_63_and_a_half_percent_is_63_5(db_session, as_user):
    name = "declaration-excel-pourcent-decimales.xlsx"
    result = imports.preview((CORPUS / name).read_bytes(), _catalogue(db_session, as_user))
    assert result.ok
    assert result.figures()[("isp.qualification", "")] == Decimal("63.5")


def test_an_unquoted_decimal_comma_is_refused_naming_its_row_and_column(db_session, as_user):
    name = "declaration-virgules-non-protegees.csv"
    result = imports.preview((CORPUS / name).read_bytes(), _catalogue(db_session, as_user))
    assert not result.ok
    bad = {r.code: r.errors for r in result.rows if r.errors}
    # 0,39 and 1 234 567,50 were split in two cells: never read as 0 or 1 234 567.
    assert set(bad) == {"pe.participation_horaire", "fi.produits"}
    message = bad["pe.participation_horaire"][0]
    assert message.startswith("Ligne 8, colonne « colonne F (sans en-tête) » :"), message
    assert "cellule de trop" in message and "entre guillemets" in message
    assert ("pe.participation_horaire", "") not in result.figures() or not result.ok


def test_a_percent_cell_for_a_count_is_refused(db_session, as_user):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "valeur"])
    sheet.append(["pe.enfants", 0.5])
    sheet["B2"].number_format = "0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = imports.preview(buffer.getvalue(), _catalogue(db_session, as_user))
    (error,) = result.rows[0].errors
    assert error.startswith("Ligne 2, colonne « valeur » :") and "pourcentage (50" in error
