"""Importing a staff register from files as French spreadsheets save them."""

from __future__ import annotations

import codecs
import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from ensemble.hr import importing, operations
from ensemble.hr.models import ContractType, StaffMember
from ensemble.tenancy import context

from .conftest import HR_MANAGER, TODAY
from conftest import csrf_token, sign_in

HEADER = [
    "Nom",
    "Prénom",
    "Emploi",
    "Type de contrat",
    "Catégorie",
    "Date d'entrée",
    "Date de fin",
    "ETP",
    "Centres",
    "Emploi repère",
    "Pesée",
    "Dernière visite médicale",
    "Commentaire",
]
GOOD_ROWS = [
    [
        "Lefèvre",
        "Éloïse",
        "Animatrice petite enfance",
        "CDI",
        "Employé",
        "01/09/2019",
        "",
        "1",
        "Pile Sainte-Elisabeth",
        "Animateur",
        "",
        "12/03/2024",
        "référente crèche",
    ],
    [
        "Bouaziz",
        "Yanis",
        "Médiateur numérique",
        "CDD",
        "Employé",
        "04/11/2026",
        "30/06/2027",
        "0,8",
        "Assia Djebar",
        "Médiateur",
        "",
        "",
        "",
    ],
    [
        "Ménard",
        "Françoise",
        "Coordinatrice",
        "CDI",
        "Agent de maîtrise",
        "15/01/2012",
        "",
        "80 %",
        "Centre Social Pile Sainte-Elisabeth, Centre Social Assia Djebar",
        "Coordinateur",
        "460",
        "",
        "",
    ],
    [
        "Dieng",
        "Aïssatou",
        "Apprentie BPJEPS",
        "Contrat d'apprentissage",
        "",
        "01/10/2026",
        "30/09/2028",
        "1",
        "assia-djebar",
        "",
        "",
        "",
        "",
    ],
]
BAD_ROWS = [
    [
        "Caron",
        "Noé",
        "Agent d’accueil",
        "Intérim",
        "",
        "31/02/2026",
        "",
        "1,5",
        "Grand Air",
        "",
        "",
        "",
        "",
    ],
    [
        "Lefèvre",
        "Éloïse",
        "Animatrice petite enfance",
        "CDI",
        "",
        "01/09/2019",
        "",
        "1",
        "",
        "",
        "",
        "",
        "",
    ],
]


def csv_bytes(rows, *, delimiter=";", encoding="cp1252", bom=False) -> bytes:
    buffer = io.StringIO(newline="")
    import csv

    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([HEADER, *rows])
    data = buffer.getvalue().encode(encoding)
    return (codecs.BOM_UTF8 + data) if bom else data


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Personnel"
    sheet.append(HEADER)
    for row in rows:
        cells = list(row)
        # Real spreadsheets hold dates and numbers, not text.
        for index in (5, 6, 11):
            if cells[index]:
                cells[index] = datetime.strptime(cells[index], "%d/%m/%Y")
        if re.fullmatch(r"[\d,]+", cells[7]):
            cells[7] = float(cells[7].replace(",", "."))
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_preview(demo, db_session, employer, filename, data):
    with (
        context.using(demo.context_of(HR_MANAGER), db_session),
        operations.employer_scope(db_session, employer.id),
    ):
        return importing.preview(db_session, employer.id, filename, data, TODAY)


def count(demo, db_session, employer) -> int:
    with (
        context.using(demo.context_of(HR_MANAGER), db_session),
        operations.employer_scope(db_session, employer.id),
    ):
        return db_session.scalar(
            select(func.count(StaffMember.id)).where(StaffMember.employer_id == employer.id)
        )


@pytest.mark.parametrize(
    "filename, data",
    [
        ("registre.csv", csv_bytes(GOOD_ROWS)),
        ("registre.csv", csv_bytes(GOOD_ROWS, delimiter=",", encoding="utf-8", bom=True)),
        ("registre.csv", csv_bytes(GOOD_ROWS, encoding="utf-8")),
        ("registre.xlsx", xlsx_bytes(GOOD_ROWS)),
    ],
    ids=["windows-1252-semicolons", "utf8-bom-commas", "utf8-semicolons", "xlsx"],
)
def test_clean_files_preview_and_import(demo, db_session, iciela, filename, data):
    result = run_preview(demo, db_session, iciela, filename, data)
    assert result.problems == [] and result.bad_rows == []
    assert result.ignored_columns == ["Commentaire"]
    names = [r.name for r in result.rows]
    assert names == ["Éloïse Lefèvre", "Yanis Bouaziz", "Françoise Ménard", "Aïssatou Dieng"]
    menard = result.rows[2].data
    assert str(menard.fte) == "0.800" and menard.alisfa_weighting == 460
    assert len(menard.centre_ids) == 2
    assert result.rows[3].data.contract_type is ContractType.APPRENTICESHIP
    assert result.rows[0].data.last_health_visit_on == date(2024, 3, 12)
    before = count(demo, db_session, iciela)
    with (
        context.using(demo.context_of(HR_MANAGER), db_session),
        operations.employer_scope(db_session, iciela.id),
    ):
        assert importing.apply(db_session, iciela.id, result, TODAY) == 4
    assert count(demo, db_session, iciela) == before + 4


def test_every_bad_row_is_explained_in_french(demo, db_session, iciela, french):
    first = run_preview(demo, db_session, iciela, "r.csv", csv_bytes(GOOD_ROWS))
    with (
        context.using(demo.context_of(HR_MANAGER), db_session),
        operations.employer_scope(db_session, iciela.id),
    ):
        importing.apply(db_session, iciela.id, first, TODAY)
    result = run_preview(demo, db_session, iciela, "r.csv", csv_bytes(GOOD_ROWS[1:2] + BAD_ROWS))
    assert not result.importable
    bad = {row.line: " | ".join(str(p) for p in row.problems) for row in result.bad_rows}
    assert set(bad) == {2, 3, 4}  # the good row is now a duplicate too
    assert "déjà présent" in bad[2]
    assert "type de contrat inconnu « Intérim »" in bad[3]
    assert "date impossible « 31/02/2026 »" in bad[3]
    assert "temps de travail hors limites" in bad[3]
    assert "déjà présent dans le registre" in bad[4]


def test_unknown_centre_and_missing_columns(demo, db_session, iciela, french):
    rows = [[*GOOD_ROWS[1][:8], "Grand Air", *GOOD_ROWS[1][9:]]]
    result = run_preview(demo, db_session, iciela, "r.csv", csv_bytes(rows))
    assert "centre inconnu « Grand Air »" in str(result.bad_rows[0].problems[0])
    missing = run_preview(demo, db_session, iciela, "r.csv", "Nom;Prénom\r\nA;B\r\n".encode())
    assert "Colonnes obligatoires absentes" in str(missing.problems[0])
    assert not run_preview(demo, db_session, iciela, "r.xlsx", b"PK not a zip").importable


def test_import_is_all_or_nothing_over_http(client, demo, db_session, iciela):
    sign_in(client, HR_MANAGER)
    url = "/e/iciela/rh/import"
    before = count(demo, db_session, iciela)
    mixed = csv_bytes(GOOD_ROWS[:2] + BAD_ROWS[:1])
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(mixed), "registre.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "rien n’a été importé" in html and "Ligne 4" in html
    assert 'name="token"' not in html
    assert count(demo, db_session, iciela) == before

    clean = xlsx_bytes(GOOD_ROWS)
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(clean), "registre.xlsx")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    confirm = client.post(
        "/e/iciela/rh/import/confirmer",
        data={"csrf_token": csrf_token(client, url), "token": token},
    )
    assert confirm.status_code == 302
    assert count(demo, db_session, iciela) == before + 4
    # The same preview cannot be imported twice.
    again = client.post(
        "/e/iciela/rh/import/confirmer",
        data={"csrf_token": csrf_token(client, url), "token": token},
    )
    assert again.status_code == 302 and count(demo, db_session, iciela) == before + 4


def test_a_preview_token_is_bound_to_its_employer(client, demo, db_session, alma, iciela):
    sign_in(client, HR_MANAGER)
    url = "/e/iciela/rh/import"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "file": (io.BytesIO(csv_bytes(GOOD_ROWS)), "r.csv"),
        },
        content_type="multipart/form-data",
    )
    token = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    before = count(demo, db_session, alma)
    client.post(
        "/e/association-alma/rh/import/confirmer",
        data={"csrf_token": csrf_token(client, url), "token": token},
    )
    assert count(demo, db_session, alma) == before


def test_template_download_reads_back_cleanly(client, demo, db_session, alma, french):
    sign_in(client, HR_MANAGER)
    data = client.get("/e/association-alma/rh/import/modele.csv").data
    assert data.startswith(codecs.BOM_UTF8)
    result = run_preview(demo, db_session, alma, "modele.csv", data)
    assert result.importable, [r.problems for r in result.rows]
