"""People, their credentials and their memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ensemble.db import Id, Model, created_at_column, id_column, utcnow
from ensemble.network.models import Centre, Employer, Federation


class Role(enum.StrEnum):
    DIRECTOR = "director"
    STAFF = "staff"
    HR_MANAGER = "hr_manager"
    ANALYST = "analyst"
    ADMIN = "admin"


# Which scope column each role requires; exactly one scope per membership.
ROLE_SCOPE = {
    Role.DIRECTOR: "centre_id",
    Role.STAFF: "centre_id",
    Role.HR_MANAGER: "employer_id",
    Role.ANALYST: "federation_id",
    Role.ADMIN: None,
}


class User(UserMixin, Model):
    __tablename__ = "users"
    __audited__ = True

    id: Mapped[int] = id_column()
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = created_at_column()

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", order_by="Membership.id"
    )
    credential: Mapped[Credential | None] = relationship(back_populates="user", uselist=False)

    __table_args__ = (Index("uq_users_email_lower", func.lower(email), unique=True),)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account


class Credential(Model):
    """The password hash, apart from `users` so that colleagues who may read
    each other's names can never read each other's hashes."""

    __tablename__ = "credentials"

    user_id: Mapped[int] = mapped_column(
        Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )

    user: Mapped[User] = relationship(back_populates="credential")


class Membership(Model):
    """One role in one scope: a centre, an employer, a federation, or the platform."""

    __tablename__ = "memberships"
    __audited__ = True

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="membership_role", values_callable=lambda e: [m.value for m in e])
    )
    centre_id: Mapped[int | None] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("employers.id"), index=True)
    federation_id: Mapped[int | None] = mapped_column(Id, ForeignKey("federations.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship(back_populates="memberships")
    centre: Mapped[Centre | None] = relationship()
    employer: Mapped[Employer | None] = relationship()
    federation: Mapped[Federation | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(role IN ('director', 'staff') AND centre_id IS NOT NULL"
            " AND employer_id IS NULL AND federation_id IS NULL)"
            " OR (role = 'hr_manager' AND employer_id IS NOT NULL"
            " AND centre_id IS NULL AND federation_id IS NULL)"
            " OR (role = 'analyst' AND federation_id IS NOT NULL"
            " AND centre_id IS NULL AND employer_id IS NULL)"
            " OR (role = 'admin' AND centre_id IS NULL"
            " AND employer_id IS NULL AND federation_id IS NULL)",
            name="one_scope_per_role",
        ),
        Index(
            "uq_memberships_scope",
            "user_id",
            "role",
            text("coalesce(centre_id, 0)"),
            text("coalesce(employer_id, 0)"),
            text("coalesce(federation_id, 0)"),
            unique=True,
        ),
    )


class AccountSession(Model):
    """A signed-in session, kept in PostgreSQL so that it outlives a Redis restart
    (Redis holds a copy, read on every request). Only a hash of the session id is
    stored: a copy of this table signs no one in."""

    __tablename__ = "account_sessions"

    sid_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    # The writer may not always read the row back: never ask for it.
    __table_args__ = ({"implicit_returning": False},)
