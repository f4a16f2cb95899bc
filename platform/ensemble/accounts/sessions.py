"""Server-side session ids, kept in Redis.

Flask's session is a signed cookie; on its own it cannot be revoked. Each
sign-in gets a fresh random id registered in Redis (the session id is renewed
at sign-in), sign-out deletes it, and a password change deletes every id of
that person, so a stolen cookie dies with the session.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, session

from ensemble import redis_store
from ensemble.redis_store import key


def _redis():
    return redis_store.current()


def _lifetime() -> int:
    return int(current_app.config["PERMANENT_SESSION_LIFETIME"])


def init_app(app: Flask) -> None:
    if not app.config["REDIS_URL"]:
        raise RuntimeError("REDIS_URL is required (sessions and rate limits live in Redis).")


def start(user_id: int) -> str:
    """Forget everything of the previous session and register a new id."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    sid = secrets.token_urlsafe(32)
    pipe = _redis().pipeline()
    pipe.setex(key("session", sid), _lifetime(), user_id)
    pipe.sadd(key("user-sessions", user_id), sid)
    pipe.expire(key("user-sessions", user_id), _lifetime())
    pipe.execute()
    session["sid"] = sid
    session.permanent = True
    return sid


def session_key(sid: str) -> str:
    return key("session", sid)


def end() -> None:
    sid = session.get("sid")
    if sid:
        _redis().delete(key("session", sid))
    session.clear()


def end_all(user_id: int) -> None:
    """Revoke every session of a person (after a password change)."""
    registry = key("user-sessions", user_id)
    sids = _redis().smembers(registry)
    if sids:
        _redis().delete(*(key("session", sid) for sid in sids))
    _redis().delete(registry)
