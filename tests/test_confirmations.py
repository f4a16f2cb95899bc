"""Confirmation before what cannot be undone (issue 13): deleting a series,
replacing or revoking a subscription address. A page that works without
JavaScript says what will be lost; only its form acts; the destructive button
is never styled as the primary action."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import func, select

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Event
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

OFFICER = "hugo.carpentier@alma.demo"
DIRECTOR = "claire.vasseur@alma.demo"
DAY = date(2027, 3, 9)  # a Tuesday far from the demo's own dates


def _series(demo, db_session) -> int:
    officer = demo.user(OFFICER)
    with context.using(demo.context_of(OFFICER), db_session):
        mine = select(Calendar).where(Calendar.user_id == officer.id)
        calendar = db_session.scalars(mine).first()
        booking = agenda.book(
            db_session,
            calendar,
            centre_id=demo.centre("alma").id,
            category=Category.WORKSHOP,
            title="Atelier du mardi soir",
            starts_local=datetime(2027, 3, 9, 18, 0),
            ends_local=datetime(2027, 3, 9, 19, 0),
            rrule="FREQ=WEEKLY;COUNT=6",
        )
        db_session.commit()
        return booking.event.id


def _buttons(html: str) -> list[str]:
    """The classes of the page's own submit buttons (not the header's sign-out)."""
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    return re.findall(r'<button type="submit" class="([^"]*)"', main)


def test_deleting_a_series_asks_first_and_says_how_many_sessions_go(
    app, client, demo, db_session, frozen_clock
):
    frozen_clock(DAY)
    event_id = _series(demo, db_session)
    sign_in(client, OFFICER)
    event_page = client.get(f"/c/alma/agenda/evenements/{event_id}").get_data(as_text=True)
    delete_url = f"/c/alma/agenda/evenements/{event_id}/supprimer"
    # The page offers a link to the confirmation, no form that deletes at once.
    assert f'href="{delete_url}"' in event_page
    assert f'action="{delete_url}"' not in event_page
    page = client.get(delete_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Supprimer la série « Atelier du mardi soir »" in html.replace("\u00a0", " ")
    assert "Les 6 séances à venir seront retirées" in html
    assert _buttons(html) == ["button danger"]  # never the primary style
    assert f'href="/c/alma/agenda/evenements/{event_id}"' in html  # the way back
    # Looking at the page deleted nothing; a post without its token neither.
    assert client.post(delete_url, data={}).status_code in (400, 422)
    with context.using(demo.context_of(OFFICER), db_session):
        assert db_session.get(Event, event_id) is not None
    done = client.post(
        delete_url, data={"csrf_token": csrf_token(client, delete_url)}, follow_redirects=True
    )
    flashes = re.search(r'<div class="flashes".*?</div>', done.get_data(as_text=True), re.S)
    assert flashes and "6 séances retirées" in flashes.group(0), done.get_data(as_text=True)[:3000]
    with context.using(demo.context_of(OFFICER), db_session):
        db_session.expire_all()
        left = db_session.scalar(
            select(func.count()).select_from(Event).where(Event.title == "Atelier du mardi soir")
        )
        assert left == 0


def test_a_new_address_or_a_revocation_is_confirmed_and_never_the_main_button(client):
    sign_in(client, DIRECTOR)
    page = "/c/alma/agenda/abonnement"
    client.post(
        page,
        data={"csrf_token": csrf_token(client, page), "scope": "centre", "action": "regenerate"},
    )
    html = client.get(page).get_data(as_text=True)
    old = re.findall(r'value="(http[^"]+\.ics)"', html)
    assert old
    # Replacing cuts the subscribed phones off: a secondary link to a confirmation.
    assert (
        '<a class="button secondary" href="/c/alma/agenda/abonnement/centre/nouvelle-adresse">'
        "Créer une nouvelle adresse</a>" in html
    )
    confirm_url = "/c/alma/agenda/abonnement/centre/nouvelle-adresse"
    confirmation = client.get(confirm_url).get_data(as_text=True)
    assert "cessera de fonctionner" in confirmation
    assert _buttons(confirmation) == ["button danger"]
    client.post(confirm_url, data={"csrf_token": csrf_token(client, confirm_url)})
    assert client.get(old[0].replace("http://localhost", "")).status_code == 404
    new = re.findall(r'value="(http[^"]+\.ics)"', client.get(page).get_data(as_text=True))
    assert new and new != old
    revoke_url = "/c/alma/agenda/abonnement/centre/revoquer"
    assert "Révoquer l’adresse" in client.get(revoke_url).get_data(as_text=True)
    client.post(revoke_url, data={"csrf_token": csrf_token(client, revoke_url)})
    assert "Aucune adresse active." in client.get(page).get_data(as_text=True)
