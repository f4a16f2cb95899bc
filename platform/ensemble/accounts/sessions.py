"""Server-side session ids: PostgreSQL keeps them, Redis holds a copy.

Flask's session is a signed cookie; on its own it cannot be revoked. Each
sign-in gets a fresh random id (the session id is renewed at sign-in), sign-out
deletes it, and a password change deletes every id of that person, so a stolen
cookie dies with the session.

Every request checks the id in Redis (one round trip, with the cached identity:
see ensemble.tenancy.identity). The id lives in PostgreSQL too
(`account_sessions`, only its SHA-256), so a Redis restart, even one that lost
its data, signs no one out: a miss in Redis is looked up in PostgreSQL, once,
and copied back. Row-level security lets a transaction see only the sessions of
the person it acts for; a lookup acts for the person the signed cookie names,
and finds a row only if that person's session id hashes to it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, current_app, session
from sqlalchemy import delete, select

from ensemble import redis_store
from ensemble.db import SessionLike, utcnow
from ensemble.people.models import AccountSession
from ensemble.redis_store import key
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext


def _redis():
    return redis_store.current()


def _lifetime() -> int:
    return int(current_app.config["PERMANENT_SESSION_LIFETIME"])


def init_app(app: Flask) -> None:
    if not app.config["REDIS_URL"]:
        raise RuntimeError("REDIS_URL is required (sessions and rate limits live in Redis).")


def digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def session_key(sid: str) -> str:
    return key("session", digest(sid))


def start(db_session: SessionLike, user_id: int) -> str:
    """Forget everything of the previous session and register a new id (flushes)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    with context.using(TenantContext(user_id=user_id), db_session):
        # Expired sessions go when their person signs in again (or is looked up,
        # see revive): only that person's transactions may see them.
        db_session.execute(
            delete(AccountSession).where(
                AccountSession.user_id == user_id, AccountSession.expires_at < now
            )
        )
        db_session.add(
            AccountSession(
                sid_hash=digest(sid),
                user_id=user_id,
                created_at=now,
                expires_at=now + timedelta(seconds=_lifetime()),
            )
        )
        db_session.flush()
    _redis().setex(session_key(sid), _lifetime(), user_id)
    session["sid"] = sid
    session.permanent = True
    return sid


def revive(db_session: SessionLike, sid: str, user_id: int) -> bool:
    """Whether `sid` is a live session of `user_id` according to PostgreSQL (after a
    miss in Redis); if so, Redis gets its copy back for the time it has left."""
    with context.using(TenantContext(user_id=user_id), db_session):
        expires_at = db_session.scalar(
            select(AccountSession.expires_at).where(
                AccountSession.sid_hash == digest(sid), AccountSession.user_id == user_id
            )
        )
    if expires_at is None:
        return False
    remaining = int((expires_at - utcnow()).total_seconds())
    if remaining <= 0:
        with context.using(TenantContext(user_id=user_id), db_session):
            db_session.execute(delete(AccountSession).where(AccountSession.sid_hash == digest(sid)))
        return False
    _redis().setex(session_key(sid), remaining, user_id)
    return True


def end(db_session: SessionLike, user_id: int | None) -> None:
    """Sign-out: this session only."""
    sid = session.get("sid")
    if sid:
        _redis().delete(session_key(sid))
        if user_id is not None:
            with context.using(TenantContext(user_id=user_id), db_session):
                db_session.execute(
                    delete(AccountSession).where(
                        AccountSession.sid_hash == digest(sid),
                        AccountSession.user_id == user_id,
                    )
                )
    session.clear()


def end_all(db_session: SessionLike, user_id: int) -> None:
    """Revoke every session of a person (after a password change)."""
    with context.using(TenantContext(user_id=user_id), db_session):
        hashes = db_session.scalars(
            select(AccountSession.sid_hash).where(AccountSession.user_id == user_id)
        ).all()
        db_session.execute(delete(AccountSession).where(AccountSession.user_id == user_id))
    if hashes:
        _redis().delete(*(key("session", h) for h in hashes))
