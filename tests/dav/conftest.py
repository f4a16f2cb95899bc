"""CalDAV fixtures: app passwords for demo people, DAV requests with HTTP Basic
through the Flask test client."""

from __future__ import annotations

import pytest

from dav.dav_support import Device
from ensemble.caldav import passwords
from ensemble.tenancy import context


@pytest.fixture
def device(demo, db_session):
    """`device(email)`: a fresh app password for that person."""

    def make(email: str, name: str = "Téléphone de test") -> Device:
        user = demo.user(email)
        with context.using(demo.context_of(email), db_session):
            row, secret = passwords.create(db_session, user, name)
        return Device(email, user.id, secret, row.id)

    return make


@pytest.fixture
def dav(client):
    def send(method: str, path: str, device: Device | None = None, body: bytes = b"", **headers):
        all_headers = {**(device.auth if device else {}), **headers}
        if body and "Content-Type" not in all_headers:
            all_headers["Content-Type"] = (
                "text/calendar; charset=utf-8" if body.startswith(b"BEGIN:") else "application/xml"
            )
        return client.open(path, method=method, data=body, headers=all_headers)

    return send
