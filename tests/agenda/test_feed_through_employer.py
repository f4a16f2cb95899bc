"""A centre that takes part in a shared post through its employer (the employer is
the party, not the centre) sees the shared person's busy time on the web; its
feed must show the same blocks, no more, no fewer."""

from __future__ import annotations

from datetime import date, datetime

import icalendar
from posts.posts_support import OFFICER

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category
from ensemble.agenda.operations import BUSY_ELSEWHERE
from ensemble.sharing import operations as sharing
from ensemble.sharing.models import Agreement, PartyStatus

from conftest import csrf_token, sign_in

ICIELA_DIRECTOR = "sophie.lambrecht@iciela.demo"  # directs Pile Sainte-Elisabeth and Assia Djebar
ALMA_DIRECTOR = "claire.vasseur@alma.demo"
CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=60)


def _iciela_joins_the_officers_post(db_session, setup, as_user, demo):
    iciela = demo.employer("iciela")
    with as_user(ALMA_DIRECTOR):  # the carrier's side owns the agreement
        agreement = db_session.get(Agreement, setup.agreement_id)
        party = sharing.invite(db_session, agreement, iciela)
        party_id = party.id
    with as_user(ICIELA_DIRECTOR):
        party = sharing.party_of(db_session, setup.agreement_id, iciela)
        assert party is not None and party.id == party_id
        sharing.set_status(db_session, party, PartyStatus.ACTIVE)
    with as_user(OFFICER):
        calendar = db_session.get(Calendar, setup.calendar_id)
        for day, centre in ((12, setup.fresnoy), (13, setup.alma), (14, setup.basse_masure)):
            agenda.book(
                db_session,
                calendar,
                centre_id=centre,
                category=Category.WORKSHOP,
                title=f"Atelier du {day}",
                starts_local=datetime(2027, 1, day, 19),
                ends_local=datetime(2027, 1, day, 20),
                config=CFG,
            )
    db_session.flush()


def _busy_on_the_web(db_session, as_user, demo) -> set[datetime]:
    pile = demo.centre("pile-sainte-elisabeth")
    with as_user(ICIELA_DIRECTOR):
        calendars = agenda.calendars_of_centre(db_session, pile)
        assert calendars, "Pile takes part through Iciela: the officer's calendar is listed"
        slots = agenda.slots(
            db_session,
            date(2027, 1, 1),
            date(2027, 2, 1),
            user_ids=[c.user_id for c in calendars],
            centre_id=pile.id,
        )
    return {s.starts_at for s in slots}


def _busy_in_the_feed(app) -> set[datetime]:
    director, anonymous = app.test_client(), app.test_client()
    assert sign_in(director, ICIELA_DIRECTOR).status_code == 302
    page = "/c/pile-sainte-elisabeth/agenda/abonnement"
    director.post(
        page,
        data={"csrf_token": csrf_token(director, page), "scope": "centre", "action": "regenerate"},
    )
    html = director.get(page).get_data(as_text=True)
    (url,) = {
        u
        for u in html.split('"')
        if u.startswith("http") and u.endswith(".ics") and "/agenda/flux/" in u
    }
    response = anonymous.get("/agenda/flux/" + url.split("/agenda/flux/", 1)[1])
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.data)
    return {
        component.decoded("dtstart")
        for component in calendar.walk("VEVENT")
        if str(component.get("summary")) == BUSY_ELSEWHERE
        and date(2027, 1, 1) <= component.decoded("dtstart").date() < date(2027, 2, 1)
    }


def test_the_feed_of_a_centre_taking_part_through_its_employer_shows_the_busy_blocks(
    app, db_session, setup, as_user, demo, frozen_clock
):
    frozen_clock(date(2027, 1, 5))
    _iciela_joins_the_officers_post(db_session, setup, as_user, demo)
    web = _busy_on_the_web(db_session, as_user, demo)
    assert len(web) == 3
    assert _busy_in_the_feed(app) == web
