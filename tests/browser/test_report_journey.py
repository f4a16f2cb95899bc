"""The grant's financial report in a real browser. Fresnoy Mackellerie's director,
on a phone, finds on her home page the report to send, refreshes her centre's
figures (sessions held, the officer's time valued at real cost), corrects a real
amount with the explanation of its gap; then ECHO's director, the lead, on a
desktop, reads the report (actions carried out, budget planned against real),
is refused a signature without his name, signs, and downloads the PDF, which is
read back (pdftotext) and rendered to PNG (pdftoppm). Every page is checked with
axe-core; screenshots in tests/artifacts/."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from playwright.sync_api import expect

from browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
ECHO_DIRECTOR = "karim.haddou@echo.demo"
FRESNOY_DIRECTOR = "thomas.lefebvre@fresnoy.demo"
TITLE = "Bien vieillir : ateliers numériques des aînés"


def _sign_in(ui, email):
    ui.visit("/connexion")
    ui.sign_in(email, PASSWORD)
    ui.check_a11y()


def _click(ui, page, role, name):
    page.get_by_role(role, name=name, exact=True).click()
    ui.check_a11y()


def test_the_lead_produces_the_financial_report(browser_page, phone_page, tmp_path):
    partner, partner_page = phone_page, phone_page.page
    _sign_in(partner, FRESNOY_DIRECTOR)
    partner.visit("/c/fresnoy-mackellerie/")
    panel = partner_page.locator(
        "section",
        has=partner_page.get_by_role("heading", name="Comptes rendus financiers à remettre"),
    )
    expect(panel).to_contain_text("à remettre avant le")
    panel.get_by_role("link", name=TITLE).click()
    partner.check_a11y()
    _click(partner, partner_page, "link", "Remplir la part de Centre Social Fresnoy Mackellerie")
    _click(partner, partner_page, "button", "Actualiser mes chiffres")
    main = partner_page.locator("main")
    expect(main).to_contain_text("Ateliers numériques des aînés : 16 séances tenues")
    expect(main).to_contain_text("Poste mutualisé « Chargé de transition numérique »")
    partner.screenshot("report-01-partner-part")
    partner_page.get_by_role("link", name=re.compile("Saisir Participation des familles")).click()
    partner.check_a11y()
    partner_page.get_by_label("Montant réel en euros").fill("douze euros")
    _click(partner, partner_page, "button", "Enregistrer")
    expect(partner_page.locator(".error-summary")).to_be_visible()
    partner.screenshot("report-02-partner-refused")
    partner_page.get_by_label("Montant réel en euros").fill("210,00")
    partner_page.get_by_label("Explication de l’écart").fill(
        "Gratuité accordée aux bénéficiaires du minimum vieillesse ; moins d’inscrits l’été."
    )
    _click(partner, partner_page, "button", "Enregistrer")
    expect(partner_page.locator(".flash")).to_contain_text("Montant réel enregistré")
    expect(main).to_contain_text("210,00")

    lead, lead_page = browser_page, browser_page.page
    _sign_in(lead, ECHO_DIRECTOR)
    lead.visit("/c/echo/")
    lead_page.get_by_role("link", name=TITLE).first.click()
    lead.check_a11y()
    main = lead_page.locator("main")
    expect(main).to_contain_text("1. Actions réalisées")
    expect(main).to_contain_text("Café des aînés")
    expect(main).to_contain_text("Gratuité accordée aux bénéficiaires")
    lead.screenshot("report-03-lead-report")
    # Refused without a name: the form comes back with its French error.
    lead_page.get_by_label("Qualité").fill("Président")
    lead_page.get_by_label("Date de signature").fill(date.today().isoformat())
    _click(lead, lead_page, "button", "Signer le compte rendu")
    expect(lead_page.locator(".error-summary")).to_contain_text(
        "Indiquez le nom du représentant légal."
    )
    lead_page.get_by_label("Nom et prénom du représentant légal").fill("Bernard Delcourt")
    lead_page.get_by_label("Qualité").fill("Président")
    _click(lead, lead_page, "button", "Signer le compte rendu")
    expect(lead_page.locator(".flash")).to_contain_text("Compte rendu financier signé")
    expect(main).to_contain_text("par Bernard Delcourt (Président)")
    lead.screenshot("report-04-signed")

    with lead_page.expect_download() as download_info:
        lead_page.get_by_role("link", name="Télécharger le compte rendu (PDF)").click()
    pdf = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = re.sub(r"[\s\u202f\u00a0]+", " ", text)
    assert "Compte rendu financier de subvention" in flat
    assert "Bernard Delcourt, Président" in flat
    assert "Centre Social Basse Masure" in flat and "2. Tableau de synthèse" in flat
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "report-05-pdf")], check=True
    )
