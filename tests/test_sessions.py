"""Sessions live in PostgreSQL (a hash of each id) with a copy in Redis: a Redis
restart, even one that loses everything, signs no one out; sign-out and a
password change still revoke; a person's sessions are theirs alone."""

from __future__ import annotations

import hashlib

import pytest
from recovery_support import RestartableRedis
from sqlalchemy import text

from ensemble.tenancy import context

from conftest import NAMESPACE, TEST_CONFIG, clone_database, csrf_token, sign_in

ISOLATED_TABLES = {"account_sessions"}

CLAIRE = "claire.vasseur@alma.demo"
THOMAS = "thomas.lefebvre@fresnoy.demo"


def _sid(client, app) -> str:
    cookie = client.get_cookie("ensemble_session")
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return data["sid"]


def _count(session, sql: str, **params) -> int:
    return session.execute(text(sql), params).scalar_one()


def test_a_person_sees_and_ends_only_their_own_sessions(app, demo, db_session):
    claire, thomas = app.test_client(), app.test_client()
    assert sign_in(claire, CLAIRE).status_code == 302
    assert sign_in(thomas, THOMAS).status_code == 302
    claire_id, thomas_id = demo.user(CLAIRE).id, demo.user(THOMAS).id
    stored = hashlib.sha256(_sid(claire, app).encode()).hexdigest()
    with context.using(context.TenantContext(user_id=claire_id), db_session):
        mine = db_session.execute(text("SELECT sid_hash, user_id FROM account_sessions")).all()
        assert mine == [(stored, claire_id)]  # the hash only, never the id itself
        assert (
            _count(
                db_session, "SELECT count(*) FROM account_sessions WHERE user_id = :u", u=thomas_id
            )
            == 0
        )
        nested = db_session.begin_nested()
        with pytest.raises(Exception, match="row-level security"):
            db_session.execute(
                text(
                    "INSERT INTO account_sessions (sid_hash, user_id, expires_at)"
                    " VALUES ('x', :u, now() + interval '1 hour')"
                ),
                {"u": thomas_id},
            )
        nested.rollback()
        deleted = db_session.execute(
            text("DELETE FROM account_sessions WHERE user_id = :u"), {"u": thomas_id}
        )
        assert deleted.rowcount == 0
    with context.using(context.ANONYMOUS, db_session):
        assert _count(db_session, "SELECT count(*) FROM account_sessions") == 0
    # Thomas is still signed in.
    assert thomas.get("/", follow_redirects=True).status_code == 200


def test_a_miss_in_redis_is_answered_by_postgresql_then_cached_again(app, client, demo):
    from ensemble import redis_store
    from ensemble.accounts import sessions

    assert sign_in(client, CLAIRE).status_code == 302
    sid = _sid(client, app)
    redis = redis_store.client(app.config["REDIS_URL"])
    redis.delete(sessions.session_key(sid))  # as if Redis had lost it
    assert client.get("/", follow_redirects=True).status_code == 200
    assert redis.get(sessions.session_key(sid)) == str(demo.user(CLAIRE).id)
    assert 0 < redis.ttl(sessions.session_key(sid)) <= app.config["PERMANENT_SESSION_LIFETIME"]


def test_an_expired_session_is_not_revived_and_is_deleted(app, client, db_session):
    from ensemble import redis_store
    from ensemble.accounts import sessions

    assert sign_in(client, CLAIRE).status_code == 302
    sid = _sid(client, app)
    user_id = int(redis_store.client(app.config["REDIS_URL"]).get(sessions.session_key(sid)))
    with context.using(context.TenantContext(user_id=user_id), db_session):
        db_session.execute(text("DELETE FROM account_sessions WHERE user_id = :u"), {"u": user_id})
        db_session.execute(
            text(
                "INSERT INTO account_sessions (sid_hash, user_id, expires_at)"
                " VALUES (:h, :u, now() - interval '1 second')"
            ),
            {"h": sessions.digest(sid), "u": user_id},
        )
    redis_store.client(app.config["REDIS_URL"]).delete(sessions.session_key(sid))
    response = client.get("/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    with context.using(context.TenantContext(user_id=user_id), db_session):
        assert _count(db_session, "SELECT count(*) FROM account_sessions") == 0


@pytest.fixture
def app_on_restartable_redis(servers, tmp_path):
    """A separate app on its own database and on a Redis the test can restart."""
    from ensemble import create_app
    from ensemble.extensions import db

    redis = RestartableRedis(tmp_path)
    urls = clone_database(servers, "sessions")
    namespace = f"{NAMESPACE}-sessions"
    live = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": urls.runtime,
            "SQLALCHEMY_BINDS": {"reporting": urls.reporting},
            "REDIS_URL": redis.url,
            "REDIS_NAMESPACE": namespace,
            "CELERY_QUEUE": namespace,
            # Flask-Limiter's storage is one for the process: keep it on the tests' Redis.
            "RATELIMIT_STORAGE_URI": _limiter_uri(servers["redis_url"]),
        }
    )
    try:
        yield live, redis
    finally:
        with live.app_context():
            for engine in db.engines.values():
                engine.dispose()
        redis.stop()


def _limiter_uri(redis_url: str) -> str:
    from ensemble import redis_store

    return redis_store.for_limiter(redis_url)


@pytest.mark.no_db_rollback
def test_a_signed_in_person_stays_signed_in_across_a_redis_restart(app, app_on_restartable_redis):
    live, redis = app_on_restartable_redis
    app.extensions["celery"].set_default()
    claire, thomas = live.test_client(), live.test_client()
    assert sign_in(claire, CLAIRE).status_code == 302
    assert sign_in(thomas, THOMAS).status_code == 302
    assert "Claire Vasseur" in claire.get("/", follow_redirects=True).get_data(as_text=True)

    redis.restart(keep_data=False)  # a crash that lost every key

    page = claire.get("/", follow_redirects=True)
    assert page.status_code == 200 and "Claire Vasseur" in page.get_data(as_text=True)
    assert claire.get("/c/alma/").status_code == 200
    # Revocation still holds after the restart: Thomas signs out, his cookie is dead.
    stolen = thomas.get_cookie("ensemble_session").value
    token = csrf_token(thomas, "/")
    assert thomas.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    redis.restart(keep_data=False)
    replay = live.test_client()
    replay.set_cookie("ensemble_session", stolen)
    response = replay.get("/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert claire.get("/", follow_redirects=True).status_code == 200
