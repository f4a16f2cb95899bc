"""The home pages answer « what needs me today? » for each role (issue 13): a
person with one place lands on it; each role's page shows what waits for them,
with links to the objects, and nothing that belongs to another role."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category
from ensemble.notifications.operations import notify, resolve
from ensemble.tenancy import context

from conftest import sign_in

DIRECTOR = "claire.vasseur@alma.demo"
STAFF = "ines.mercier@alma.demo"
OFFICER = "hugo.carpentier@alma.demo"
HR_MANAGER = "marion.delattre@rh.demo"
ANALYST = "paul.verhaeghe@federation-nord.demo"
# A Tuesday far from the demo's own dates.
DAY = date(2027, 3, 9)


def _page(app, email: str, path: str) -> str:
    client = app.test_client()
    sign_in(client, email)
    response = client.get(path)
    assert response.status_code == 200, (email, path, response.status_code)
    return response.get_data(as_text=True)


def _panel(page: str, heading_id: str) -> str:
    """The text of the panel whose heading has this id ('' when absent)."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_a_person_with_one_place_lands_on_it(app):
    for email, place in ((DIRECTOR, "/c/alma/"), (ANALYST, "/f/nord/"), (STAFF, "/c/alma/")):
        client = app.test_client()
        sign_in(client, email)
        landing = client.get("/")
        assert landing.status_code == 302 and landing.headers["Location"] == place, email
    # Several places: the landing page, with what waits across them.
    page = _page(app, OFFICER, "/")
    assert "Vos structures" in page and "Choisissez" not in page


def test_the_director_sees_todays_sessions_at_her_centre(
    app, demo, db_session, frozen_clock, monkeypatch
):
    frozen_clock(DAY)
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)
    officer = demo.user(OFFICER)
    with context.using(demo.context_of(OFFICER), db_session):
        calendar = db_session.scalars(
            select(Calendar).where(Calendar.user_id == officer.id)
        ).first()
        booking = agenda.book(
            db_session,
            calendar,
            centre_id=demo.centre("alma").id,
            category=Category.WORKSHOP,
            title="Atelier tablette du mardi",
            starts_local=datetime(2027, 3, 9, 17, 30),
            ends_local=datetime(2027, 3, 9, 19, 0),
        )
        db_session.commit()
    today = _panel(_page(app, DIRECTOR, "/c/alma/"), "agenda-aujourdhui")
    assert "Atelier tablette du mardi" in today and "17\u00a0h\u00a030" in today
    assert f"/agenda/evenements/{booking.event.id}" in today
    # The officer finds it on his own landing page, with its centre.
    mine = _panel(_page(app, OFFICER, "/"), "agenda-semaine")
    assert "Atelier tablette du mardi" in mine and "Centre Social Alma" in mine
    # A colleague who is not the director has no such panel.
    assert _panel(_page(app, STAFF, "/c/alma/"), "agenda-aujourdhui") == ""


def test_the_hr_manager_sees_due_items_of_both_employers_each_labelled(app):
    due = _panel(_page(app, HR_MANAGER, "/"), "rh-echeances")
    assert due
    tags = set(re.findall(r'<span class="tag tag-employer">([^<]+)</span>', due))
    assert tags == {"Association Centre Social Alma", "Association Iciela"}
    # Each item leads to the person's record in the right employer's space.
    assert re.search(r'href="/e/iciela/rh/personnel/\d+"', due)
    assert re.search(r'href="/e/association-alma/rh/personnel/\d+"', due)
    # Most urgent first: the dates never go backwards.
    statuses = re.findall(r'class="tag due-(\w+)"', due)
    order = {"overdue": 0, "soon": 1, "later": 2}
    assert statuses == sorted(statuses, key=order.get)


def test_the_director_sees_her_teams_hr_due_items_and_staff_do_not(app):
    due = _panel(_page(app, DIRECTOR, "/c/alma/"), "rh-centre")
    assert "/e/association-alma/rh/personnel/" in due
    assert "iciela" not in due
    assert _panel(_page(app, STAFF, "/c/alma/"), "rh-centre") == ""


def test_what_waits_for_the_reader_leads_to_it_and_goes_once_handled(
    app, demo, db_session, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 120)  # the cached page follows too
    director = demo.user(DIRECTOR)
    client = app.test_client()
    sign_in(client, DIRECTOR)
    assert client.get("/c/alma/").status_code == 200  # cached before the notification
    with context.using(demo.context_of(OFFICER), db_session):
        notify(
            db_session,
            [(director.id, director.email)],
            "Un créneau vous est proposé",
            link="/c/alma/agenda/demandes",
            subject="test-home:1",
            email=False,
        )
        db_session.commit()
    waiting = _panel(client.get("/c/alma/").get_data(as_text=True), "en-attente")
    assert '<a href="/c/alma/agenda/demandes">Un créneau vous est proposé</a>' in waiting
    with context.using(demo.context_of(OFFICER), db_session):
        resolve(db_session, "test-home:1")
        db_session.commit()
    waiting = _panel(client.get("/c/alma/").get_data(as_text=True), "en-attente")
    assert "Un créneau vous est proposé" not in waiting


def test_the_analyst_sees_the_campaign_and_the_centres_not_yet_declared(app):
    page = _page(app, ANALYST, "/f/nord/")
    campaign = _panel(page, "campagne")
    assert "sur 6 centres" in campaign
    assert "Pas encore reçues" in campaign and "Centre Social Basse Masure" in campaign
    # The home says what to do before describing the network.
    assert page.index('id="campagne"') < page.index('id="reseau"')


def test_the_director_is_told_the_declaration_is_due(app):
    panel = _panel(_page(app, DIRECTOR, "/c/alma/"), "declaration-annuelle")
    assert (
        "Remplir la déclaration" in panel
        or "Répondre à la fédération" in panel
        or ("la fédération l’examine" in panel)
    )
    assert _panel(_page(app, STAFF, "/c/alma/"), "declaration-annuelle") == ""
