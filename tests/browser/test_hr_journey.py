"""The multi-employer HR manager's journey in a real browser, and Alma's director
trying an Iciela URL. Every page is checked with axe-core (see conftest.Visitor)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
HR_MANAGER = "marion.delattre@rh.demo"
ALMA_DIRECTOR = "claire.vasseur@alma.demo"
ALMA = "Association Centre Social Alma"
ICIELA = "Association Iciela"


def _due_rows(page):
    return page.get_by_role("region", name="À faire").locator("tbody tr")


def _open_first_item_of(ui, page, employer: str) -> None:
    row = _due_rows(page).filter(has=page.locator(".tag-employer", has_text=employer)).first
    person = row.get_by_role("link").first
    name = person.inner_text()
    person.click()
    ui.check_a11y()
    expect(page.locator(".kicker .tag-employer")).to_have_text(employer)
    # The link reads "LAST-NAME First-name"; the page title "First-name Last-name".
    expect(page.get_by_role("heading", level=1)).to_contain_text(name.split()[-1])


def test_hr_manager_sees_both_employers_then_one(browser_page):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    ui.sign_in(HR_MANAGER, PASSWORD)
    ui.check_a11y()
    ui.screenshot("hr-00-landing")  # the link below is HR's panel on the landing page

    page.get_by_role("link", name="Ressources humaines de tous mes employeurs").click()
    ui.check_a11y()
    expect(page).to_have_url(ui.server("/rh/"))
    labels = _due_rows(page).locator(".tag-employer")
    expect(labels.filter(has_text=ALMA).first).to_be_visible()
    expect(labels.filter(has_text=ICIELA).first).to_be_visible()
    # Items are in date order, across employers.
    expect(page.get_by_role("heading", name=re.compile("Registre du personnel"))).to_have_count(2)
    ui.screenshot("hr-01-overview-desktop")

    _open_first_item_of(ui, page, ALMA)
    ui.screenshot("hr-02-alma-person")
    page.go_back()
    ui.check_a11y()
    _open_first_item_of(ui, page, ICIELA)
    ui.screenshot("hr-03-iciela-person")

    ui.visit("/rh/")
    page.locator(".filters").first.get_by_role("link", name=ICIELA).click()
    ui.check_a11y()
    expect(page).to_have_url(re.compile(r"/rh/\?employeur=iciela"))
    expect(_due_rows(page).locator(".tag-employer").filter(has_text=ALMA)).to_have_count(0)
    expect(_due_rows(page).locator(".tag-employer").filter(has_text=ICIELA).first).to_be_visible()
    ui.screenshot("hr-04-filtered-iciela")

    # Switching to one employer's own workspace.
    page.get_by_role("navigation", name="Mes structures").get_by_role("link", name=ICIELA).click()
    ui.check_a11y()
    page.get_by_role("navigation", name=re.compile("Rubriques")).get_by_role(
        "link", name="À faire RH"
    ).click()
    ui.check_a11y()
    expect(page).to_have_url(ui.server("/e/iciela/rh/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("À faire RH")
    expect(page.locator("main")).not_to_contain_text(ALMA)
    ui.screenshot("hr-05-iciela-todo")


def test_hr_overview_on_a_phone(phone_page):
    ui, page = phone_page, phone_page.page
    ui.visit("/connexion")
    ui.sign_in(HR_MANAGER, PASSWORD)
    ui.check_a11y()
    ui.visit("/rh/")
    expect(_due_rows(page).first).to_be_visible()
    ui.screenshot("hr-06-overview-phone")
    page.screenshot(path=str(ARTIFACTS / "hr-06-overview-phone-top.png"))
    ui.visit("/e/association-alma/rh/personnel")
    ui.screenshot("hr-07-register-phone")
    page.screenshot(path=str(ARTIFACTS / "hr-07-register-phone-top.png"))


def test_alma_director_gets_404_on_an_iciela_url(browser_page):
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    ui.sign_in(ALMA_DIRECTOR, PASSWORD)
    ui.check_a11y()
    response = ui.visit("/e/iciela/rh/personnel")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    ui.screenshot("hr-08-alma-director-404")
    response = ui.visit("/rh/")
    assert response.status == 200
    expect(page.locator("main")).not_to_contain_text(ICIELA)
