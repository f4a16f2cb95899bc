"""Who is signed in: the person, their tenant context and their places,
cached in Redis between requests.

Every signed-in request needs all three, and computing them costs four
queries, while they change only when people, memberships or the network
change. Each cached entry records the *directory generation* it was computed
at: a committed change to any of those tables bumps the generation, so the
very next request of anyone recomputes from the database (a removed
membership takes effect at once). A change made
outside the application (raw SQL) is picked up when the entry expires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, make_transient_to_detached

from ensemble import redis_store
from ensemble.db import SessionLike
from ensemble.network.models import Centre, Employer, Federation
from ensemble.people.models import Membership, User
from ensemble.redis_store import key
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext
from ensemble.tenancy.scopes import context_for_user
from ensemble.tenancy.switcher import Place, place_rows, places_from_rows

# A bound on staleness for changes the generation cannot see (raw SQL).
TTL_SECONDS = 600
DIRECTORY_MODELS = (User, Membership, Centre, Employer, Federation)
_CONTEXT_SETS = (
    "centre_ids",
    "director_centre_ids",
    "employer_ids",
    "director_employer_ids",
    "federation_ids",
    "network_ids",
)
_USER_FIELDS = ("id", "email", "full_name", "is_active_account", "locale")


@dataclass(frozen=True)
class Identity:
    user_fields: dict
    context: TenantContext
    places: list[Place]
    generation: str  # of the directory, when this identity was read

    @property
    def is_active(self) -> bool:
        return bool(self.user_fields["is_active_account"])

    def user(self, session: SessionLike) -> User:
        """A persistent User built from the cached columns, without a query. Call it
        once the context is active, so the transaction starts with it."""
        existing = session.identity_map.get(session.identity_key(User, self.user_fields["id"]))
        if existing is not None:
            return existing
        fields = self.user_fields
        user = User(**{**fields, "created_at": datetime.fromisoformat(fields["created_at"])})
        make_transient_to_detached(user)
        return session.merge(user, load=False)


def generation_key() -> str:
    return key("directory-generation")


def _entry_key(user_id: int) -> str:
    return key("identity", user_id)


def for_session(session: SessionLike, registration: str | None, user_id: int) -> Identity | None:
    """The person signed in with the session registered under the Redis key
    `registration` (ensemble.accounts.sessions.session_key), or None if that
    session is not live or the account is gone. One Redis round trip when the
    cache is current."""
    if not registration:
        return None
    registered, generation, raw = redis_store.mget(
        registration, generation_key(), _entry_key(user_id)
    )
    if registered != str(user_id):
        return None
    return _identity(session, user_id, generation, raw)


def load(session: SessionLike, user_id: int) -> Identity | None:
    """The person, from the cache when it is current (at sign-in)."""
    generation, raw = redis_store.mget(generation_key(), _entry_key(user_id))
    return _identity(session, user_id, generation, raw)


def _identity(
    session: SessionLike, user_id: int, generation: str | None, raw: str | None
) -> Identity | None:
    generation = generation or "0"
    entry = json.loads(raw) if raw else None
    if entry is None or entry["generation"] != generation:
        entry = _compute(session, user_id)
        if entry is None:
            return None
        entry["generation"] = generation
        redis_store.current().setex(_entry_key(user_id), TTL_SECONDS, json.dumps(entry))
    return Identity(
        user_fields=entry["user"],
        context=_context(entry["context"]),
        places=places_from_rows(entry["places"]),
        generation=generation,
    )


def _compute(session: SessionLike, user_id: int) -> dict | None:
    ctx = context_for_user(session, user_id)
    context.activate(ctx, session)  # the places are read as the person will see them
    user = session.get(User, user_id)
    if user is None:
        return None
    return {
        "user": {
            **{name: getattr(user, name) for name in _USER_FIELDS},
            "created_at": user.created_at.isoformat(),
        },
        "context": {
            "user_id": ctx.user_id,
            "is_admin": ctx.is_admin,
            **{name: sorted(getattr(ctx, name)) for name in _CONTEXT_SETS},
        },
        "places": place_rows(session, user_id),
    }


def _context(fields: dict) -> TenantContext:
    sets: dict[str, Any] = {name: frozenset(fields[name]) for name in _CONTEXT_SETS}
    return TenantContext(user_id=fields["user_id"], is_admin=fields["is_admin"], **sets)


# -- invalidation ---------------------------------------------------------------


def _note_directory_change(session: Session, flush_context) -> None:  # noqa: ARG001
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, DIRECTORY_MODELS) for obj in changed):
        session.info["directory_changed"] = True


def _bump_after_commit(session: Session) -> None:
    if session.info.pop("directory_changed", False) and has_app_context():
        redis_store.client(current_app.config["REDIS_URL"]).incr(generation_key())


def _forget_after_rollback(session: Session, previous_transaction=None) -> None:  # noqa: ARG001
    session.info.pop("directory_changed", None)


def install(session_class: type[Session]) -> None:
    if not event.contains(session_class, "after_flush", _note_directory_change):
        event.listen(session_class, "after_flush", _note_directory_change)
        event.listen(session_class, "after_commit", _bump_after_commit)
        event.listen(session_class, "after_soft_rollback", _forget_after_rollback)
