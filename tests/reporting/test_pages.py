"""Reporting over HTTP: the director fills, imports and submits; the analyst
returns with a question then validates; exports and the dashboard; isolation
of a centre's declaration and of a federation's dashboard."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ensemble.reporting.models import Declaration, DirtyKey, Status
from ensemble.tenancy import context
from reporting.support import ALMA_DIRECTOR, ECHO_DIRECTOR, NORD_ANALYST, SSD_ANALYST
from reporting.test_operations import BAD_ROWS, EXCEL_CSV

from conftest import csrf_token, sign_in


def _admin(db_session):
    return context.using(context.system_context(is_admin=True), db_session)


def _declaration(db_session, slug_id: int, year: int) -> Declaration | None:
    db_session.expire_all()  # the requests wrote through sessions of their own
    with _admin(db_session):
        return db_session.scalar(
            select(Declaration)
            .options(selectinload(Declaration.values))
            .where(Declaration.centre_id == slug_id, Declaration.year == year)
        )


def test_director_fills_imports_and_submits_then_the_analyst_reviews(app, demo, db_session):
    alma = demo.centre("alma")
    director = app.test_client()
    sign_in(director, ALMA_DIRECTOR)
    token = csrf_token(director, "/c/alma/declarations")
    response = director.post("/c/alma/declarations", data={"csrf_token": token, "year": "2022"})
    assert response.status_code == 302
    url = response.headers["Location"]
    page = director.get(url).get_data(as_text=True)
    assert "Déclaration 2022" in page and "Petite enfance" in page

    # A bad figure typed by hand is explained, nothing saved.
    response = director.post(
        url, data={"csrf_token": token, "v__pe.enfants__": "beaucoup", "v__pe.familles__": "12"}
    )
    assert "n’est pas un nombre" in response.get_data(as_text=True)
    assert _declaration(db_session, alma.id, 2022).values == []

    # Import: the file with bad rows is refused as a whole, then the fixed one imports.
    import_url = url + "/import"
    bad = (EXCEL_CSV.replace("\u202f", "\u00a0") + BAD_ROWS).encode("cp1252")
    response = director.post(
        import_url,
        data={"csrf_token": token, "file": (io.BytesIO(bad), "declaration.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert "5 erreurs" in html and "inconnu" in html and 'name="payload"' not in html
    good = EXCEL_CSV.encode("cp1252", errors="replace").replace(b"?", b" ")
    response = director.post(
        import_url,
        data={"csrf_token": token, "file": (io.BytesIO(good), "declaration.csv")},
        content_type="multipart/form-data",
    )
    payload = re.search(
        r'name="payload" type="hidden" value="([^"]+)"', response.get_data(as_text=True)
    )
    assert payload, response.get_data(as_text=True)[:3000]
    response = director.post(import_url, data={"csrf_token": token, "payload": payload.group(1)})
    assert response.status_code == 302
    declaration = _declaration(db_session, alma.id, 2022)
    assert len(declaration.values) == 7

    response = director.post(url + "/transmettre", data={"csrf_token": token})
    assert response.status_code == 302
    assert _declaration(db_session, alma.id, 2022).status is Status.SUBMITTED

    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    atoken = csrf_token(analyst, "/f/nord/declarations?annee=2022")
    review = f"/f/nord/declarations/{declaration.id}"
    assert "Centre Social Alma" in analyst.get(review).get_data(as_text=True)
    analyst.post(review + "/renvoyer", data={"csrf_token": atoken, "body": "D’où vient ce total ?"})
    assert _declaration(db_session, alma.id, 2022).status is Status.RETURNED
    page = director.get(url).get_data(as_text=True)
    assert "D’où vient ce total ?" in page
    director.post(url + "/message", data={"csrf_token": token, "body": "Des ateliers d’été."})
    director.post(url + "/transmettre", data={"csrf_token": token})
    analyst.post(review + "/valider", data={"csrf_token": atoken})
    assert _declaration(db_session, alma.id, 2022).status is Status.VALIDATED
    with _admin(db_session):
        assert db_session.scalar(
            select(DirtyKey).where(
                DirtyKey.year == 2022, DirtyKey.federation_id == alma.federation_id
            )
        )

    # Export of the centre's own declaration.
    response = director.get(url + "/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert ("asf.passages", 1488) in {(r[0], r[3]) for r in sheet.iter_rows(values_only=True)}
    assert director.get(url + "/export.csv").data.startswith(b"\xef\xbb\xbf")


def test_another_centre_gets_404_on_a_declaration(app, demo, db_session):
    declaration = _declaration(db_session, demo.centre("alma").id, 2021)
    client = app.test_client()
    sign_in(client, ECHO_DIRECTOR)
    assert client.get(f"/c/alma/declarations/{declaration.id}").status_code == 404
    assert client.get(f"/c/echo/declarations/{declaration.id}").status_code == 404


def test_dashboard_exports_and_isolation(app, demo, db_session):
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    page = analyst.get("/f/nord/tableau-de-bord?annee=2021")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "Données du graphique" in html
    for suffix in (".csv", ".xlsx", ".pdf"):
        assert analyst.get(f"/f/nord/tableau-de-bord{suffix}?annee=2021").status_code == 200
    other = app.test_client()
    sign_in(other, SSD_ANALYST)
    assert other.get("/f/nord/tableau-de-bord").status_code == 404
    assert other.get("/f/nord/tableau-de-bord.xlsx").status_code == 404


def test_a_director_compares_with_the_network_without_named_centres(app, demo):
    client = app.test_client()
    sign_in(client, ALMA_DIRECTOR)
    html = client.get("/c/alma/declarations/comparaison?annee=2021").get_data(as_text=True)
    assert "Notre centre" in html
    for other in ("ECHO", "Fresnoy", "Basse Masure", "Assia Djebar"):
        assert other not in html
