"""The centre home page served from the cache, and everything that must
refresh it: the directory, the centre's activity, the person's notifications."""

from __future__ import annotations

import re

from sqlalchemy import select

from ensemble.audit.models import AuditAction
from ensemble.audit.operations import record
from ensemble.audit.views import ACTION_LABELS
from ensemble.notifications.operations import notify
from ensemble.people.models import User
from ensemble.tenancy import context

from conftest import sign_in

DIRECTOR = "claire.vasseur@alma.demo"


def _unread(page: str) -> int:
    badge = re.search(r'class="badge">(\d+)<', page)
    return int(badge.group(1)) if badge else 0


def _admin(db_session):
    return context.using(context.system_context(is_admin=True), db_session)


def test_a_second_visit_costs_no_query(client, count_queries):
    sign_in(client, DIRECTOR)
    first = client.get("/c/alma/").get_data(as_text=True)
    with count_queries() as statements:
        second = client.get("/c/alma/").get_data(as_text=True)
    assert statements == []
    assert second == first


def test_a_renamed_colleague_shows_at_once(client, demo, db_session):
    sign_in(client, DIRECTOR)
    assert "Inès Mercier" in client.get("/c/alma/").get_data(as_text=True)
    with _admin(db_session):
        user = db_session.scalar(select(User).where(User.email == "ines.mercier@alma.demo"))
        user.full_name = "Inès Mercier-Lefebvre"
        db_session.commit()
    assert "Inès Mercier-Lefebvre" in client.get("/c/alma/").get_data(as_text=True)


def test_new_activity_in_the_centre_shows_at_once(client, demo, db_session):
    sign_in(client, DIRECTOR)
    client.get("/c/alma/")
    alma = demo.centre("alma")
    with _admin(db_session):
        record(db_session, AuditAction.PASSWORD_CHANGED, "users", 1, centre_id=alma.id)
        db_session.commit()
    page = client.get("/c/alma/").get_data(as_text=True)
    assert str(ACTION_LABELS[AuditAction.PASSWORD_CHANGED]) in page


def test_a_new_notification_shows_at_once(client, demo, db_session):
    sign_in(client, DIRECTOR)
    before = client.get("/c/alma/").get_data(as_text=True)
    director = demo.user(DIRECTOR)
    with _admin(db_session):
        notify(db_session, [(director.id, "")], "Une nouvelle demande", email=False)
        db_session.commit()
    after = client.get("/c/alma/").get_data(as_text=True)
    assert _unread(after) == _unread(before) + 1


def test_another_session_of_the_same_person_gets_its_own_copy(app, client):
    sign_in(client, DIRECTOR)
    client.get("/c/alma/")
    other = app.test_client()
    sign_in(other, DIRECTOR)
    page = other.get("/c/alma/").get_data(as_text=True)
    token = client.get("/c/alma/").get_data(as_text=True)
    assert page != token  # each page carries its own session's CSRF token


def test_a_colleague_never_gets_the_directors_copy(app, client):
    sign_in(client, DIRECTOR)
    assert "Activité récente" in client.get("/c/alma/").get_data(as_text=True)
    colleague = app.test_client()
    sign_in(colleague, "ines.mercier@alma.demo")
    page = colleague.get("/c/alma/").get_data(as_text=True)
    assert "Activité récente" not in page  # the director-only panel
    assert colleague.get("/c/echo/").status_code == 404


def test_the_cache_can_be_turned_off(app, client, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)
    sign_in(client, DIRECTOR)
    client.get("/c/alma/")
    with count_queries() as statements:
        client.get("/c/alma/")
    assert statements
