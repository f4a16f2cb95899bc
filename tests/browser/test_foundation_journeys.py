"""The foundation's journeys in a real browser: sign in, switch place, sign out,
a wrong password, another centre's URL, the keyboard, a phone. Every page
visited is checked with axe-core (see conftest.Visitor)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser.conftest import page_problems

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
DIRECTOR = "claire.vasseur@alma.demo"  # director of Centre Social Alma only
OFFICER = "hugo.carpentier@alma.demo"  # staff in Alma, Fresnoy Mackellerie, Basse Masure
CONNEXION = re.compile(r"/connexion(\?.*)?$")


def _places_nav(page):
    return page.get_by_role("navigation", name="Mes structures")


def test_director_signs_in_opens_her_centre_and_signs_out(browser_page):
    ui, page = browser_page, browser_page.page

    ui.visit("/")
    expect(page).to_have_url(CONNEXION)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    ui.screenshot("01-sign-in")

    ui.sign_in(DIRECTOR, PASSWORD)
    ui.check_a11y()
    # One place only: she lands on it, nothing to choose (issue 13), and no
    # switcher clutters her header.
    expect(page).to_have_url(ui.server("/c/alma/"))
    expect(page.locator("header")).to_contain_text("Claire Vasseur")
    expect(_places_nav(page)).to_have_count(0)
    expect(page.get_by_role("heading", name="Ce qui vous attend")).to_be_visible()
    ui.screenshot("02-director-home")
    expect(page.get_by_role("heading", level=1)).to_have_text("Centre Social Alma")
    expect(page.locator("header .where")).to_contain_text("Centre Social Alma")
    expect(page.get_by_role("heading", name="Activité récente")).to_be_visible()
    ui.screenshot("03-director-centre")

    page.get_by_role("button", name="Se déconnecter").click()
    ui.check_a11y()
    expect(page).to_have_url(CONNEXION)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté·e.")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    ui.screenshot("04-signed-out")

    # The session is really over: her centre now asks for the sign-in again.
    ui.visit("/c/alma/")
    expect(page).to_have_url(CONNEXION)


def test_officer_switches_centre_in_one_click_from_the_header(browser_page):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    ui.sign_in(OFFICER, PASSWORD)
    ui.check_a11y()
    expect(page).to_have_url(ui.server("/"))

    nav = _places_nav(page)
    expect(nav.get_by_role("link")).to_have_text(
        [
            "Centre Social Alma",
            "Centre Social Basse Masure",
            "Centre Social Fresnoy Mackellerie",
        ]
    )
    # The landing page is no place: nothing is marked current yet.
    expect(nav.locator("[aria-current]")).to_have_count(0)
    ui.screenshot("05-officer-home")

    for slug, name in [
        ("alma", "Centre Social Alma"),
        ("fresnoy-mackellerie", "Centre Social Fresnoy Mackellerie"),
        ("basse-masure", "Centre Social Basse Masure"),
    ]:
        nav.get_by_role("link", name=name).click()
        ui.check_a11y()
        expect(page).to_have_url(ui.server(f"/c/{slug}/"))
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        expect(page.locator("header .where")).to_have_text(f"Vous êtes dans : {name}")
        current = nav.locator("[aria-current='page']")
        expect(current).to_have_count(1)
        expect(current).to_have_text(name)
        # Staff, not director: the audit panel is not shown to him.
        expect(page.get_by_role("heading", name="Activité récente")).to_have_count(0)
    ui.screenshot("06-officer-switched")


def test_wrong_password_gives_the_generic_message_and_keeps_the_email(browser_page):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")

    ui.sign_in(DIRECTOR, "pas-le-bon-mot-de-passe")
    ui.check_a11y()
    expect(page).to_have_url(CONNEXION)
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse e-mail", exact=True)).to_have_value(DIRECTOR)
    # The password is never sent back to the page.
    expect(page.get_by_label("Mot de passe", exact=True)).to_have_value("")
    ui.screenshot("07-wrong-password")

    # An unknown address gets exactly the same answer: no way to tell which accounts exist.
    known = page.locator("main").inner_text()
    ui.sign_in("personne@alma.demo", "pas-le-bon-mot-de-passe")
    ui.check_a11y()
    expect(page.get_by_label("Adresse e-mail", exact=True)).to_have_value("personne@alma.demo")
    assert page.locator("main").inner_text() == known


def test_director_typing_another_centres_url_gets_the_french_404(browser_page):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    ui.sign_in(DIRECTOR, PASSWORD)
    ui.check_a11y()

    response = ui.visit("/c/grand-air/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(page.get_by_role("main")).to_contain_text(
        "Cette page n’existe pas, ou vous n’y avez pas accès."
    )
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_title(re.compile(r"^Page introuvable"))
    ui.screenshot("08-not-found")
    forbidden = page.get_by_role("main").inner_text()

    # Another centre's page and a centre that does not exist look the same.
    response = ui.visit("/c/ce-centre-n-existe-pas/")
    assert response.status == 404
    assert page.get_by_role("main").inner_text() == forbidden

    page.get_by_role("link", name="Revenir à l’accueil").click()
    ui.check_a11y()
    expect(page).to_have_url(ui.server("/c/alma/"))  # her one place


@pytest.mark.parametrize("signed_in", [False, True], ids=["sign-in-page", "centre-page"])
def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(browser_page, signed_in):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    if signed_in:
        ui.sign_in(DIRECTOR, PASSWORD)
        ui.check_a11y()
        ui.visit("/c/alma/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    ui.screenshot(f"09-skip-link-{'centre' if signed_in else 'sign-in'}")

    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()
    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def _fits_the_width(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_phone_layout_of_the_landing_and_centre_pages(phone_page):
    ui, page = phone_page, phone_page.page
    ui.visit("/connexion")
    assert _fits_the_width(page)
    ui.screenshot("10-phone-sign-in")

    ui.sign_in(OFFICER, PASSWORD)
    ui.check_a11y()
    expect(page).to_have_url(ui.server("/"))
    assert _fits_the_width(page)
    ui.screenshot("11-phone-home")

    _places_nav(page).get_by_role("link", name="Centre Social Fresnoy Mackellerie").click()
    ui.check_a11y()
    expect(page).to_have_url(ui.server("/c/fresnoy-mackellerie/"))
    assert _fits_the_width(page)
    # Every place stays reachable on a phone without scrolling sideways.
    for link in _places_nav(page).get_by_role("link").all():
        expect(link).to_be_in_viewport()
    ui.screenshot("12-phone-centre")


def test_the_accessibility_check_fails_on_serious_violations(browser_page):
    """The harness itself: a page with known violations must fail the check."""
    page = browser_page.page
    page.set_content('<!doctype html><html><body><img src="x.png"><button></button></body></html>')
    with pytest.raises(pytest.fail.Exception) as failure:
        browser_page.check_a11y()
    message = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "button-name"):
        assert rule in message


GOOD_HEAD = (
    '<!doctype html><html lang="fr"><head><title>t</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
)


def test_the_page_checks_find_ids_names_and_widths(browser_page, phone_page):
    """The harness itself: what axe does not catch must fail the check too."""
    page = browser_page.page
    page.set_content(
        GOOD_HEAD + '<label for="body">Texte</label><textarea id="body"></textarea>'
        '<textarea id="body" aria-label="Commentaire"></textarea><input name="q">'
        '<table><tr><td style="width:3em;overflow-wrap:anywhere">Mercredi</td></tr></table>'
        "</main></body></html>"
    )
    problems = page_problems(page)
    browser_page.checked.add(page.url)  # test content, not a page of the product
    assert any("id « body » used 2 times" in p for p in problems), problems
    assert any("field without a name" in p and 'name="q"' in p for p in problems), problems
    assert any("words broken" in p and "Mercredi" in p for p in problems), problems

    phone = phone_page.page
    phone.set_content(GOOD_HEAD + '<div style="width:380px">large</div></main></body></html>')
    # 380 px plus the body's default margin of 8 px: too wide at 360, fits at 390.
    assert page_problems(phone) == ["28 px wider than a 360 px screen"]
    phone_page.checked.add(phone.url)
    assert phone.viewport_size["width"] == 390
