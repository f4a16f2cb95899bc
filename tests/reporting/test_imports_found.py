"""What an outside red team found in the declaration import, each on a real file
of the corpus (tests/corpus/spreadsheets/, written by make_corpus.py there):
title rows that name columns above the header, workbooks of several sheets, 0,63
in a General cell for a percent indicator, a part above its total in the
preview. And the percent rule of the declaration form, which is the import's."""

from __future__ import annotations

import base64
import io
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from ensemble.reporting import imports
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration
from ensemble.tenancy import context
from reporting.support import ALMA_DIRECTOR

from conftest import csrf_token, sign_in

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "spreadsheets"
sys.path.insert(0, str(CORPUS))
from make_corpus import EXPECTED  # noqa: E402

EXPECTED_FIGURES = {key: Decimal(value) for key, value in EXPECTED.items()}


def _catalogue(db_session, as_user, year=2024):
    with as_user(ALMA_DIRECTOR):
        return reporting.catalogue(db_session, year)


def _read(db_session, as_user, name, **kwargs):
    data = (CORPUS / name).read_bytes()
    return imports.preview(data, _catalogue(db_session, as_user), filename=name, **kwargs)


def _errors(result) -> list[str]:
    return result.file_errors + [e for r in result.rows for e in r.errors]


# --- The header row, below title rows that name columns -----------------------------------


@pytest.mark.parametrize(
    ("name", "first_line"),
    [
        ("declaration-titre-colonnes-excel.xlsx", 6),
        ("declaration-titre-colonnes-libreoffice.xlsx", 6),
        ("declaration-titre-colonnes.csv", 4),
    ],
)
def test_a_title_row_naming_columns_is_not_taken_for_the_header(
    db_session, as_user, name, first_line
):
    """« Centre | Indicateur | Valeur », then « Code | Valeur » (every required
    heading), then a merged subtitle: the header is the row that names the most."""
    result = _read(db_session, as_user, name)
    assert result.ok, _errors(result)
    assert result.figures() == EXPECTED_FIGURES
    assert min(r.line for r in result.rows) == first_line
    assert result.notices == []  # one sheet: nothing to say about sheets


def test_two_headers_with_data_between_them_are_refused_not_guessed(db_session, as_user):
    text = (
        "Code;Valeur\r\n"
        "pe.enfants;155\r\n"
        "Code;Indicateur;Ventilation;Valeur;Commentaire\r\n"
        "asf.passages;Passages;;1488;\r\n"
    )
    result = imports.preview(text.encode(), _catalogue(db_session, as_user))
    assert not result.ok and result.rows == []
    (message,) = result.file_errors
    assert "Deux lignes d’en-tête possibles, lignes 1 et 3" in message


def test_a_header_repeated_below_the_data_is_a_bad_row(db_session, as_user):
    """Data rows follow the first header: a second one further down is data, and
    refused as such (its row and column named), never a reason to skip rows."""
    text = "Code;Valeur\r\npe.enfants;155\r\nCode;Valeur\r\nasf.passages;1488\r\n"
    result = imports.preview(text.encode(), _catalogue(db_session, as_user))
    assert [r.line for r in result.rows] == [2, 3, 4]
    errors = result.rows[1].errors
    assert errors[0].startswith("Ligne 3, colonne « Code » :") and "inconnu" in errors[0]
    assert not result.ok and result.rows[0].errors == result.rows[2].errors == []


# --- Workbooks of several sheets --------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "declaration-plusieurs-feuilles-excel.xlsx",
        "declaration-plusieurs-feuilles-libreoffice.xlsx",
    ],
)
def test_the_sheet_with_the_header_is_read_and_the_others_are_named(db_session, as_user, name):
    result = _read(db_session, as_user, name)
    assert result.ok, _errors(result)
    assert result.figures() == EXPECTED_FIGURES
    assert min(r.line for r in result.rows) == 3
    assert result.notices == [
        "Feuille « Déclaration 2024 » lue (ligne d’en-tête 2) ; feuilles ignorées :"
        " « Mode d’emploi », « Brouillon »."
    ]


def test_two_sheets_that_could_both_be_imported_are_refused(db_session, as_user):
    result = _read(db_session, as_user, "declaration-deux-feuilles-excel.xlsx")
    assert not result.ok and result.rows == []
    assert result.file_errors == [
        "Plusieurs feuilles ont les colonnes attendues (« 2023 », « 2024 ») : laissez dans"
        " le classeur une seule feuille à importer."
    ]


def test_a_workbook_without_the_header_says_which_sheets_it_looked_at(db_session, as_user):
    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["Code", "Libellé"])
    workbook.create_sheet("Chiffres").append(["indicateur", "montant"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = imports.preview(buffer.getvalue(), _catalogue(db_session, as_user))
    (message,) = result.file_errors
    assert message == (
        "Colonnes obligatoires absentes : valeur (en-tête lu ligne 1 dans la feuille « Notes »)."
    )


# --- Percent indicators -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["declaration-pourcent-standard-excel.xlsx", "declaration-pourcent-standard-libreoffice.xlsx"],
)
def test_0_63_in_a_general_cell_for_a_percent_indicator_is_refused(db_session, as_user, name):
    result = _read(db_session, as_user, name)
    assert not result.ok
    bad = {r.code: r.errors for r in result.rows if r.errors}
    assert set(bad) == {"isp.qualification"}
    (message,) = bad["isp.qualification"]
    line = next(r.line for r in result.rows if r.code == "isp.qualification")
    assert message.startswith(f"Ligne {line}, colonne « Valeur » : « 0,63 » est ambigu"), message
    assert "écrivez 63 pour 63\u202f%" in message and "« 0,63\u202f% »" in message


@pytest.mark.parametrize(
    ("written", "read"),
    [("63", Decimal(63)), ("63 %", Decimal(63)), ("0,63 %", Decimal("0.63")), ("0", Decimal(0))],
)
def test_a_percent_indicator_takes_0_to_100_or_an_explicit_percent(
    db_session, as_user, written, read
):
    data = f"code;valeur\r\nisp.qualification;{written}\r\n".encode()
    result = imports.preview(data, _catalogue(db_session, as_user))
    assert result.ok, _errors(result)
    assert result.figures() == {("isp.qualification", ""): read}


@pytest.mark.parametrize("written", ["0,63", "1", "0,5"])
def test_a_plain_number_up_to_1_for_a_percent_indicator_is_ambiguous(db_session, as_user, written):
    data = f"code;valeur\r\nisp.qualification;{written}\r\n".encode()
    (error,) = imports.preview(data, _catalogue(db_session, as_user)).rows[0].errors
    assert error.startswith(f"Ligne 2, colonne « valeur » : « {written} » est ambigu"), error


def test_a_percent_formatted_cell_below_1_percent_is_read_as_shown(db_session, as_user):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "valeur"])
    sheet.append(["isp.qualification", 0.005])
    sheet["B2"].number_format = "0.0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = imports.preview(buffer.getvalue(), _catalogue(db_session, as_user))
    assert result.ok, _errors(result)
    assert result.figures() == {("isp.qualification", ""): Decimal("0.5")}


# --- A part above its total, in the preview -----------------------------------------------


def test_a_part_above_its_total_is_refused_in_the_preview_when_the_other_is_empty(
    db_session, as_user
):
    result = _read(db_session, as_user, "declaration-partie-au-dessus-du-total.csv")
    assert not result.ok
    assert {r.line: r.errors for r in result.rows if r.errors} == {
        3: [
            "Ligne 3, colonne « Valeur » : 400 (femmes) dépasse le total de l’indicateur"
            " (300, ligne 2)."
        ]
    }


def test_a_part_above_a_total_already_declared_is_refused_and_so_is_the_reverse(
    db_session, as_user
):
    catalogue = _catalogue(db_session, as_user)
    declared = {("asf.personnes", ""): Decimal(300), ("asf.personnes", "hommes"): Decimal(250)}
    part = imports.preview(
        b"code;ventilation;valeur\r\nasf.personnes;femmes;400\r\n", catalogue, existing=declared
    )
    assert _errors(part) == [
        "Ligne 2, colonne « valeur » : 400 (femmes) dépasse le total de l’indicateur"
        " (300, déjà déclaré)."
    ]
    total = imports.preview(
        b"code;ventilation;valeur\r\nasf.personnes;;200\r\n", catalogue, existing=declared
    )
    assert _errors(total) == [
        "Ligne 2, colonne « valeur » : le total (200) est inférieur à la part hommes déjà"
        " déclarée (250)."
    ]
    # The file's own figure replaces the declared one: 280 of 300 is fine.
    fixed = imports.preview(
        b"code;ventilation;valeur\r\nasf.personnes;hommes;280\r\n", catalogue, existing=declared
    )
    assert fixed.ok, _errors(fixed)


def _alma_draft(demo, db_session, figures, year=2024) -> int:
    alma = demo.centre("alma")
    with context.using(context.system_context(centre_ids=[alma.id]), db_session):
        declaration = reporting.declaration_for(db_session, alma, year)
        reporting.set_values(db_session, declaration, figures)
        db_session.commit()
        return declaration.id


def _values(db_session, declaration_id) -> dict:
    db_session.expire_all()
    with context.using(context.system_context(is_admin=True), db_session):
        declaration = db_session.get(Declaration, declaration_id)
        return {k: v.value for k, v in reporting.values_of(declaration).items()}


def test_over_http_the_import_refuses_what_the_preview_shows(app, demo, db_session):
    """The preview and the import apply one rule: the declared total counts, and a
    payload sent without going through a good preview imports nothing."""
    declaration_id = _alma_draft(demo, db_session, {("asf.personnes", ""): Decimal(300)})
    client = app.test_client()
    sign_in(client, ALMA_DIRECTOR)
    url = f"/c/alma/declarations/{declaration_id}/import"
    token = csrf_token(client, url)
    data = b"code;ventilation;valeur\r\nasf.personnes;femmes;400\r\n"
    response = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), "declaration.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "dépasse le total de l’indicateur" in html and 'name="payload"' not in html
    forged = client.post(url, data={"csrf_token": token, "payload": base64.b64encode(data)})
    assert forged.status_code == 422
    assert "Rien n’a été importé" in forged.get_data(as_text=True)
    assert _values(db_session, declaration_id) == {("asf.personnes", ""): Decimal(300)}


# --- The declaration form: the same percent rule ------------------------------------------


def test_the_form_refuses_0_63_for_a_percent_indicator_and_takes_63(app, demo, db_session):
    declaration_id = _alma_draft(demo, db_session, {})
    client = app.test_client()
    sign_in(client, ALMA_DIRECTOR)
    url = f"/c/alma/declarations/{declaration_id}"
    token = csrf_token(client, url)
    field = "v__isp.qualification__"
    response = client.post(url, data={"csrf_token": token, field: "0,63"})
    assert response.status_code == 422
    assert "est ambigu pour un pourcentage" in response.get_data(as_text=True)
    assert _values(db_session, declaration_id) == {}
    response = client.post(url, data={"csrf_token": token, "v__pe.enfants__": "63 %"})
    assert response.status_code == 422
    assert "l’indicateur attend un nombre" in response.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, field: "63"}).status_code == 302
    assert _values(db_session, declaration_id) == {("isp.qualification", ""): Decimal(63)}
    assert client.post(url, data={"csrf_token": token, field: "0,63 %"}).status_code == 302
    assert _values(db_session, declaration_id) == {("isp.qualification", ""): Decimal("0.63")}
    # The form shows it with its sign: saved again as shown, it stays 0,63 %.
    shown = re.search(
        rf'name="{field}"[^>]*value="([^"]*)"', client.get(url).get_data(as_text=True)
    )
    assert shown and shown.group(1) == "0,63\u202f%"
    assert client.post(url, data={"csrf_token": token, field: shown.group(1)}).status_code == 302
    assert _values(db_session, declaration_id) == {("isp.qualification", ""): Decimal("0.63")}


def test_the_form_and_the_import_read_the_percent_the_same(db_session, as_user):
    """One rule (imports.percent_problem): what the form refuses, the import refuses."""
    indicator = next(i for i in _catalogue(db_session, as_user) if i.code == "isp.qualification")
    for written, percent in (("0,63", False), ("1", False), ("0,63 %", True), ("63", False)):
        value = imports.parse_number(written)
        in_file = imports.preview(
            f"code;valeur\r\nisp.qualification;{written}\r\n".encode(),
            [indicator],
        )
        assert bool(imports.percent_problem(indicator, value, written, percent)) == (
            not in_file.ok
        ), written


@pytest.mark.parametrize("digits", [16, 26, 28, 29, 32, 60])
def test_a_number_of_any_length_is_refused_with_its_row_never_a_500(app, demo, db_session, digits):
    """Found by the red team: from 28 digits on (Decimal's precision), the import
    ended in a 500; 26 digits had a clean « au-delà du maximum admis »."""
    declaration_id = _alma_draft(demo, db_session, {})
    client = app.test_client()
    sign_in(client, ALMA_DIRECTOR)
    url = f"/c/alma/declarations/{declaration_id}/import"
    token = csrf_token(client, url)
    data = f"code;ventilation;valeur;commentaire\r\nfi.produits;;{'9' * digits};\r\n".encode()
    response = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), "declaration.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "maximum" in response.get_data(as_text=True)
    assert _values(db_session, declaration_id) == {}


def test_a_hidden_sheet_is_not_a_candidate(db_session, as_user):
    """Found by the red team: a hidden sheet with the same columns (a template's copy)
    made the file « several sheets to import ». Only the visible sheet is read."""
    result = _read(db_session, as_user, "declaration-feuille-masquee-excel.xlsx")
    assert result.ok, _errors(result)
    assert result.notices == []  # one visible sheet: nothing to say about the others
