"""In-app notifications, one row per recipient."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from ensemble.db import Id, Model, created_at_column, id_column


class Notification(Model):
    __tablename__ = "notifications"

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    # The tenant the notification is about, for labelling ("Centre Social Alma").
    centre_id: Mapped[int | None] = mapped_column(Id, ForeignKey("centres.id"))
    employer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("employers.id"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    # A reminder sent twice is a bug: the same key for the same person is refused.
    dedup_key: Mapped[str | None] = mapped_column(String(200))
    # What the notification is about ("agenda_request:42"): when that object is
    # handled, every notification about it is marked read (see operations.resolve).
    subject: Mapped[str | None] = mapped_column(String(120))
    # The e-mail waits for the recipient's daily digest.
    email_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = created_at_column()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("uq_notifications_user_dedup", "user_id", "dedup_key", unique=True),
        Index(
            "ix_notifications_subject_unread",
            "subject",
            postgresql_where=text("read_at IS NULL AND subject IS NOT NULL"),
        ),
        Index(
            "ix_notifications_user_email_pending", "user_id", postgresql_where=text("email_pending")
        ),
        # Senders may not read what they insert: never ask for the row back.
        {"implicit_returning": False},
    )
