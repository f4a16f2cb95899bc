"""Writing the audit log. Changes are recorded automatically by a flush hook;
reads of sensitive data are recorded explicitly with `record_read`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from ensemble import cache_versions
from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.db import table_of
from ensemble.tenancy import context


def _note_activity(session: Session, rows: list[dict[str, Any]]) -> None:
    """Pages showing a centre's recent activity are cached under its version."""
    cache_versions.bump_after_commit(
        session, {f"centre-activity:{r['centre_id']}" for r in rows if r["centre_id"]}
    )


def _ip() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def _row(
    action: AuditAction,
    object_type: str,
    object_id: int | None,
    *,
    centre_id: int | None = None,
    employer_id: int | None = None,
    federation_id: int | None = None,
    details: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    return {
        "user_id": user_id if user_id is not None else context.current().user_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "centre_id": centre_id,
        "employer_id": employer_id,
        "federation_id": federation_id,
        "details": details or {},
        "ip_address": _ip(),
    }


def _tenant_of(obj: Any) -> dict[str, Any]:
    """The tenant whose log receives an entry about `obj`. Shared objects decide
    for themselves (`audit_tenant`), since their parties span several tenants."""
    if hasattr(obj, "audit_tenant"):
        return obj.audit_tenant(context.current())
    return {
        "centre_id": getattr(obj, "centre_id", None),
        "employer_id": getattr(obj, "employer_id", None),
        "federation_id": getattr(obj, "federation_id", None),
    }


def record(
    session: Session,
    action: AuditAction,
    object_type: str,
    object_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Record one event (sign-in, sign-out, password change…).

    A Core insert without RETURNING: the writer of an entry is not always
    allowed to read it back (only directors and admins read the log)."""
    row = _row(action, object_type, object_id, **kwargs)
    session.execute(insert(table_of(AuditEntry)), [row])
    _note_activity(session, [row])


def record_read(session: Session, obj: Any) -> None:
    """Record that the current person read `obj` (HR data and other sensitive records)."""
    record(session, AuditAction.READ, type(obj).__tablename__, obj.id, **_tenant_of(obj))


def _changed_fields(obj: Any) -> list[str]:
    state = inspect(obj)
    return sorted(
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    )


def _log_changes(session: Session, flush_context) -> None:  # noqa: ARG001
    rows = []
    for action, objects in (
        (AuditAction.CREATE, session.new),
        (AuditAction.UPDATE, session.dirty),
        (AuditAction.DELETE, session.deleted),
    ):
        for obj in objects:
            if not getattr(obj, "__audited__", False):
                continue
            details = {}
            if action is AuditAction.UPDATE:
                fields = _changed_fields(obj)
                if not fields:
                    continue
                details = {"fields": fields}
            rows.append(_row(action, obj.__tablename__, obj.id, details=details, **_tenant_of(obj)))
    if rows:
        session.connection().execute(insert(table_of(AuditEntry)), rows)
        _note_activity(session, rows)


def install(session_class: type[Session]) -> None:
    """Log every insert, update and delete of models marked `__audited__`."""
    if not event.contains(session_class, "after_flush", _log_changes):
        event.listen(session_class, "after_flush", _log_changes)


def record_reads(session: Session, objects: Iterable[Any]) -> None:
    """`record_read` for every object of a list page, in one statement, so a page
    listing many sensitive records keeps a bounded number of queries."""
    rows = [_row(AuditAction.READ, type(o).__tablename__, o.id, **_tenant_of(o)) for o in objects]
    if rows:
        session.execute(insert(table_of(AuditEntry)), rows)
        _note_activity(session, rows)
