"""Shared posts over HTTP: who sees what, forms that explain refusals, downloads."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from ensemble.posts import operations as posts
from ensemble.tenancy import context
from posts.posts_support import (
    ALMA_DIRECTOR,
    ALMA_STAFF,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    HR_MANAGER,
    OFFICER,
    load_post,
)

from conftest import csrf_token, sign_in

FRESNOY = "/c/fresnoy-mackellerie/postes"
ALMA_EMPLOYER = "/e/association-alma/postes"
SALARY = ("2\u202f450,00", "1\u202f078,00", "3\u202f614,40", "Salaire brut mensuel")


@pytest.fixture
def statement_id(demo, db_session, officer_post):
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        post = load_post(db_session, officer_post.post_id)
        return posts.issue_statement(db_session, post, date(2026, 3, 1)).id


def _signed_in(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_a_party_director_sees_the_post_its_gauges_and_amounts(app, officer_post, statement_id):
    client = _signed_in(app, FRESNOY_DIRECTOR)
    post = officer_post.post_id
    assert "Chargé·e de transition numérique (essai)" in client.get(f"{FRESNOY}/").get_data(True)
    page = client.get(f"{FRESNOY}/{post}/?mois=2026-03").get_data(as_text=True)
    assert "Temps par structure" in page and "Convenu" in page
    assert "46,2\u00a0h" in page or "46,2 h" in page  # Fresnoy’s 30 % of March
    costs = client.get(f"{FRESNOY}/{post}/couts")
    assert costs.status_code == 200 and "2\u202f450,00" in costs.get_data(as_text=True)
    statement = client.get(f"{FRESNOY}/{post}/etats/{statement_id}").get_data(as_text=True)
    assert "1\u202f084,32" in statement and "plus fort reste" in statement
    pdf = client.get(f"{FRESNOY}/{post}/etats/{statement_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    csv = client.get(f"{FRESNOY}/{post}/etats/{statement_id}/csv")
    assert csv.data.startswith(b"\xef\xbb\xbf") and b"1084,32" in csv.data
    assert "attachment" in csv.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("email", "url"),
    [
        (ECHO_DIRECTOR, "/c/echo/postes"),  # a non-party centre, with its own slug
        (ECHO_DIRECTOR, FRESNOY),  # …or with a party's slug
        (ALMA_STAFF, "/c/alma/postes"),  # staff of the carrier's centre, not a party
        ("sophie.lambrecht@iciela.demo", "/e/iciela/postes"),
    ],
)
def test_a_non_party_gets_404_on_every_page_of_the_post(
    app, officer_post, statement_id, email, url
):
    client = _signed_in(app, email)
    post = officer_post.post_id
    for path in (
        "/",
        "/temps",
        "/documents",
        "/couts",
        "/etats",
        "/repartition",
        "/convention.docx",
        f"/etats/{statement_id}",
        f"/etats/{statement_id}/pdf",
        f"/etats/{statement_id}/csv",
    ):
        response = client.get(f"{url}/{post}{path}")
        assert response.status_code == 404, (email, path)
        assert "Page introuvable" in response.get_data(as_text=True)
    listing = client.get(f"{url}/")
    assert "transition numérique (essai)" not in listing.get_data(as_text=True)


def test_staff_of_a_party_sees_the_post_but_never_a_salary_figure(app, officer_post, statement_id):
    client = _signed_in(app, OFFICER)
    post = officer_post.post_id
    for path in ("/", "/temps", "/documents", "/etats", f"/etats/{statement_id}"):
        response = client.get(f"{FRESNOY}/{post}{path}")
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert not [s for s in SALARY if s in page], path
        assert "1\u202f084,32" not in page
    assert "réservés aux directions" in client.get(
        f"{FRESNOY}/{post}/etats/{statement_id}"
    ).get_data(as_text=True)
    for path in ("/couts", f"/etats/{statement_id}/pdf", f"/etats/{statement_id}/csv"):
        assert client.get(f"{FRESNOY}/{post}{path}").status_code == 404, path
    token = csrf_token(client, f"{FRESNOY}/{post}/")
    assert client.post(f"{FRESNOY}/{post}/couts", data={"csrf_token": token}).status_code == 404


def test_refusals_are_explained_in_the_form(app, officer_post):
    client = _signed_in(app, ALMA_DIRECTOR)
    url = f"{ALMA_EMPLOYER}/{officer_post.post_id}/repartition"
    token = csrf_token(client, url)
    page = client.get(url).get_data(as_text=True)
    echo = re.search(r'<option value="(c:\d+)">Centre Social ECHO</option>', page).group(1)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "party": echo,
            "site_centre_id": "",
            "unit": "percent",
            "share": "12,5",
            "starts_on": "2026-02-01",
            "ends_on": "",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Les parts dépasseraient 100\u00a0% du temps le 01/02/2026 (112,5\u00a0%)" in html or (
        "Les parts dépasseraient 100 % du temps le 01/02/2026 (112,5 %)" in html
    )
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "party": "c:999999",
            "unit": "percent",
            "share": "abc",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Indiquez un nombre, par exemple 1\u202f234,56." in html
    # Without a token the global CSRF check refuses it, with the French page.
    response = client.post(url, data={"party": echo, "share": "5", "starts_on": "2026-02-01"})
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


def test_only_the_carrier_manages_the_post(app, officer_post):
    client = _signed_in(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/{officer_post.post_id}"
    token = csrf_token(client, f"{url}/temps")
    assert client.get(f"{url}/repartition").status_code == 404
    for path in ("/repartition", "/documents", "/couts", "/etats"):
        assert client.post(f"{url}{path}", data={"csrf_token": token}).status_code == 404, path
    assert client.get("/c/fresnoy-mackellerie/postes/nouveau").status_code == 200  # its own


def test_a_host_director_records_hours_with_a_decimal_comma(app, demo, officer_post):
    client = _signed_in(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/{officer_post.post_id}/temps"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "centre_id": str(demo.centre("fresnoy-mackellerie").id),
            "work_date": "2026-03-04",
            "hours": "3,5",
            "note": "Atelier tablettes",
        },
    )
    assert response.status_code == 302
    page = client.get(f"{url}?mois=2026-03").get_data(as_text=True)
    assert "Atelier tablettes" in page and "3,5\u00a0h" in page


def test_the_carrier_creates_a_post_uploads_a_document_and_issues_a_statement(
    app, demo, officer_post
):
    client = _signed_in(app, ALMA_DIRECTOR)
    token = csrf_token(client, f"{ALMA_EMPLOYER}/nouveau")
    response = client.post(
        f"{ALMA_EMPLOYER}/nouveau",
        data={
            "csrf_token": token,
            "title": "Animateur numérique",
            "arrangement": "mise_a_disposition",
            "holder_email": OFFICER,
            "weekly_hours": "35",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "tasks": "Ateliers",
            "insurance": "RC",
            "drift_threshold_percent": "10",
        },
    )
    assert response.status_code == 302 and "/repartition" in response.headers["Location"]

    post = officer_post.post_id
    response = client.post(
        f"{ALMA_EMPLOYER}/{post}/documents",
        data={
            "csrf_token": token,
            "kind": "amendment",
            "signed_on": "2025-12-20",
            "file": (io.BytesIO(b"%PDF-1.4 avenant"), "avenant.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"{ALMA_EMPLOYER}/{post}/documents").get_data(as_text=True)
    assert "avenant.pdf" in page
    docx = client.get(f"{ALMA_EMPLOYER}/{post}/convention.docx")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")

    response = client.post(
        f"{ALMA_EMPLOYER}/{post}/etats",
        data={"csrf_token": token, "month": "2026-05", "correction_note": ""},
    )
    assert response.status_code == 302
    assert "mai 2026 — version 1" in client.get(response.headers["Location"]).get_data(as_text=True)
    refused = client.post(
        f"{ALMA_EMPLOYER}/{post}/etats", data={"csrf_token": token, "month": "2031-01"}
    )
    assert refused.status_code == 422


def test_the_carriers_hr_manager_reads_the_salary_figures(app, officer_post, statement_id):
    client = _signed_in(app, HR_MANAGER)
    post = officer_post.post_id
    assert "2\u202f450,00" in client.get(f"{ALMA_EMPLOYER}/{post}/couts").get_data(as_text=True)
    assert client.get(f"{ALMA_EMPLOYER}/{post}/etats/{statement_id}/pdf").status_code == 200
    # Iciela is not a party: the same post through Iciela's pages does not exist.
    assert client.get(f"/e/iciela/postes/{post}/").status_code == 404


def test_the_list_of_posts_costs_the_same_queries_for_one_post_or_many(
    app, demo, db_session, count_queries
):
    from posts.posts_support import build_officer_post

    client = _signed_in(app, ALMA_DIRECTOR)
    build_officer_post(demo, db_session, title="Poste A")
    with count_queries() as few:
        assert client.get(f"{ALMA_EMPLOYER}/").status_code == 200
    for title in ("Poste B", "Poste C", "Poste D"):
        build_officer_post(demo, db_session, title=title)
    with count_queries() as many:
        page = client.get(f"{ALMA_EMPLOYER}/").get_data(as_text=True)
    assert "Poste D" in page
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("email", "url"),
    [
        (HR_MANAGER, ALMA_EMPLOYER),
        (ALMA_DIRECTOR, ALMA_EMPLOYER),
        (FRESNOY_DIRECTOR, FRESNOY),
        ("aicha.ouali@bassemasure.demo", "/c/basse-masure/postes"),
        (OFFICER, FRESNOY),
    ],
)
def test_every_party_who_sees_the_post_sees_its_holders_name(app, officer_post, email, url):
    # The HR manager shares no centre with the holder: his name came out blank.
    page = _signed_in(app, email).get(f"{url}/{officer_post.post_id}/").get_data(as_text=True)
    assert "Hugo Carpentier" in page
