"""The .ics import in a real browser: the digital-transition officer imports a
Google Calendar export whose weekly workshop has one instance moved (another
time, another centre) and an all-day training day; the preview says what
moved, where each event goes, and shows the training day as a day; after the
import the moved instance is in his day at its new time, not the old, and the
training day is on its day.

The export is the corpus' Google file (tests/corpus/ics/google.ics) moved from
2026 to 2037 (the same weekdays, the same clock-change Sundays), away from the
demo's weeks and from the other journeys' bookings."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
OFFICER = "hugo.carpentier@alma.demo"
OFFICER_NAME = "Hugo Carpentier"
GOOGLE = Path(__file__).parent.parent / "corpus" / "ics" / "google.ics"
WORKSHOP = "Atelier smartphone débutants"


def test_the_officer_imports_a_google_export_with_a_moved_instance(browser_page, tmp_path):
    ui, page = browser_page, browser_page.page
    export = tmp_path / "agenda-google.ics"
    export.write_bytes(GOOGLE.read_bytes().replace(b"2026", b"2037"))

    ui.visit("/connexion")
    ui.sign_in(OFFICER, PASSWORD)
    ui.check_a11y()
    ui.visit("/c/fresnoy-mackellerie/agenda/")
    page.locator(".agenda-people").get_by_role("link", name=OFFICER_NAME).click()
    ui.check_a11y()
    person = urlsplit(page.url).path
    page.get_by_role("link", name="Importer un fichier .ics").click()
    ui.check_a11y()

    page.get_by_label("Fichier .ics").set_input_files(str(export))
    page.get_by_role("button", name="Voir l’aperçu").click()
    ui.check_a11y()
    preview = page.locator(".agenda-preview")
    expect(preview).to_contain_text(WORKSHOP)
    # The moved instance is announced with its series, the old and the new time.
    expect(preview).to_contain_text(
        re.compile(r"Occurrence du mardi 13 octobre 2037 à 10\s*h déplacée au")
    )
    expect(preview).to_contain_text(
        re.compile(r"mardi 13 octobre 2037 à 14\s*h \(Centre Social Basse Masure\)")
    )
    # LOCATION named Fresnoy Mackellerie: preselected for the series; Alma for the stand.
    expect(page.get_by_label("Lieu de l’événement n°1").locator("option:checked")).to_have_text(
        "Centre Social Fresnoy Mackellerie"
    )
    expect(page.get_by_label("Lieu de l’événement n°2").locator("option:checked")).to_have_text(
        "Centre Social Alma"
    )
    # The all-day training day is ready too, shown as a day.
    expect(preview.locator("tr", has_text="Journée de formation")).to_contain_text(
        "(journée entière)"
    )
    expect(preview.locator("tr", has_text="Journée de formation")).to_contain_text("Prêt")
    ui.screenshot("agenda-import-preview")

    page.get_by_role("button", name="Importer les événements prêts").click()
    ui.check_a11y()
    expect(page.get_by_text("3 événements importés.").first).to_be_visible()
    ui.screenshot("agenda-import-done")

    # His Tuesday 13 October 2037: the workshop at 14:00, not at 10:00; a week later, 10:00.
    ui.visit(person + "?vue=jour&date=2037-10-13")
    day = page.locator(".agenda-slot", has_text=WORKSHOP)
    expect(day).to_have_count(1)
    expect(day).to_contain_text(re.compile(r"14\s*h\s*–\s*16\s*h"))
    ui.visit(person + "?vue=jour&date=2037-10-20")
    expect(page.locator(".agenda-slot", has_text=WORKSHOP)).to_contain_text(
        re.compile(r"10\s*h\s*–\s*12\s*h")
    )
    ui.screenshot("agenda-import-week")
    ui.visit(person + "?vue=jour&date=2037-11-20")
    expect(page.locator(".agenda-slot", has_text="Journée de formation")).to_have_count(1)
    ui.screenshot("agenda-import-training-day")
