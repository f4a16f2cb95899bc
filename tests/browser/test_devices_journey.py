"""The officer connects his phone's calendar (issue 14): on « Mes appareils » he
creates an app password for his iPhone, reads it once, follows the set-up steps
on the subscription page (server address and QR code), then revokes the device.
Desktop and phone-sized screens, axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

OFFICER = "hugo.carpentier@alma.demo"


def _sign_in(ui) -> None:
    ui.visit("/connexion")
    ui.sign_in(OFFICER, "ensemble-demo")
    ui.check_a11y()


def test_the_officer_creates_reads_once_and_revokes_an_app_password(browser_page, live_server):
    ui, page = browser_page, browser_page.page
    _sign_in(ui)
    page.get_by_role("link", name="Mes appareils").click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes appareils")

    page.get_by_label("Nom de l’appareil").fill("iPhone de Hugo")
    page.get_by_role("button", name="Créer un mot de passe d’application").click()
    ui.check_a11y()
    secret = page.locator("#app-password").inner_text()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", secret)
    expect(page.get_by_role("cell", name="iPhone de Hugo", exact=True)).to_be_visible()
    address = live_server.app.config["PUBLIC_URL"].rstrip("/") + "/"
    expect(page.locator(".caldav-facts code").first).to_have_text(address)
    ui.screenshot("caldav-01-app-password-shown-once")

    ui.visit("/compte/appareils")
    expect(page.locator("#app-password")).to_have_count(0)

    # An empty name is refused in French, next to the field.
    page.get_by_role("button", name="Créer un mot de passe d’application").click()
    ui.check_a11y()
    expect(page.get_by_role("alert")).to_contain_text("Donnez un nom à l’appareil")

    ui.visit("/c/alma/agenda/abonnement")
    setup = page.locator(".caldav-setup")
    for heading in (
        "Sur un iPhone ou un iPad",
        "Sur Android (avec l’application DAVx⁵)",
        "Dans Thunderbird",
    ):
        expect(setup.get_by_role("heading", name=heading)).to_be_visible()
    expect(setup.get_by_role("img", name=re.compile("Adresse du serveur"))).to_be_visible()
    ui.screenshot("caldav-02-subscription-steps")

    ui.visit("/compte/appareils")
    page.get_by_role("button", name="Révoquer « iPhone de Hugo »").click()
    ui.check_a11y()
    expect(page.get_by_text("« iPhone de Hugo » ne peut plus se connecter.")).to_be_visible()
    expect(page.get_by_role("cell", name="iPhone de Hugo", exact=True)).to_have_count(0)


def test_the_set_up_steps_fit_a_phone_screen(phone_page):
    ui, page = phone_page, phone_page.page
    _sign_in(ui)
    ui.visit("/c/alma/agenda/abonnement")
    # The server address's code (a webcal code joins it once a feed address exists).
    expect(page.get_by_role("img", name=re.compile("^Adresse du serveur"))).to_be_visible()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390, f"the page is {scroll}px wide on a 390px screen"
    ui.screenshot("caldav-03-subscription-phone")


def test_the_devices_table_fits_a_phone_screen(phone_page):
    """Red team: the table of devices was 550 px wide on a 390 px screen."""
    ui, page = phone_page, phone_page.page
    _sign_in(ui)
    ui.visit("/compte/appareils")
    page.get_by_label("Nom de l’appareil").fill("Téléphone professionnel de Hugo (Android)")
    page.get_by_role("button", name="Créer un mot de passe d’application").click()
    ui.visit("/compte/appareils")
    expect(page.get_by_text("Téléphone professionnel de Hugo (Android)")).to_be_visible()
    ui.check_a11y()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390, f"the page is {scroll}px wide on a 390px screen"
    ui.screenshot("caldav-04-devices-phone")
