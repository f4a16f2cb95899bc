"""CalDAV fixtures: app passwords for demo people, DAV requests with HTTP Basic
through the Flask test client."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from dav.dav_support import Device
from ensemble.caldav import passwords
from ensemble.tenancy import context

from conftest import NAMESPACE, TEST_CONFIG, clone_database


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


# --- A live server for real clients ---------------------------------------------------------

DAV_REMOTE_ADDR = "127.0.0.66"  # its own rate-limit keys (see tests/browser/conftest.py)


@dataclass
class LiveDav:
    url: str
    app: object

    @contextlib.contextmanager
    def as_person(self, email: str):
        """Run a block in the live app as that person, and commit it."""
        from ensemble.extensions import db
        from ensemble.people.models import User
        from ensemble.tenancy.scopes import context_for_user

        with self.app.app_context():
            with context.using(context.system_context(is_admin=True), db.session):
                user_id = db.session.scalar(select(User.id).where(User.email == email))
            with context.using(context_for_user(db.session, user_id), db.session):
                yield db.session
                db.session.commit()
            db.session.remove()

    def device(self, email: str, name: str = "Téléphone") -> Device:
        from ensemble.people.models import User

        with self.as_person(email) as session:
            user = session.scalar(select(User).where(User.email == email))
            row, secret = passwords.create(session, user, name)
            device = Device(email, user.id, secret, row.id)
        return device

    def revoke(self, device: Device) -> None:
        with self.as_person(device.email) as session:
            passwords.revoke(session, device.user_id, device.password_id)


@pytest.fixture(scope="session")
def live_dav(servers, template_database, app) -> Iterator[LiveDav]:
    """The app on 127.0.0.1 and a free port, in a thread, on its own database
    (as tests/browser does), for clients that speak HTTP."""
    from werkzeug.serving import make_server

    from ensemble import create_app
    from ensemble.extensions import db

    urls = clone_database(servers, "caldav")
    namespace = f"{NAMESPACE}-caldav"
    server = make_server("127.0.0.1", 0, lambda e, s: None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    live_app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": urls.runtime,
            "SQLALCHEMY_BINDS": {"reporting": urls.reporting},
            "DATABASE_OWNER_URL": urls.owner,
            "REDIS_URL": servers["redis_url"],
            "REDIS_NAMESPACE": namespace,
            "CELERY_QUEUE": namespace,
            "PUBLIC_URL": url,
        }
    )
    app.extensions["celery"].set_default()

    def wsgi(environ, start_response):
        environ["REMOTE_ADDR"] = DAV_REMOTE_ADDR
        return live_app(environ, start_response)

    server.app = wsgi
    thread = threading.Thread(target=server.serve_forever, name="live-dav", daemon=True)
    thread.start()
    try:
        yield LiveDav(url, live_app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with live_app.app_context():
            for engine in db.engines.values():
                engine.dispose()
