"""The audit log: who did what, when, in which tenant, to which object."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ensemble.db import Id, Model
from ensemble.people.models import User


class AuditAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    READ = "read"
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an action name
    PASSWORD_CHANGED = "password_changed"  # noqa: S105


class AuditEntry(Model):
    """Append-only: the runtime role may insert and select, never update or delete."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    action: Mapped[AuditAction] = mapped_column(
        Enum(AuditAction, name="audit_action", values_callable=lambda e: [m.value for m in e])
    )
    object_type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[int | None] = mapped_column(Id)
    centre_id: Mapped[int | None] = mapped_column(Id, ForeignKey("centres.id"))
    employer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("employers.id"))
    federation_id: Mapped[int | None] = mapped_column(Id, ForeignKey("federations.id"))
    # Field names only, never values: the log must not become a copy of HR data.
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    ip_address: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_audit_entries_centre_time", "centre_id", "occurred_at"),
        Index("ix_audit_entries_employer_time", "employer_id", "occurred_at"),
        Index("ix_audit_entries_federation_time", "federation_id", "occurred_at"),
    )
