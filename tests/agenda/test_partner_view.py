"""What a partner centre's director reads on the shared person's page, and in
the person's own feed (issue 11, second pass): his centre's events in full;
for the others, busy blocks only — no title, no centre's name, no hours in
the agreed-shares table. The person's feed says where each event is
(LOCATION), like the centre's feed. And dates on the 1st of a month are
written « 1er » in every agenda page."""

from __future__ import annotations

import re
from datetime import datetime

import icalendar
import pytest
from posts.posts_support import ALMA_DIRECTOR, FRESNOY_DIRECTOR, OFFICER
from sqlalchemy import delete, select

from ensemble.agenda import feeds
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Event

from conftest import sign_in

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=400)
SECRET_TITLES = ("Entretien RH confidentiel", "Permanence emploi Basse Masure")


@pytest.fixture
def week(db_session, setup, as_user):
    """The officer's week of Monday 1 March 2027, on its own: at Alma (the
    carrier), at Fresnoy Mackellerie and at Basse Masure."""
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        db_session.execute(
            delete(Event).where(Event.user_id == setup.officer_id, Event.series_id.is_not(None))
        )
        db_session.execute(delete(Event).where(Event.user_id == setup.officer_id))
        for centre, title, day in (
            (setup.alma, SECRET_TITLES[0], 1),
            (setup.fresnoy, "Atelier tablettes", 2),
            (setup.basse_masure, SECRET_TITLES[1], 3),
        ):
            agenda.book(
                db_session,
                calendar,
                centre_id=centre,
                category=Category.MEETING,
                title=title,
                participants="Mme X, M. Y",
                starts_local=datetime(2027, 3, day, 10),
                ends_local=datetime(2027, 3, day, 12, 30),
                config=CFG,
            )
        db_session.commit()
    return setup


def _page(client, setup, view: str, day: str = "2027-03-01", slug="fresnoy-mackellerie") -> str:
    response = client.get(f"/c/{slug}/agenda/agendas/{setup.calendar_id}?vue={view}&date={day}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _main(html: str) -> str:
    return re.search(r"<main.*?</main>", html, re.S).group(0)


@pytest.mark.parametrize("view", ["semaine", "mois", "jour"])
def test_a_partner_director_sees_his_events_in_full_and_only_busy_blocks_elsewhere(
    client, week, view
):
    sign_in(client, FRESNOY_DIRECTOR)
    html = _main(_page(client, week, view, "2027-03-02" if view == "jour" else "2027-03-01"))
    assert "Atelier tablettes" in html and "Centre Social Fresnoy Mackellerie" in html
    for secret in (*SECRET_TITLES, "Centre Social Alma", "Basse Masure"):
        assert secret not in html, (view, secret)
    if view != "jour":
        assert html.count("Occupé — autre structure") >= 2


def test_the_shares_table_shows_a_partner_only_his_own_centre(client, week):
    sign_in(client, FRESNOY_DIRECTOR)
    html = _main(_page(client, week, "semaine"))
    table = re.search(r'<section class="panel agenda-shares".*?</section>', html, re.S).group(0)
    assert "Centre Social Fresnoy Mackellerie" in table
    assert table.count('<th scope="row">') == 1
    # 2 h 30 at Fresnoy this month; the 5 h elsewhere are nowhere.
    assert "2\u00a0h\u00a030 /" in table and "5\u00a0h" not in html


def test_the_carrier_s_director_sees_his_centre_and_busy_time_elsewhere_too(client, week):
    sign_in(client, ALMA_DIRECTOR)
    html = _main(_page(client, week, "semaine", slug="alma"))
    assert SECRET_TITLES[0] in html
    assert "Atelier tablettes" not in html and "Fresnoy" not in html and "Basse Masure" not in html


def test_the_person_sees_every_centre_and_its_hours(client, week):
    sign_in(client, OFFICER)
    html = _main(_page(client, week, "semaine", slug="alma"))
    table = re.search(r'<section class="panel agenda-shares".*?</section>', html, re.S).group(0)
    assert table.count('<th scope="row">') == 3
    for title in (*SECRET_TITLES, "Atelier tablettes"):
        assert title in html


# --- The person's feed -------------------------------------------------------------


def test_the_person_s_feed_says_where_each_event_is(app, client, db_session, as_user, week):
    with as_user(OFFICER):
        feed = agenda.regenerate_feed(db_session, user_id=week.officer_id)
        token = feeds.token(app.config["SECRET_KEY"], feed.id, feed.nonce)
        db_session.commit()
    response = client.get(f"/agenda/flux/{token}.ics")
    assert response.status_code == 200
    events = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    places = {str(e["SUMMARY"]): str(e.get("LOCATION", "")) for e in events}
    assert places[SECRET_TITLES[0]].startswith("Centre Social Alma")
    assert places["Atelier tablettes"].startswith("Centre Social Fresnoy Mackellerie")
    assert places[SECRET_TITLES[1]].startswith("Centre Social Basse Masure")
    # Only the person's own events: nobody else's time, named or busy.
    assert set(places) == {*SECRET_TITLES, "Atelier tablettes"}


def test_the_centre_feed_still_names_no_other_centre(app, client, db_session, as_user, week):
    with as_user(FRESNOY_DIRECTOR):
        feed = agenda.regenerate_feed(db_session, centre_id=week.fresnoy)
        token = feeds.token(app.config["SECRET_KEY"], feed.id, feed.nonce)
        db_session.commit()
    body = client.get(f"/agenda/flux/{token}.ics").get_data(as_text=True)
    assert "Atelier tablettes" in body and "LOCATION:Centre Social Fresnoy" in body
    for secret in (*SECRET_TITLES, "Alma", "Basse Masure"):
        assert secret not in body, secret


# --- « 1er » -------------------------------------------------------------------------


ONE = re.compile(
    r"(?<![\d/])1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
    r"octobre|novembre|décembre)"
)


def test_dates_on_the_first_of_a_month_read_1er_in_every_agenda_page(client, week, db_session):
    sign_in(client, OFFICER)
    pages = {view: _page(client, week, view, slug="alma") for view in ("semaine", "mois", "jour")}
    pages["centre"] = client.get("/c/alma/agenda/?vue=semaine&date=2027-03-01").get_data(
        as_text=True
    )
    assert "Semaine du 1er mars au 7 mars 2027" in pages["semaine"]
    assert "lundi 1er mars 2027" in pages["jour"] and "lundi 1er mars" in pages["mois"]
    # A series on a 1st that falls on a holiday: the warning, then the event's page.
    url = f"/c/alma/agenda/agendas/{week.calendar_id}/nouveau"
    from conftest import csrf_token

    done = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "title": "Bilan mensuel",
            "category": "reunion",
            "centre": str(week.alma),
            "day": "2027-04-01",
            "start": "14:00",
            "end": "15:00",
            "repeat": "MONTHLY",
            "count": "2",
        },
        follow_redirects=True,
    )
    assert done.status_code == 200
    pages["après l’enregistrement"] = done.get_data(as_text=True)
    assert "1er mai 2027" in pages["après l’enregistrement"]  # Fête du Travail
    event = db_session.scalar(select(Event.id).where(Event.title == "Bilan mensuel"))
    pages["événement"] = client.get(f"/c/alma/agenda/evenements/{event}").get_data(as_text=True)
    assert "jeudi 1er avril" in pages["événement"]
    for name, html in pages.items():
        assert not ONE.search(_main(html)), (name, ONE.search(_main(html)).group(0))
