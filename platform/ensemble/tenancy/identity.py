"""Who is signed in: the person, their tenant context and their places,
cached in Redis between requests.

Every signed-in request needs all three, and computing them costs four
queries, while they change only when people, memberships or the network
change. The cache key carries a *directory generation*: a committed change to
any of those tables bumps it, so the very next request of anyone recomputes
from the database (a removed membership takes effect at once). A change made
outside the application (raw SQL) is picked up when the entry expires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, make_transient_to_detached

from ensemble import redis_store
from ensemble.accounts.models import Membership, User
from ensemble.network.models import Centre, Employer, Federation
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

    @property
    def is_active(self) -> bool:
        return bool(self.user_fields["is_active_account"])

    def user(self, session: Session) -> User:
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


def current_generation() -> str | None:
    return redis_store.current().get(generation_key())


def _entry_key(user_id: int, generation: str | None) -> str:
    return key("identity", user_id, generation or "0")


def load(session: Session, user_id: int, generation: str | None) -> Identity | None:
    """The signed-in person, from the cache when it is current, else from the
    database (and then cached). None if the account is gone."""
    client = redis_store.current()
    entry_key = _entry_key(user_id, generation)
    raw = client.get(entry_key)
    if raw is None:
        entry = _compute(session, user_id)
        if entry is None:
            return None
        client.setex(entry_key, TTL_SECONDS, json.dumps(entry))
    else:
        entry = json.loads(raw)
    return Identity(
        user_fields=entry["user"],
        context=_context(entry["context"]),
        places=places_from_rows(entry["places"]),
    )


def _compute(session: Session, user_id: int) -> dict | None:
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
    return TenantContext(
        user_id=fields["user_id"],
        is_admin=fields["is_admin"],
        **{name: frozenset(fields[name]) for name in _CONTEXT_SETS},
    )


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
