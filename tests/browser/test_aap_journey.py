"""A joint answer in a real browser, two people at once: ECHO's director (desktop)
publishes a call, leads the answer and invites two partners; Basse Masure's
director (phone) accepts, enters her budget lines and writes the section her
centre was given; both edit that section from the same version, the second
save lands on the conflict page and is merged; the lead takes the section back
while she writes, and her text comes back to her; the lead submits through the
confirmation page that lists what is not finished, and downloads
the PDF, which is read back (pdftotext) and rendered to PNG (pdftoppm)."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
ECHO_DIRECTOR = "karim.haddou@echo.demo"
BASSE_MASURE_DIRECTOR = "aicha.ouali@bassemasure.demo"
CALL = "Seniors connectés (parcours)"


def _sign_in(ui, email):
    ui.visit("/connexion")
    ui.sign_in(email, PASSWORD)
    ui.check_a11y()


def _editor(page):
    """The formatting editor that replaces the section's textarea."""
    return page.get_by_role("textbox", name="Texte de la rubrique")


def _write(page, html):
    """Replaces the editor's content (as a paste of formatted text would)."""
    editor = _editor(page)
    editor.evaluate(
        "(area, html) => { area.innerHTML = html;"
        " area.dispatchEvent(new Event('input', {bubbles: true})); }",
        html,
    )


def _submit(ui, page, name):
    page.get_by_role("button", name=name).click()
    ui.check_a11y()


def test_co_writing_a_joint_answer_with_a_conflict_then_submitting(
    browser_page, phone_page, tmp_path
):
    lead, lead_page = browser_page, browser_page.page
    partner, partner_page = phone_page, phone_page.page

    # The lead publishes a call and positions ECHO as chef de file.
    _sign_in(lead, ECHO_DIRECTOR)
    lead.visit("/c/echo/")
    lead_page.get_by_role("navigation", name=re.compile("Rubriques")).get_by_role(
        "link", name="Appels à projets"
    ).click()
    lead.check_a11y()
    expect(lead_page.get_by_role("heading", level=1)).to_have_text("Appels à projets")
    lead_page.get_by_role("link", name="Signaler un appel à projets").click()
    lead.check_a11y()
    lead_page.get_by_label("Intitulé de l’appel").fill(CALL)
    lead_page.get_by_label("Financeur").select_option("carsat")
    deadline = date.today() + timedelta(days=30)
    lead_page.get_by_label("Date limite de dépôt").fill(deadline.isoformat())
    lead_page.get_by_label("Enveloppe en euros (facultatif)").fill("40 000")
    _submit(lead, lead_page, "Publier dans le réseau")
    expect(lead_page.locator("main")).to_contain_text(CALL)
    # She corrects the call she published: its theme was missing.
    lead_page.get_by_role("link", name=f"Modifier — {CALL}").click()
    lead.check_a11y()
    expect(lead_page.get_by_label("Intitulé de l’appel")).to_have_value(CALL)
    lead_page.get_by_label("Thème (facultatif)").fill("Bien vieillir, lien social")
    lead.screenshot("aap-01-call-edit")
    _submit(lead, lead_page, "Enregistrer les modifications")
    expect(lead_page.locator(".flash")).to_contain_text("L’appel est modifié.")
    expect(lead_page.locator("main")).to_contain_text("Bien vieillir, lien social")
    lead.screenshot("aap-01-calls")
    lead_page.get_by_role("button", name=f"Être chef de file — {CALL}").click()
    lead.check_a11y()
    expect(lead_page.get_by_role("heading", level=1)).to_have_text(CALL)
    answer_url = lead_page.url
    answer_id = re.search(r"/reponses/(\d+)/", answer_url).group(1)
    for centre in ("Centre Social Fresnoy Mackellerie", "Centre Social Basse Masure"):
        lead_page.get_by_label("Centre partenaire").select_option(label=centre)
        _submit(lead, lead_page, "Inviter")
        expect(lead_page.locator(".flash")).to_contain_text(f"{centre} est invité")
    lead.screenshot("aap-02-answer-lead")

    # The partner, on her phone, accepts and enters her budget lines.
    _sign_in(partner, BASSE_MASURE_DIRECTOR)
    partner.visit("/c/basse-masure/aap/")
    partner_page.get_by_role("link", name=CALL).click()
    partner.check_a11y()
    expect(partner_page.locator("main")).to_contain_text("Invitation de Centre Social ECHO")
    partner.screenshot("aap-03-phone-invitation")
    _submit(partner, partner_page, "Accepter l’invitation")
    partner_page.get_by_role("navigation", name="Rubriques de la réponse").get_by_role(
        "link", name="Budget"
    ).click()
    partner.check_a11y()
    for account, label, funder, amount in (
        ("641", "Animatrice seniors", "", "12 000"),
        ("74", "Subvention", "CARSAT Nord-Picardie", "9 000,00"),
    ):
        partner_page.get_by_label("Compte", exact=True).select_option(account[:2])
        partner_page.get_by_label("Intitulé", exact=True).fill(label)
        partner_page.get_by_label("Financeur (compte 74)").fill(funder)
        partner_page.get_by_label("Montant en euros").fill(amount)
        _submit(partner, partner_page, "Enregistrer la ligne")
        expect(partner_page.locator(".flash")).to_contain_text("Ligne de budget enregistrée")
    expect(partner_page.locator("main")).to_contain_text("Budget du projet non équilibré")
    width = partner_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    partner.screenshot("aap-04-phone-budget")

    # The lead gives the « actions » section to Basse Masure.
    lead.visit(answer_url.replace(lead.server(""), ""))
    lead_page.get_by_role("link", name="Projet : actions").click()
    lead.check_a11y()
    section_url = lead_page.url
    lead_page.get_by_label("Centre responsable").select_option(label="Centre Social Basse Masure")
    _submit(lead, lead_page, "Confier à ce centre")

    # The partner writes it.
    partner.visit(section_url.replace(lead.server(""), "").replace("/c/echo/", "/c/basse-masure/"))
    # With the toolbar, not HTML: a heading, then a paragraph with a bold passage.
    editor = _editor(partner_page)
    editor.click()
    partner_page.keyboard.type("Ateliers tablette")
    partner_page.get_by_role("toolbar", name="Mise en forme").get_by_role(
        "button", name="Titre", exact=True
    ).click()
    partner_page.keyboard.press("End")
    partner_page.keyboard.press("Enter")
    partner_page.get_by_role("button", name="Paragraphe").click()
    partner_page.keyboard.type("Chaque mardi à Basse Masure : ")
    partner_page.get_by_role("button", name="Gras").click()
    partner_page.keyboard.type("prise en main")
    partner_page.get_by_role("button", name="Gras").click()
    partner_page.keyboard.type(", démarches en ligne.")
    _submit(partner, partner_page, "Enregistrer une nouvelle version")
    expect(partner_page.locator(".flash")).to_contain_text("Version 1 enregistrée")
    preview = partner_page.locator("#apercu + .rich")
    expect(preview.get_by_role("heading", name="Ateliers tablette")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("prise en main")
    partner.screenshot("aap-05-phone-section")

    # Both start from version 1; she saves first, his save meets the conflict page.
    lead.visit(section_url.replace(lead.server(""), ""))
    _write(
        lead_page,
        "<h3>Ateliers tablette</h3><p>Chaque mardi à Basse Masure.</p>"
        "<p>Transport solidaire assuré par ECHO.</p>",
    )
    _write(partner_page, "<h3>Ateliers tablette</h3><p>Chaque mardi et jeudi à Basse Masure.</p>")
    _submit(partner, partner_page, "Enregistrer une nouvelle version")
    expect(partner_page.locator(".flash")).to_contain_text("Version 2 enregistrée")
    _submit(lead, lead_page, "Enregistrer une nouvelle version")
    expect(lead_page.get_by_role("alert")).to_contain_text("pendant que vous écriviez")
    main = lead_page.locator("main")
    expect(main).to_contain_text("Chaque mardi et jeudi à Basse Masure.")  # theirs
    expect(main).to_contain_text("Transport solidaire assuré par ECHO.")  # mine
    expect(main).to_contain_text("Version de départ (1)")
    lead.screenshot("aap-06-conflict")
    _write(
        lead_page,
        "<h3>Ateliers tablette</h3><p>Chaque mardi et jeudi à Basse Masure.</p>"
        "<p>Transport solidaire assuré par ECHO.</p>",
    )
    _submit(lead, lead_page, "Enregistrer ce texte")
    expect(lead_page.locator(".flash")).to_contain_text("Version 3 enregistrée")
    lead_page.get_by_role("link", name=re.compile("Historique des versions")).click()
    lead.check_a11y()
    expect(lead_page.locator("main")).to_contain_text("Aïcha Ouali")
    lead.screenshot("aap-07-history")

    # The partner writes again while the lead takes the section back: her save is
    # refused, her text comes back with the reason, kept as her draft.
    partner.visit(section_url.replace(lead.server(""), "").replace("/c/echo/", "/c/basse-masure/"))
    expect(partner_page.locator("#presence")).to_contain_text("Karim Haddou")
    _write(partner_page, "<p>Un car solidaire relie les six quartiers chaque jeudi.</p>")
    lead.visit(section_url.replace(lead.server(""), ""))
    lead_page.get_by_label("Centre responsable").select_option(label="Centre Social ECHO")
    _submit(lead, lead_page, "Confier à ce centre")
    _submit(partner, partner_page, "Enregistrer une nouvelle version")
    expect(partner_page.get_by_role("alert")).to_contain_text("confiée à un autre centre")
    expect(partner_page.locator("#texte-garde")).to_contain_text("Un car solidaire relie")
    partner.screenshot("aap-07b-phone-text-kept")
    # Coming back later, the draft is still offered to her.
    partner.visit(section_url.replace(lead.server(""), "").replace("/c/echo/", "/c/basse-masure/"))
    expect(partner_page.locator("main")).to_contain_text("Votre brouillon gardé le")

    # The lead's own budget lines balance the budget; then the lead submits.
    lead_page.get_by_role("navigation", name="Rubriques de la réponse").get_by_role(
        "link", name="Budget"
    ).click()
    lead.check_a11y()
    for account, label, funder, amount in (
        ("606", "Tablettes", "", "3 000"),
        ("74", "Subvention", "Département du Nord", "6 000"),
    ):
        lead_page.get_by_label("Compte", exact=True).select_option(account[:2])
        lead_page.get_by_label("Intitulé", exact=True).fill(label)
        lead_page.get_by_label("Financeur (compte 74)").fill(funder)
        lead_page.get_by_label("Montant en euros").fill(amount)
        _submit(lead, lead_page, "Enregistrer la ligne")
    expect(lead_page.locator("main")).to_contain_text("Budget du projet équilibré")
    lead.screenshot("aap-08-budget")
    lead_page.get_by_role("navigation", name="Rubriques de la réponse").get_by_role(
        "link", name="Dossier"
    ).click()
    lead.check_a11y()
    # Submitting goes through a confirmation page that lists what is not finished.
    lead_page.get_by_role("link", name="Déposer la réponse…").click()
    lead.check_a11y()
    unfinished = lead_page.locator(".warning")
    expect(unfinished).to_contain_text("rubriques ne sont pas approuvées")
    expect(unfinished).to_contain_text("rubriques sont vides")
    lead.screenshot("aap-08b-confirm-submit")
    _submit(lead, lead_page, "Déposer la réponse")
    expect(lead_page.locator(".field.checkbox .error")).to_contain_text("Cochez cette case")
    lead_page.get_by_label(re.compile("Je dépose malgré")).check()
    _submit(lead, lead_page, "Déposer la réponse")
    expect(lead_page.locator(".flash")).to_contain_text("le dossier est figé")
    lead.screenshot("aap-09-submitted")

    with lead_page.expect_download() as download_info:
        lead_page.get_by_role("link", name="Télécharger (PDF)").click()
    pdf = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = re.sub(r"[\s\u202f\u00a0]+", " ", text)
    assert CALL in flat and "Centre Social Basse Masure" in flat
    assert "Transport solidaire assuré par ECHO." in flat
    assert "CARSAT Nord-Picardie" in flat
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(pdf), str(ARTIFACTS / "aap-10-pdf")], check=True
    )

    # Frozen: the partner's editor is gone, her page says so.
    partner.visit(section_url.replace(lead.server(""), "").replace("/c/echo/", "/c/basse-masure/"))
    expect(partner_page.get_by_label("Texte de la rubrique")).to_have_count(0)
    expect(partner_page.locator("main")).to_contain_text("Déposée")
    assert answer_id
