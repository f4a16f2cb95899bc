"""The live character counter of a section counts as the server does (issue 12, second
red team: the browser counted UTF-16 units, the server code points): code points of
the composed text, so an emoji is one character and « é » typed as e + combining
accent is one too. After the save, the count the server sends is read too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
ECHO_DIRECTOR = "karim.haddou@echo.demo"
# Typed as a person would paste it: decomposed accents and emoji outside the BMP.
TEXT = "Cafe\u0301 👍 Re\u0301ussite 🎉"  # « Café 👍 Réussite 🎉 »: 17 characters


def test_the_live_counter_and_the_server_count_alike(browser_page):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    ui.sign_in(ECHO_DIRECTOR, PASSWORD)
    ui.check_a11y()
    ui.visit("/c/echo/aap/")
    ui.check_a11y()
    page.get_by_role("link", name="Bien vieillir dans son quartier").first.click()
    ui.check_a11y()
    page.get_by_role("link", name="Projet : évaluation").first.click()
    ui.check_a11y()
    page.get_by_label("Limite fixée par l’appel").select_option("characters")
    page.get_by_label("Nombre maximal").fill("20")
    page.get_by_role("button", name="Enregistrer la limite et l’échéance").click()
    ui.check_a11y()
    counter = page.locator("#compteur")
    expect(counter).to_be_visible()
    editor = page.get_by_role("textbox", name="Texte de la rubrique")
    editor.evaluate(
        "(area, text) => { area.innerHTML = '<p>' + text + '</p>';"
        " area.dispatchEvent(new Event('input', {bubbles: true})); }",
        TEXT,
    )
    expect(counter).to_have_text(re.compile(r"^17\s*caractères / 20$"))
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    expect(page.get_by_text(re.compile(r"Version \d+ enregistrée"))).to_be_visible()
    ui.check_a11y()
    expect(page.locator("#compteur")).to_have_text(re.compile(r"^17\s*caractères / 20$"))
    # The server's own count, as the page is sent (before the script rewrites it).
    html = page.request.get(page.url).text()
    served = re.search(r'id="compteur"[^>]*>([^<]*)<', html)
    assert served is not None
    assert re.sub(r"\s+", " ", served.group(1)).strip() == "17 caractères sur 20 au plus"
