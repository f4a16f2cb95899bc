"""Notifying people: an in-app row and, once the transaction commits, an e-mail.

Mails wait in `session.info` and are handed to the workers only after a
successful commit, so a rolled-back change never sends a message about
something that did not happen, and no request waits on the mail server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ensemble import cache_versions, mail
from ensemble.db import table_of, utcnow
from ensemble.notifications.models import Notification
from ensemble.web import urls

PENDING = "ensemble_pending_mail"


@dataclass(frozen=True)
class PendingMail:
    to: str
    subject: str
    body: str


def notify(
    session: Session,
    recipients: Iterable[tuple[int, str]],
    title: str,
    *,
    body: str = "",
    link: str = "",
    centre_id: int | None = None,
    employer_id: int | None = None,
    dedup_key: str | None = None,
    email: bool = True,
) -> int:
    """Notify each (user_id, email) recipient once. With `dedup_key`, a person who
    already received that key is skipped. Returns how many were notified."""
    sent = 0
    for user_id, address in recipients:
        row = {
            "user_id": user_id,
            "title": title,
            "body": body,
            "link": link,
            "centre_id": centre_id,
            "employer_id": employer_id,
            "dedup_key": dedup_key,
            "created_at": utcnow(),
        }
        if _insert_once(session, row):
            cache_versions.bump_after_commit(session, [f"notifications:{user_id}"])
            sent += 1
            if email and address:
                full_link = _absolute(link)
                text = body + (f"\n\n{full_link}" if full_link else "")
                session.info.setdefault(PENDING, []).append(
                    PendingMail(address, f"Ensemble : {title}", text)
                )
    return sent


def _insert_once(session: Session, row: dict) -> bool:
    """Insert unless this person already has this dedup key. The sender may not
    read the recipient's rows (so neither RETURNING nor ON CONFLICT, which both
    need that right): a savepoint absorbs the unique violation instead."""
    stmt = insert(table_of(Notification)).values(**row)
    if row["dedup_key"] is None:
        session.execute(stmt)
        return True
    savepoint = session.begin_nested()
    try:
        session.execute(stmt)
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _absolute(link: str) -> str:
    if not link or not has_app_context():
        return link
    return urls.absolute(link)


def unread_count(session: Session, user_id: int) -> int:
    count = session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )
    return count or 0


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> None:
    stmt = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    session.execute(stmt.values(read_at=utcnow()))
    cache_versions.bump_after_commit(session, [f"notifications:{user_id}"])


def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, [])
    if not has_app_context():
        return
    for message in pending:
        mail.queue(message.to, message.subject, message.body)


def _drop_after_rollback(session: Session, previous_transaction=None) -> None:  # noqa: ARG001
    session.info.pop(PENDING, None)


def install(session_class: type[Session]) -> None:
    if not event.contains(session_class, "after_commit", _send_after_commit):
        event.listen(session_class, "after_commit", _send_after_commit)
        event.listen(session_class, "after_soft_rollback", _drop_after_rollback)
