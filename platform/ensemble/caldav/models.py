"""App passwords for calendar clients, and the object names clients chose."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ensemble.audit.labels import object_label
from ensemble.db import Id, Model, created_at_column, id_column
from ensemble.tenancy.context import TenantContext


class AppPassword(Model):
    """A password for one device's calendar app: stored hashed (argon2, like
    account passwords), shown once, never the account password, revocable."""

    __tablename__ = "caldav_app_passwords"
    __audited__ = True

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        return {"centre_id": None, "employer_id": None}


class Resource(Model):
    """The name a client gave an object when it created it (`PUT …/<name>`),
    when it is not the one Ensemble derives from the UID: the client must find
    its object again under that name."""

    __tablename__ = "caldav_resources"

    id: Mapped[int] = id_column()
    calendar_id: Mapped[int] = mapped_column(Id)
    user_id: Mapped[int] = mapped_column(Id)
    agreement_id: Mapped[int] = mapped_column(Id)
    uid: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["calendar_id", "user_id", "agreement_id"],
            ["agenda_calendars.id", "agenda_calendars.user_id", "agenda_calendars.agreement_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("calendar_id", "name"),
        UniqueConstraint("calendar_id", "uid"),
    )


object_label("caldav_app_passwords", _l("Mot de passe d’application"))
