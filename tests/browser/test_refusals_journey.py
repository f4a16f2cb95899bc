"""Bad input in a real browser: a director types what issue 17 found ending in
500s (1e30 hours, a 150 % tolerance, an amount of spaces) and reads, on the form
itself, French messages that say what is accepted; nothing is created."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
ALMA_DIRECTOR = "claire.vasseur@alma.demo"


def test_a_director_reads_what_each_field_accepts(browser_page):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    ui.sign_in(ALMA_DIRECTOR, PASSWORD)
    ui.check_a11y()
    ui.visit("/c/alma/postes/nouveau")
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_contain_text("poste")
    page.get_by_label("Intitulé du poste").fill("Médiatrice numérique")
    page.get_by_label("Adresse e-mail de la personne qui occupe le poste").fill(
        "hugo.carpentier@alma.demo"
    )
    page.get_by_label("Durée du travail (heures par semaine)").fill("1e30")
    page.get_by_label("Écart toléré entre temps convenu et temps réel (%)").fill("150")
    page.get_by_label("Début").fill("2027-01-04")
    page.get_by_role("button", name="Créer le poste").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Indiquez un nombre, par exemple 1\u00a0234,56.")
    expect(summary).to_contain_text("Entre 1 et 100\u00a0%.")
    # What was typed stays, to be corrected.
    expect(page.get_by_label("Durée du travail (heures par semaine)")).to_have_value("1e30")
    ui.check_a11y()
    ui.screenshot("refusals-01-post-form")
