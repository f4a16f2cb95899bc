"""The pages of the actions over HTTP: a director creates an action and plans
its sessions, an animator records a session's attendance (refused figures come
back in French and nothing is written), the home page asks for the attendance
still to record, and the page on participants' data says what is kept."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from activity.conftest import ALMA_DIRECTOR, ALMA_STAFF, ECHO_DIRECTOR
from ensemble.activity import operations as activity
from ensemble.activity.models import Action, ActionSession
from ensemble.tenancy import context

from conftest import csrf_token, sign_in


def _as_director(demo, db_session):
    """Alma's director reads back what the pages wrote (a platform admin sees no
    participant: the rows are the centre's alone)."""
    return context.using(demo.context_of(ALMA_DIRECTOR), db_session)


def test_a_director_creates_an_action_and_plans_its_sessions(
    client, demo, db_session, frozen_clock
):
    frozen_clock(date(2026, 9, 1))
    sign_in(client, ALMA_DIRECTOR)
    new = "/c/alma/actions/nouvelle"
    page = client.get(new)
    assert page.status_code == 200
    assert "Parentalité" in page.text
    token = csrf_token(client, new)
    refused = client.post(
        new,
        data={
            "csrf_token": token,
            "name": "",
            "sector": "parentalite",
            "funding_agreement_id": "0",
            "post_agreement_id": "0",
        },
    )
    assert refused.status_code == 422
    assert "Indiquez le nom." in refused.text
    done = client.post(
        new,
        data={
            "csrf_token": token,
            "name": "Kassoumaï (essai)",
            "sector": "parentalite",
            "public": "Parents et enfants de 0 à 5 ans",
            "place": "Espace Kassoumaï",
            "funding_agreement_id": "0",
            "post_agreement_id": "0",
        },
    )
    assert done.status_code == 302
    action_id = int(re.search(r"/actions/(\d+)$", done.headers["Location"]).group(1))
    plan = f"/c/alma/actions/{action_id}/seances"
    token = csrf_token(client, plan)
    wrong = client.post(
        plan,
        data={
            "csrf_token": token,
            "first_day": "2026-09-07",
            "start": "10:00",
            "end": "09:00",
            "count": "3",
        },
    )
    assert wrong.status_code == 422
    assert "La fin doit être après le début." in wrong.text
    planned = client.post(
        plan,
        data={
            "csrf_token": token,
            "first_day": "2026-09-07",
            "start": "09:30",
            "end": "12:30",
            "count": "3",
        },
    )
    assert planned.status_code == 302
    shown = client.get(f"/c/alma/actions/{action_id}")
    assert shown.status_code == 200
    assert "3 séances planifiées." in shown.text
    assert shown.text.count("À venir") == 3
    with _as_director(demo, db_session):
        assert len(activity.sessions_of(db_session, db_session.get(Action, action_id))) == 3


def test_staff_cannot_create_an_action(client):
    sign_in(client, ALMA_STAFF)
    assert client.get("/c/alma/actions/nouvelle").status_code == 404
    assert client.get("/c/alma/actions/").status_code == 200


def _first_session(db_session, demo, action_id) -> int:
    with _as_director(demo, db_session):
        return db_session.scalar(
            select(ActionSession.id)
            .where(ActionSession.action_id == action_id)
            .order_by(ActionSession.starts_at)
        )


def test_an_animator_records_attendance_on_the_page(client, demo, db_session, alma_action):
    with context.using(demo.context_of(ALMA_STAFF), db_session):
        action = db_session.get(Action, alma_action)
        awa = activity.register_participant(db_session, action, display_name="Awa D.", consent=True)
        ben = activity.register_participant(db_session, action, display_name="Ben K.", consent=True)
        db_session.flush()
    session_id = _first_session(db_session, demo, alma_action)
    sign_in(client, ALMA_STAFF)
    home = client.get("/c/alma/")
    assert "Présences à saisir" in home.text
    url = f"/c/alma/seances/{session_id}/presences"
    page = client.get(url)
    assert page.status_code == 200
    assert "Awa D." in page.text and "Ben K." in page.text
    assert "activity-attendance.js" in page.text
    assert "<script>" not in page.text  # the CSP forbids inline script
    token = csrf_token(client, url)
    too_many = client.post(
        url,
        data={
            "csrf_token": token,
            "present": [str(awa.id), str(ben.id)],
            "participants": "3",
            "women": "2",
            "men": "2",
        },
    )
    assert too_many.status_code == 422
    assert "Plus de femmes et d’hommes que de participants." in too_many.text
    with _as_director(demo, db_session):
        assert db_session.get(ActionSession, session_id).recorded_at is None
    saved = client.post(
        url,
        data={
            "csrf_token": token,
            "present": [str(awa.id), str(ben.id)],
            "participants": "3",
            "women": "2",
            "men": "1",
            "volunteers": "1",
            "volunteer_hours": "2,5",
        },
    )
    assert saved.status_code == 302
    with _as_director(demo, db_session):
        recorded = db_session.get(ActionSession, session_id)
        db_session.refresh(recorded)
        assert (
            recorded.participants,
            recorded.women,
            recorded.men,
            str(recorded.volunteer_hours),
        ) == (3, 2, 1, "2.50")
    again = client.get(url)
    assert 'value="3"' in again.text


def test_another_centre_does_not_reach_the_attendance_page(client, demo, db_session, alma_action):
    session_id = _first_session(db_session, demo, alma_action)
    sign_in(client, ECHO_DIRECTOR)
    assert client.get(f"/c/echo/seances/{session_id}/presences").status_code == 404
    assert client.get(f"/c/alma/seances/{session_id}/presences").status_code == 404


def test_the_page_on_participants_data_says_what_is_kept(client):
    sign_in(client, ALMA_STAFF)
    page = client.get("/c/alma/actions/donnees-personnelles")
    assert page.status_code == 200
    assert "12 mois" in page.text
    assert "fédération" in page.text


def test_the_director_reviews_corrects_and_carries_over_the_declaration(
    client, demo, db_session, alma_action
):
    """Attendance of March 2026 pre-fills Alma's 2026 figures: the director sees
    them with their sessions, corrects one with its reason (refused without),
    and carries them over to the draft declaration."""
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        action = db_session.get(Action, alma_action)
        action.days_indicator = "pa.jours_accueil"
        for act_session in activity.sessions_of(db_session, action)[:3]:
            activity.record_attendance(db_session, act_session, activity.Attendance(participants=5))
        db_session.flush()
    sign_in(client, ALMA_DIRECTOR)
    review = "/c/alma/actions/declaration?annee=2026"
    page = client.get(review)
    assert page.status_code == 200
    assert "Aucun chiffre pré-rempli" in page.text
    token = csrf_token(client, review)
    assert (
        client.post(
            "/c/alma/actions/declaration/recalculer", data={"csrf_token": token, "year": "2026"}
        ).status_code
        == 302
    )
    page = client.get(review)
    assert "Jours d’accueil du lieu parents-enfants" in page.text
    assert "3 séances" in page.text
    sources = client.get("/c/alma/actions/declaration/sources?annee=2026&ligne=pa.jours_accueil")
    assert sources.status_code == 200 and sources.text.count("/presences") == 3
    assert (
        client.get("/c/alma/actions/declaration/sources?annee=2026&ligne=nope").status_code == 404
    )
    assert client.get("/c/alma/actions/declaration?annee=20x6").status_code == 404
    form = {
        "csrf_token": token,
        "prefix": "c0",
        "c0-year": "2026",
        "c0-code": "pa.jours_accueil",
        "c0-key": "",
        "c0-value": "4",
    }
    without_reason = client.post(
        "/c/alma/actions/declaration/corriger", data={**form, "c0-reason": ""}
    )
    assert without_reason.status_code == 302
    assert "Indiquez la raison de la correction." in client.get(review).text
    done = client.post(
        "/c/alma/actions/declaration/corriger", data={**form, "c0-reason": "Une séance sur papier"}
    )
    assert done.status_code == 302
    page = client.get(review)
    assert "Corrigé\u00a0: Une séance sur papier" in page.text
    carried = client.post(
        "/c/alma/actions/declaration/reporter", data={"csrf_token": token, "year": "2026"}
    )
    assert carried.status_code == 302
    assert carried.headers["Location"].endswith("/c/alma/declarations")
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        from ensemble.reporting import operations as reporting
        from ensemble.reporting.models import Declaration

        declaration = db_session.scalar(
            select(Declaration).where(
                Declaration.centre_id == demo.centre("alma").id, Declaration.year == 2026
            )
        )
        assert reporting.values_of(declaration)[("pa.jours_accueil", "")].value == 4


def test_staff_do_not_reach_the_declaration_review(client):
    sign_in(client, ALMA_STAFF)
    assert client.get("/c/alma/actions/declaration").status_code == 404
