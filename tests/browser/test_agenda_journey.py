"""Shared calendars in a real browser (brief §1, journey 2): the digital-transition
officer carried by Alma plans a weekly workshop at Fresnoy Mackellerie, hits a
clash that names the other workshop, moves it to a free slot, answers the
pending request from Basse Masure (accepting clashes too, so she proposes
another slot), then copies her private subscription URL and her phone calendar
reads it. Then the week and day views on a phone-sized screen. Then the
clock-change and holiday edges: a series over Easter Monday says so and its
holiday is skipped, and the occurrence whose 02:30 does not exist (the March
change) is moved like any other."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
OFFICER = "hugo.carpentier@alma.demo"
OFFICER_NAME = "Hugo Carpentier"
TABLET_WORKSHOP = "Atelier numérique : premiers pas sur tablette"  # demo: Tuesdays 14:00–16:00
NEW_WORKSHOP = "Atelier numérique : démarches en ligne"
REQUEST = "Atelier démarches CAF en ligne"  # demo: Basse Masure, next Tuesday 14:00–16:00


def _next_tuesday() -> date:
    """Next week's Tuesday, as the demo data counts it (its weeks start this Monday)."""
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    return today - timedelta(days=today.weekday()) + timedelta(days=8)


def _sign_in(ui) -> None:
    ui.visit("/connexion")
    ui.sign_in(OFFICER, PASSWORD)
    ui.check_a11y()


def _open_own_calendar(ui, page, centre_slug: str) -> None:
    ui.visit(f"/c/{centre_slug}/agenda/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agenda")
    page.locator(".agenda-people").get_by_role("link", name=OFFICER_NAME).click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFICER_NAME)


def _fits_the_screen(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll}px wide on a {width}px screen"


def test_the_officer_plans_a_workshop_answers_a_request_and_subscribes(browser_page):
    ui, page = browser_page, browser_page.page
    tuesday = _next_tuesday()
    _sign_in(ui)

    # --- Her calendar, seen from Fresnoy Mackellerie: the three centres' shares and colours.
    _open_own_calendar(ui, page, "fresnoy-mackellerie")
    shares = page.locator(".agenda-shares")
    for centre in ("Centre Social Alma", "Centre Social Fresnoy Mackellerie"):
        expect(shares).to_contain_text(centre)
    ui.screenshot("agenda-01-officer-week")

    # --- A weekly workshop at Fresnoy on Tuesday afternoon: it clashes.
    page.get_by_role("link", name="Nouvel événement").click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvel événement")
    page.get_by_label("Intitulé").fill(NEW_WORKSHOP)
    page.get_by_label("Catégorie").select_option(label="Atelier numérique")
    page.get_by_label("Lieu").select_option(label="Centre Social Fresnoy Mackellerie")
    page.get_by_label("Date", exact=True).fill(tuesday.isoformat())
    page.get_by_label("Début").fill("15:00")
    page.get_by_label("Fin", exact=True).fill("17:00")
    page.get_by_label("Fréquence").select_option(label="Toutes les semaines")
    page.get_by_label("Nombre de fois").fill("10")
    page.get_by_label("Participants").fill("Habitants du quartier, sur inscription")
    page.get_by_role("button", name="Enregistrer").click()
    ui.check_a11y()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Conflit")
    expect(alert).to_contain_text(TABLET_WORKSHOP)
    expect(alert).to_contain_text(re.compile(r"16\s*h"))
    # Nothing was booked, and the form kept what she typed.
    expect(page.get_by_label("Intitulé")).to_have_value(NEW_WORKSHOP)
    ui.screenshot("agenda-02-clash")

    # --- Moved to Tuesday morning, which is free: booked, ten Tuesdays at 10:00.
    page.get_by_label("Début").fill("10:00")
    page.get_by_label("Fin", exact=True).fill("12:00")
    page.get_by_role("button", name="Enregistrer").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Événement enregistré.")
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFICER_NAME)
    week = page.locator(".agenda-week")
    slot = week.locator(".agenda-slot", has_text=NEW_WORKSHOP)
    expect(slot).to_have_count(1)
    expect(slot).to_contain_text(re.compile(r"10\s*h\s*–\s*12\s*h"))
    expect(slot).to_contain_text("Centre Social Fresnoy Mackellerie")
    ui.screenshot("agenda-03-workshop-booked")
    slot.get_by_role("link", name=NEW_WORKSHOP).click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_WORKSHOP)
    upcoming = page.locator(".agenda-occurrences li")
    expect(upcoming).to_have_count(10)
    expect(upcoming.first).to_contain_text(re.compile(r",\s10\s*h\s*–\s*12\s*h"))
    # Every occurrence stays at 10:00 local time, across a clock change if there is one.
    for text in upcoming.all_inner_texts():
        assert re.search(r",\s10\s*h\s*–\s*12\s*h", text), text

    # --- The request from Basse Masure: accepting would clash, she proposes another slot.
    ui.visit("/c/basse-masure/agenda/")
    page.get_by_role("link", name=re.compile(r"^Demandes \(1\)")).click()
    ui.check_a11y()
    page.get_by_role("link", name=REQUEST).click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text(REQUEST)
    expect(page.locator(".facts")).to_contain_text("En attente")
    # Told before she clicks: the slot clashes as it stands.
    expect(page.locator(".warning")).to_contain_text("ne peut pas être accepté tel quel")
    expect(page.locator(".warning")).to_contain_text(TABLET_WORKSHOP)
    ui.screenshot("agenda-04-request")
    # « Accepter » cannot succeed, so it is not offered.
    expect(page.get_by_role("button", name="Accepter la demande")).to_have_count(0)
    expect(page.locator(".facts")).to_contain_text("En attente")
    proposal = page.locator("form", has=page.get_by_role("button", name="Proposer ce créneau"))
    thursday = tuesday + timedelta(days=2)
    proposal.get_by_label("Date").fill(thursday.isoformat())
    proposal.get_by_label("Début").fill("14:00")
    proposal.get_by_label("Fin", exact=True).fill("16:00")
    proposal.get_by_label("Message").fill("Le mardi après-midi je suis à Fresnoy ; jeudi ?")
    proposal.get_by_role("button", name="Proposer ce créneau").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Autre créneau proposé.")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Autre créneau proposé")
    expect(facts).to_contain_text("jeudi")
    expect(facts).to_contain_text(re.compile(r"14\s*h"))
    expect(page.get_by_role("button", name="Accepter la demande")).to_have_count(0)
    ui.screenshot("agenda-05-request-answered")

    # --- Her private subscription URL: created, shown, copied to the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui.server(""))
    ui.visit("/c/alma/agenda/")
    page.get_by_role("link", name="S’abonner depuis un téléphone").click()
    ui.check_a11y()
    mine = page.locator("section", has=page.get_by_role("heading", name="Mon agenda"))
    expect(mine).to_contain_text("Aucune adresse active.")
    mine.get_by_role("button", name="Créer l’adresse").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Adresse créée")
    mine = page.locator("section", has=page.get_by_role("heading", name="Mon agenda"))
    field = mine.get_by_label("Adresse privée (à coller dans l’application d’agenda)")
    url = field.input_value()
    assert re.fullmatch(r"https?://[^ ]+/agenda/flux/\d+-[A-Za-z0-9_-]+\.ics", url), url
    copy = mine.get_by_role("button", name="Copier l’adresse")
    expect(copy).to_be_visible()
    copy.click()
    expect(mine.get_by_role("status")).to_contain_text("Adresse copiée")
    assert page.evaluate("navigator.clipboard.readText()") == url
    ui.screenshot("agenda-06-subscription")

    # The phone calendar fetches that URL: her workshop is there, then a 304 on its ETag.
    feed_path = url[url.index("/agenda/flux/") :]
    response = page.request.get(ui.server(feed_path))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.body())
    mine_events = [e for e in parsed.walk("VEVENT") if str(e.get("summary")) == NEW_WORKSHOP]
    assert len(mine_events) == 1
    assert "COUNT=10" in mine_events[0]["rrule"].to_ical().decode()
    again = page.request.get(
        ui.server(feed_path), headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status == 304


def test_week_and_day_views_on_a_phone(phone_page):
    ui, page = phone_page, phone_page.page
    _sign_in(ui)
    _open_own_calendar(ui, page, "alma")
    _fits_the_screen(page, 390)
    week = page.locator(".agenda-week")
    expect(week.locator(".agenda-slot").first).to_be_visible()
    ui.screenshot("agenda-07-phone-week")

    # Next week holds every demo series: Monday's team meeting at Alma among them.
    page.get_by_role("link", name="Suivant ›").click()
    ui.check_a11y()
    _fits_the_screen(page, 390)
    expect(page.locator(".agenda-week")).to_contain_text("Réunion d’équipe")
    ui.screenshot("agenda-08-phone-next-week")

    # Its Tuesday as a day agenda: the Fresnoy workshop, its category and participants.
    tuesday = _next_tuesday()
    page.locator(".agenda-week").get_by_role(
        "link", name=re.compile(rf"^mardi {tuesday.day} ", re.IGNORECASE)
    ).click()
    ui.check_a11y()
    _fits_the_screen(page, 390)
    day = page.locator(".agenda-day")
    slot = day.locator(".agenda-slot", has_text=TABLET_WORKSHOP)
    expect(slot).to_contain_text(re.compile(r"14\s*h\s*–\s*16\s*h"))
    expect(slot).to_contain_text("Atelier numérique")
    expect(slot).to_contain_text("Groupe seniors du mardi")
    expect(page.get_by_role("link", name="Jour", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    ui.screenshot("agenda-09-phone-day")


EASTER_SERIES = "Permanence du lundi soir"
NIGHT_SERIES = "Veille du serveur de l’espace numérique"


def _path(url: str) -> str:
    """The path of a page's URL, without its query."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1].split("?")[0]


def _new_series(ui, page, title: str, first: date, start: str, end: str) -> None:
    _open_own_calendar(ui, page, "alma")
    page.get_by_role("link", name="Nouvel événement").click()
    ui.check_a11y()
    page.get_by_label("Intitulé").fill(title)
    page.get_by_label("Lieu").select_option(label="Centre Social Alma")
    page.get_by_label("Date", exact=True).fill(first.isoformat())
    page.get_by_label("Début").fill(start)
    page.get_by_label("Fin", exact=True).fill(end)
    page.get_by_label("Fréquence").select_option(label="Toutes les semaines")
    page.get_by_label("Nombre de fois").fill("3")
    page.get_by_role("button", name="Enregistrer").click()
    ui.check_a11y()


def test_a_series_over_a_holiday_and_the_spring_gap_occurrence(browser_page):
    ui, page = browser_page, browser_page.page
    _sign_in(ui)

    # --- Mondays from 22 March 2027: the second is Easter Monday. Told, then skipped.
    _new_series(ui, page, EASTER_SERIES, date(2027, 3, 22), "18:00", "19:00")
    flashes = page.locator(".flashes")
    expect(flashes).to_contain_text("Événement enregistré.")
    expect(flashes).to_contain_text("Lundi de Pâques (lundi 29 mars 2027)")
    calendar_path = _path(page.url)
    ui.visit(calendar_path + "?vue=semaine&date=2027-03-29")
    week = page.locator(".agenda-week")
    expect(week.locator(".agenda-holiday")).to_contain_text("Lundi de Pâques")
    ui.screenshot("agenda-10-holiday-week")
    week.get_by_role("link", name=EASTER_SERIES).first.click()
    ui.check_a11y()
    holidays = page.locator(".agenda-holidays")
    expect(holidays).to_contain_text("Lundi de Pâques")
    ui.screenshot("agenda-11-holiday-series")
    holidays.get_by_role("button", name="Ne pas les tenir ces jours-là").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Une occurrence retirée (jour férié).")
    expect(page.locator(".agenda-holidays")).to_have_count(0)
    expect(page.locator(".agenda-occurrences li")).to_have_count(2)

    # --- Sundays at 02:30 from 21 March 2027: on the 28th, 02:30 does not exist.
    _new_series(ui, page, NIGHT_SERIES, date(2027, 3, 21), "02:30", "03:30")
    ui.visit(_path(page.url) + "?vue=semaine&date=2027-03-22")
    page.locator(".agenda-week").get_by_role("link", name=NIGHT_SERIES).first.click()
    ui.check_a11y()
    occurrences = page.locator(".agenda-occurrences li")
    expect(occurrences).to_have_count(3)
    gap = occurrences.filter(has_text="28 mars 2027")
    expect(gap).to_contain_text(
        "3\u00a0h\u00a030\u00a0– 4\u00a0h\u00a030"
    )  # when it really happens (CEST)
    gap.get_by_role("link", name="Déplacer ou annuler celle-ci").click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "2\u00a0h\u00a030 n’existe pas ce jour-là"
    )
    ui.screenshot("agenda-12-spring-gap-occurrence")
    page.get_by_label("Début").fill("10:00")
    page.get_by_label("Fin", exact=True).fill("11:00")
    page.get_by_role("button", name="Déplacer cette occurrence").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Occurrence déplacée.")
    moved = page.locator(".agenda-occurrences li").filter(has_text="28 mars 2027")
    expect(moved).to_contain_text(re.compile(r"10\s*h\s*–\s*11\s*h"))
    ui.screenshot("agenda-13-spring-gap-moved")
