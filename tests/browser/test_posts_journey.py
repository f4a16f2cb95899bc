"""Shared posts in a real browser: a party director opens the officer's post,
reads the gauges, downloads a cost statement; a director of a centre that is
not a party types the post's URL and gets the 404 page. Desktop and phone."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
FRESNOY_DIRECTOR = "thomas.lefebvre@fresnoy.demo"
ECHO_DIRECTOR = "karim.haddou@echo.demo"
OFFICER_POST = "Chargé de transition numérique"


@pytest.fixture
def officer_post_id(live_server) -> int:
    """The demo officer's post, looked up as its carrier would."""
    from ensemble.extensions import db
    from ensemble.network.models import Employer
    from ensemble.posts.models import SharedPost
    from ensemble.sharing.models import Agreement
    from ensemble.tenancy import context

    with live_server.app.app_context():
        with context.using(context.system_context(is_admin=True), db.session):
            alma = db.session.scalar(select(Employer.id).where(Employer.slug == "association-alma"))
        with context.using(context.system_context(employer_ids=[alma]), db.session):
            post_id = db.session.scalar(
                select(SharedPost.id)
                .join(Agreement, Agreement.id == SharedPost.agreement_id)
                .where(Agreement.title == OFFICER_POST)
            )
        db.session.rollback()
    return post_id


def _open_the_officers_post(ui, page):
    ui.visit("/connexion")
    ui.sign_in(FRESNOY_DIRECTOR, PASSWORD)
    ui.check_a11y()
    ui.visit("/c/fresnoy-mackellerie/")
    page.get_by_role("navigation", name=re.compile("Rubriques")).get_by_role(
        "link", name="Postes mutualisés"
    ).click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postes mutualisés")
    page.get_by_role("link", name=OFFICER_POST).click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFICER_POST)


def test_a_party_director_reads_the_gauges_and_downloads_a_statement(
    browser_page, tmp_path, officer_post_id
):
    ui, page = browser_page, browser_page.page
    _open_the_officers_post(ui, page)
    expect(page).to_have_url(ui.server(f"/c/fresnoy-mackellerie/postes/{officer_post_id}/"))
    ui.screenshot("posts-01-post-this-month")

    # Last month holds the hand-entered days: Fresnoy got more than its 30 %.
    page.get_by_role("link", name="← Mois précédent").click()
    ui.check_a11y()
    gauges = page.locator(".gauge")
    expect(gauges).to_have_count(3)
    fresnoy = gauges.filter(has_text="Centre Social Fresnoy Mackellerie")
    expect(fresnoy).to_contain_text("Convenu")
    expect(fresnoy).to_contain_text("Réalisé")
    expect(fresnoy).to_contain_text("au-delà du seuil de 10")
    ui.screenshot("posts-02-gauges-last-month")

    page.get_by_role("navigation", name="Rubriques du poste").get_by_role(
        "link", name="Documents"
    ).click()
    ui.check_a11y()
    expect(page.locator(".checklist .missing")).to_contain_text(["Avenant au contrat de travail"])
    ui.screenshot("posts-03-documents-checklist")

    page.get_by_role("navigation", name="Rubriques du poste").get_by_role(
        "link", name="États de refacturation"
    ).click()
    ui.check_a11y()
    page.get_by_role("table").get_by_role("link").first.click()
    ui.check_a11y()
    expect(page.get_by_role("heading", name=re.compile("État de refacturation"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Total = coût réel, marge nulle")
    ui.screenshot("posts-04-statement")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger en PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "État de refacturation" in text
    assert "Refacturé à Centre Social Fresnoy Mackellerie" in text
    assert "marge : 0,00" in text


def test_a_non_party_director_typing_the_url_gets_the_404_page(browser_page, officer_post_id):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    ui.sign_in(ECHO_DIRECTOR, PASSWORD)
    ui.check_a11y()
    for path in (
        f"/c/echo/postes/{officer_post_id}/",
        f"/c/fresnoy-mackellerie/postes/{officer_post_id}/",
    ):
        response = ui.visit(path)
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        expect(page.locator("main")).not_to_contain_text(OFFICER_POST)
    ui.screenshot("posts-05-non-party-404")
    ui.visit("/c/echo/postes/")
    expect(page.locator("main")).not_to_contain_text(OFFICER_POST)


def test_the_post_and_its_statement_on_a_phone(phone_page, officer_post_id):
    ui, page = phone_page, phone_page.page
    _open_the_officers_post(ui, page)
    ui.screenshot("posts-06-phone-post")
    page.get_by_role("link", name="← Mois précédent").click()
    ui.check_a11y()
    ui.screenshot("posts-07-phone-gauges")
    page.get_by_role("navigation", name="Rubriques du poste").get_by_role(
        "link", name="États de refacturation"
    ).click()
    ui.check_a11y()
    page.get_by_role("table").get_by_role("link").first.click()
    ui.check_a11y()
    # Nothing wider than the screen: the tables fit or scroll in their own box.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    ui.screenshot("posts-08-phone-statement")
