"""The « Mes appareils » page: one app password per device, shown once, stored
hashed, revocable; and the subscription page's set-up steps with the server
address from PUBLIC_URL and its QR code."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dav.dav_support import ALMA_STAFF, OFFICER, PROPFIND_ALL, Device
from ensemble.caldav.models import AppPassword
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

PAGE = "/compte/appareils"


def _create(client, name: str):
    return client.post(PAGE, data={"name": name, "csrf_token": csrf_token(client, PAGE)})


def _secret(html: str) -> str | None:
    match = re.search(r'<code id="app-password">([^<]+)</code>', html)
    return match.group(1) if match else None


def test_a_password_is_shown_once_stored_hashed_and_opens_caldav(client, dav, demo, db_session):
    assert sign_in(client, OFFICER).status_code == 302
    created = _create(client, "iPhone de Hugo")
    assert created.status_code == 200
    secret = _secret(created.get_data(as_text=True))
    assert secret and re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", secret)
    again = client.get(PAGE).get_data(as_text=True)
    assert secret not in again and "iPhone de Hugo" in again
    with context.using(demo.context_of(OFFICER), db_session):
        row = db_session.scalar(select(AppPassword).where(AppPassword.name == "iPhone de Hugo"))
    assert row.password_hash.startswith("$argon2") and secret not in row.password_hash
    user = demo.user(OFFICER)
    phone = Device(OFFICER, user.id, secret, row.id)
    assert dav("PROPFIND", "/dav/", phone, PROPFIND_ALL).status_code == 207

    revoke = client.post(
        PAGE,
        data={"revoquer-password_id": str(row.id), "revoquer-csrf_token": csrf_token(client, PAGE)},
    )
    assert revoke.status_code == 302
    assert "<td>iPhone de Hugo</td>" not in client.get(PAGE).get_data(as_text=True)
    assert dav("PROPFIND", "/dav/", phone, PROPFIND_ALL).status_code == 401


def test_someone_else_s_device_cannot_be_revoked(client, device, dav):
    hugo = device(OFFICER)
    assert sign_in(client, ALMA_STAFF).status_code == 302
    answer = client.post(
        PAGE,
        data={
            "revoquer-password_id": str(hugo.password_id),
            "revoquer-csrf_token": csrf_token(client, PAGE),
        },
        follow_redirects=True,
    )
    assert "n’existe pas" in answer.get_data(as_text=True)
    assert dav("PROPFIND", "/dav/", hugo, PROPFIND_ALL).status_code == 207


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(max_size=120))
def test_any_device_name_is_answered_in_french_never_a_500(client, name):
    if client.get(PAGE).status_code != 200:
        assert sign_in(client, OFFICER).status_code == 302
    answer = _create(client, name)
    assert answer.status_code in (200, 400, 422)
    html = answer.get_data(as_text=True)
    if answer.status_code == 200:
        assert _secret(html)
    elif answer.status_code == 422:
        assert 'class="error-summary" role="alert"' in html


def test_the_page_needs_a_signed_in_person(client):
    answer = client.get(PAGE)
    assert answer.status_code == 302 and "/connexion" in answer.headers["Location"]


def test_the_subscription_page_explains_three_clients_with_the_public_address(client, app):
    assert sign_in(client, OFFICER).status_code == 302
    html = client.get("/c/alma/agenda/abonnement").get_data(as_text=True)
    address = app.config["PUBLIC_URL"].rstrip("/") + "/"
    assert f"<code>{address}</code>" in html
    for client_name in ("iPhone", "DAVx⁵", "Thunderbird"):
        assert client_name in html
    svg = re.search(r"<svg [^>]*role=\"img\"[^>]*>", html)
    assert svg and address in svg.group(0)
    assert "<script>" not in html and "<script " not in html.split("</head>")[1]
    assert OFFICER in html  # the user name to type
