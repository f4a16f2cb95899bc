"""Named versions in Redis, bumped once a transaction commits.

Whatever keeps a copy of something (a cached page, a computed summary) stores
the versions it was computed at and compares them with the current ones before
serving the copy. Code that changes what such a copy shows bumps the matching
version with `bump_after_commit` (the audit log bumps a centre's activity,
notifications bump their recipient's): the bump waits for the commit, so a
rolled-back change never invalidates anything, and a committed one always does.

This is foundation, below every capability: audit, notifications and any
feature may bump a version; the page cache (ensemble.web.page_cache) reads them.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ensemble import redis_store
from ensemble.redis_store import key

PENDING = "ensemble_versions_to_bump"


def version_key(name: str) -> str:
    """The Redis key holding version `name`."""
    return key("version", name)


def bump_after_commit(session: Session, names: Iterable[str]) -> None:
    """Change the versions `names` once the current transaction commits."""
    session.info.setdefault(PENDING, set()).update(names)


def _bump(session: Session) -> None:
    names = session.info.pop(PENDING, None)
    if not names or not has_app_context():
        return
    client = redis_store.client(current_app.config["REDIS_URL"])
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.incr(version_key(name))
    pipe.execute()


def _forget(session: Session, previous_transaction=None) -> None:  # noqa: ARG001
    session.info.pop(PENDING, None)


def install(session_class: type[Session]) -> None:
    if not event.contains(session_class, "after_commit", _bump):
        event.listen(session_class, "after_commit", _bump)
        event.listen(session_class, "after_soft_rollback", _forget)
