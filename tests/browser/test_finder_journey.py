"""Finding a slot in a real browser (issue 14): the director of Fresnoy
Mackellerie asks the finder when the officer can come for 2 h in the three
weeks ahead, and requests the best slot in one click; the officer's phone
calendar (the `caldav` library against the live server, over HTTP) does not
have it yet; the officer accepts it in the web on his phone, and his CalDAV
client then fetches it through its sync token, at the time the finder gave."""

from __future__ import annotations

import re
from datetime import datetime

import caldav
import icalendar
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ensemble.caldav import passwords
from ensemble.tenancy import context

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
OFFICER = "hugo.carpentier@alma.demo"
OFFICER_NAME = "Hugo Carpentier"
DIRECTOR = "thomas.lefebvre@fresnoy.demo"
TITLE = "Atelier numérique : la messagerie pas à pas"


def _app_password(live_server, email: str) -> tuple[str, int]:
    """An app password for the officer's phone, created in the live app."""
    from ensemble.extensions import db
    from ensemble.people.models import User
    from ensemble.tenancy.scopes import context_for_user

    with live_server.app.app_context():
        with context.using(context.system_context(is_admin=True), db.session):
            user_id = db.session.scalar(select(User.id).where(User.email == email))
        with context.using(context_for_user(db.session, user_id), db.session):
            user = db.session.get(User, user_id)
            _row, secret = passwords.create(db.session, user, "Téléphone de Hugo")
            db.session.commit()
        db.session.remove()
    return secret, user_id


def _summaries_at(objects, start: datetime) -> list[str]:
    found = []
    for item in objects:
        for event in icalendar.Calendar.from_ical(item.data).walk("VEVENT"):
            begins = event["DTSTART"].dt
            # All-day events of other journeys are dates: not this slot.
            if isinstance(begins, datetime) and begins.replace(tzinfo=None) == start:
                found.append(str(event["SUMMARY"]))
    return found


def test_a_director_finds_a_slot_the_officer_accepts_and_his_phone_syncs(
    browser_page, phone_page, live_server
):
    # The officer's phone, set up before anything happens: a sync token to follow.
    secret, user_id = _app_password(live_server, OFFICER)
    client = caldav.DAVClient(
        url=live_server.url + "/", username=OFFICER, password=secret, require_tls=False
    )
    calendars = client.principal().calendars()
    assert calendars
    sync = {str(c.url): c.objects_by_sync_token(load_objects=True) for c in calendars}

    # --- The director asks the finder.
    ui, page = browser_page, browser_page.page
    ui.visit("/connexion")
    ui.sign_in(DIRECTOR, PASSWORD)
    ui.check_a11y()
    ui.visit("/c/fresnoy-mackellerie/agenda/")
    page.locator(".agenda-people").get_by_role("link", name=OFFICER_NAME).first.click()
    ui.check_a11y()
    page.get_by_role("link", name="Trouver un créneau").click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trouver un créneau")
    page.get_by_label("Objet").fill(TITLE)
    page.get_by_label("Durée").select_option(label="2\u00a0h")
    ui.screenshot("finder-form")
    page.get_by_role("button", name="Chercher").click()
    ui.check_a11y()
    results = page.locator(".agenda-proposals > li")
    expect(results.first).to_be_visible()
    ui.screenshot("finder-results")
    first = results.first
    starts = first.locator('input[name="starts"]').get_attribute("value")
    slot = datetime.fromisoformat(starts)
    first.get_by_role("button", name="Demander ce créneau").click()
    ui.check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Demande envoyée")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    # --- Not on the phone yet: a request is not an event until the officer accepts it.
    for url, objects in sync.items():
        objects.sync()
        assert TITLE not in _summaries_at(objects, slot), url

    # --- The officer accepts it in the web, on his phone.
    officer, phone = phone_page, phone_page.page
    officer.visit("/connexion")
    officer.sign_in(OFFICER, PASSWORD)
    officer.check_a11y()
    officer.visit("/c/fresnoy-mackellerie/agenda/demandes")
    phone.get_by_role("link", name=TITLE).first.click()
    officer.check_a11y()
    phone.get_by_role("button", name="Accepter la demande").click()
    officer.check_a11y()
    expect(phone.get_by_role("status")).to_contain_text("Demande acceptée")
    officer.screenshot("finder-accepted-phone")

    # --- His CalDAV client fetches only the change, at the finder's time.
    seen = []
    for objects in sync.values():
        updated, _deleted = objects.sync()
        seen += _summaries_at(updated, slot)
    assert seen == [TITLE]

    # --- The subscription page on the phone: a webcal link and its QR code, from PUBLIC_URL.
    officer.visit("/c/alma/agenda/abonnement")
    link = phone.get_by_role("link", name="S’abonner dans l’application d’agenda")
    if not link.count():  # another journey may have created the address already
        phone.get_by_role("button", name="Créer l’adresse").first.click()
        officer.check_a11y()
    expect(link).to_have_attribute("href", re.compile(r"^webcal://127\.0\.0\.1:\d+/agenda/flux/"))
    expect(phone.get_by_role("img", name="Lien d’abonnement (webcal) à scanner")).to_be_visible()
    officer.screenshot("finder-subscription-phone")
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d$", starts) and user_id
