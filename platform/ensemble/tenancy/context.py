"""The tenant context: what the database lets the current transaction see.

Row-level security policies read `current_setting('app.…', true)`. The
context is held in a context variable (requests, Celery tasks and threads each
have their own) and written with `set_config(…, true)` at the start of every
transaction, so it never outlives the transaction and a connection returned to
the pool carries nothing over. A missing context sees no tenant rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

from ensemble.db import SessionLike


def _ids(values: Iterable[int]) -> frozenset[int]:
    return frozenset(int(v) for v in values)


@dataclass(frozen=True)
class TenantContext:
    """The scopes one transaction may see, computed from a person's memberships."""

    user_id: int | None = None
    centre_ids: frozenset[int] = field(default_factory=frozenset)
    director_centre_ids: frozenset[int] = field(default_factory=frozenset)
    # Employers whose HR data this person may read: HR manager of the employer,
    # or director of one of its centres.
    employer_ids: frozenset[int] = field(default_factory=frozenset)
    director_employer_ids: frozenset[int] = field(default_factory=frozenset)
    federation_ids: frozenset[int] = field(default_factory=frozenset)
    # Federations any membership belongs to: the network directory one may browse.
    network_ids: frozenset[int] = field(default_factory=frozenset)
    is_admin: bool = False
    # Only during sign-in: lets the lookup of one account by its e-mail through.
    login_email: str | None = None

    def settings(self) -> dict[str, str]:
        def join(ids: frozenset[int]) -> str:
            return ",".join(str(i) for i in sorted(ids))

        return {
            "app.user_id": "" if self.user_id is None else str(self.user_id),
            "app.centre_ids": join(self.centre_ids),
            "app.director_centre_ids": join(self.director_centre_ids),
            "app.employer_ids": join(self.employer_ids),
            "app.director_employer_ids": join(self.director_employer_ids),
            "app.federation_ids": join(self.federation_ids),
            "app.network_ids": join(self.network_ids),
            "app.is_admin": "on" if self.is_admin else "",
            "app.login_email": (self.login_email or "").strip().lower(),
        }

    def can_see_centre(self, centre_id: int) -> bool:
        return self.is_admin or centre_id in self.centre_ids


ANONYMOUS = TenantContext()

_current: ContextVar[TenantContext] = ContextVar("ensemble_tenant_context", default=ANONYMOUS)

_SET_SQL = text(
    "SELECT "
    + ", ".join(f"set_config('{key}', :p{i}, true)" for i, key in enumerate(ANONYMOUS.settings()))
)


def current() -> TenantContext:
    return _current.get()


def _apply(connection, ctx: TenantContext) -> None:
    params = {f"p{i}": value for i, value in enumerate(ctx.settings().values())}
    connection.execute(_SET_SQL, params)


def apply_to_session(session: SessionLike, ctx: TenantContext) -> None:
    """Write the context into the session's current transaction, if one is open."""
    target: Session = session() if isinstance(session, scoped_session) else session
    if target.in_transaction():
        _apply(target.connection(), ctx)


def activate(ctx: TenantContext, session: SessionLike | None = None):
    """Make `ctx` current; also re-apply it to `session`'s open transaction."""
    token = _current.set(ctx)
    if session is not None:
        apply_to_session(session, ctx)
    return token


def restore(token) -> None:
    """Undo an `activate` (end of a request or a task)."""
    _current.reset(token)


@contextlib.contextmanager
def using(ctx: TenantContext, session: SessionLike | None = None) -> Iterator[TenantContext]:
    """Run a block under `ctx`, then restore the previous context."""
    previous = _current.get()
    token = activate(ctx, session)
    try:
        yield ctx
    finally:
        _current.reset(token)
        if session is not None:
            # After a database error the transaction is doomed and will be rolled
            # back; the context variable is restored for the next one regardless.
            with contextlib.suppress(SQLAlchemyError):
                apply_to_session(session, previous)


def _set_context(session, transaction, connection) -> None:  # noqa: ARG001
    _apply(connection, _current.get())


def install(session_class: type[Session]) -> None:
    """Apply the current context at the start of every transaction of `session_class`."""
    if not event.contains(session_class, "after_begin", _set_context):
        event.listen(session_class, "after_begin", _set_context)


def system_context(
    *,
    centre_ids: Iterable[int] = (),
    employer_ids: Iterable[int] = (),
    federation_ids: Iterable[int] = (),
    is_admin: bool = False,
) -> TenantContext:
    """A context for trusted code (demo loader, tasks) acting for given tenants."""
    centres = _ids(centre_ids)
    employers = _ids(employer_ids)
    federations = _ids(federation_ids)
    return TenantContext(
        centre_ids=centres,
        director_centre_ids=centres,
        employer_ids=employers,
        director_employer_ids=employers,
        federation_ids=federations,
        network_ids=federations,
        is_admin=is_admin,
    )
