"""Notifying people: an in-app row and, once the transaction commits, an e-mail.

Mails wait in `session.info` and are handed to the workers only after a
successful commit, so a rolled-back change never sends a message about
something that did not happen, and no request waits on the mail server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import g, has_app_context, has_request_context
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ensemble import cache_versions, mail
from ensemble.db import table_of, utcnow
from ensemble.kernel.french import plural
from ensemble.notifications.models import Notification
from ensemble.people.models import User
from ensemble.web import urls

PENDING = "ensemble_pending_mail"
MARKS = "ensemble_pending_mail_marks"  # savepoint → pending mails when it began


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
    subject: str | None = None,
    email: bool = True,
) -> int:
    """Notify each (user_id, email) recipient once. With `dedup_key`, a person who
    already received that key is skipped. `subject` names the object the
    notification is about ("agenda_request:42"): `resolve(session, subject)` marks
    every notification about it read once it is handled. A recipient who chose the
    daily digest gets the e-mail then, not now. Returns how many were notified."""
    recipients = list(recipients)
    digest = _digest_readers(session, [user_id for user_id, _ in recipients]) if email else set()
    return _notify(
        session,
        recipients,
        digest,
        title,
        body=body,
        link=link,
        centre_id=centre_id,
        employer_id=employer_id,
        dedup_key=dedup_key,
        subject=subject,
        email=email,
    )


def _notify(
    session: Session,
    recipients: list[tuple[int, str]],
    digest: set[int],
    title: str,
    *,
    body: str,
    link: str,
    centre_id: int | None,
    employer_id: int | None,
    dedup_key: str | None,
    subject: str | None,
    email: bool,
) -> int:
    sent = 0
    for user_id, address in recipients:
        waits = email and bool(address) and user_id in digest
        row = {
            "user_id": user_id,
            "title": title,
            "body": body,
            "link": link,
            "centre_id": centre_id,
            "employer_id": employer_id,
            "dedup_key": dedup_key,
            "subject": subject,
            "email_pending": waits,
            "created_at": utcnow(),
        }
        if _insert_once(session, row):
            _forget_counts()
            cache_versions.bump_after_commit(session, [f"notifications:{user_id}"])
            sent += 1
            if email and address and not waits:
                full_link = _absolute(link)
                text = body + (f"\n\n{full_link}" if full_link else "")
                session.info.setdefault(PENDING, []).append(
                    PendingMail(address, f"Ensemble : {title}", text)
                )
    return sent


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    email_digest: bool


def centre_directors(session: Session, centre_id: int) -> list[Recipient]:
    """The active directors of a centre, for whoever must reach them without reading
    the centre's people: an analyst of its federation (a reminder, a returned
    declaration), a task. A definer function answers only a caller whose scopes
    cover the centre; anyone else gets nobody."""
    rows = session.execute(text("SELECT * FROM app_centre_directors(:c)"), {"c": centre_id})
    return [Recipient(int(r.user_id), r.email, bool(r.email_digest)) for r in rows]


def federation_analysts(session: Session, federation_id: int) -> list[Recipient]:
    """The active analysts of a federation, for a member of one of its centres (a
    declaration submitted, a question answered) or the federation itself."""
    rows = session.execute(text("SELECT * FROM app_federation_analysts(:f)"), {"f": federation_id})
    return [Recipient(int(r.user_id), r.email, bool(r.email_digest)) for r in rows]


def notify_people(
    session: Session,
    people: Iterable[Recipient],
    title: str,
    *,
    body: str = "",
    link: str = "",
    centre_id: int | None = None,
    employer_id: int | None = None,
    dedup_key: str | None = None,
    subject: str | None = None,
    email: bool = True,
) -> int:
    """`notify` for recipients whose digest choice is already known (read by a
    definer function: the sender may not read their user rows)."""
    people = list(people)
    return _notify(
        session,
        [(p.user_id, p.email) for p in people],
        {p.user_id for p in people if p.email_digest} if email else set(),
        title,
        body=body,
        link=link,
        centre_id=centre_id,
        employer_id=employer_id,
        dedup_key=dedup_key,
        subject=subject,
        email=email,
    )


def _digest_readers(session: Session, user_ids: list[int]) -> set[int]:
    """Which of these people read their e-mail as one daily digest (one query)."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(User.id).where(User.id.in_(set(user_ids)), User.email_digest.is_(True))
        )
    )


def resolve(session: Session, subject: str) -> int:
    """The object `subject` names was handled: every unread notification about it is
    marked read, whoever received it. Returns how many were."""
    users = list(
        session.scalars(text("SELECT app_resolve_notifications(:subject)"), {"subject": subject})
    )
    if users:
        _forget_counts()
        cache_versions.bump_after_commit(session, [f"notifications:{u}" for u in set(users)])
    return len(users)


def set_email_digest(session: Session, user_id: int, digest: bool) -> None:
    """The person's choice: one e-mail a day, or one per notification."""
    session.execute(update(User).where(User.id == user_id).values(email_digest=digest))


def pending_digest(session: Session, user_id: int) -> list[Notification]:
    """What the person's next digest holds (their own rows: run under their context)."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.email_pending.is_(True))
            .order_by(Notification.created_at)
        )
    )


def digest_text(items: list[Notification]) -> str:
    """The digest's body: one paragraph per notification, each with its link."""
    parts = []
    for item in items:
        lines = [item.title]
        if item.body:
            lines.append(item.body)
        if item.link:
            lines.append(_absolute(item.link))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def send_digest(session: Session, user_id: int, address: str) -> int:
    """Send the person's digest once: the rows are marked sent in the same transaction
    that hands the mail to the workers after commit. Returns how many it held."""
    items = pending_digest(session, user_id)
    if not items:
        return 0
    subject = plural(
        len(items),
        "Ensemble : %(num)s notification du jour",
        "Ensemble : %(num)s notifications du jour",
    )
    session.info.setdefault(PENDING, []).append(PendingMail(address, subject, digest_text(items)))
    session.execute(
        update(Notification)
        .where(Notification.id.in_([i.id for i in items]))
        .values(email_pending=False)
    )
    return len(items)


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
    """How many notifications the person has not read: asked once per request (the
    header's badge and the home page's « Ce qui vous attend » share the answer)."""
    memo = g.setdefault("unread_counts", {}) if has_request_context() else {}
    if user_id not in memo:
        memo[user_id] = _count_unread(session, user_id)
    return memo[user_id]


def _forget_counts() -> None:
    """A change of what is unread: the request asks again."""
    if has_request_context():
        g.pop("unread_counts", None)


def _count_unread(session: Session, user_id: int) -> int:
    count = session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )
    return count or 0


def unread(session: Session, user_id: int, *, limit: int) -> list[Notification]:
    """The person's unread notifications, newest first (at most `limit`). Fewer than
    `limit` are all there are: the request's unread count is known without asking."""
    items = list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )
    if len(items) < limit and has_request_context():
        g.setdefault("unread_counts", {})[user_id] = len(items)
    return items


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> None:
    _forget_counts()
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


def _mark_savepoint(session: Session, transaction) -> None:
    """Remember how many mails were pending when a savepoint began."""
    if transaction.nested:
        session.info.setdefault(MARKS, {})[id(transaction)] = len(session.info.get(PENDING, []))


def _drop_after_rollback(session: Session, previous_transaction=None) -> None:
    """A rolled-back savepoint drops only the mails queued inside it: a dedup
    conflict (`_insert_once`) must not lose the mails of the notifications
    inserted before it in the same transaction; a real rollback drops all."""
    if previous_transaction is not None and previous_transaction.nested:
        mark = session.info.get(MARKS, {}).pop(id(previous_transaction), None)
        if mark is not None and PENDING in session.info:
            del session.info[PENDING][mark:]
        return
    session.info.pop(PENDING, None)
    session.info.pop(MARKS, None)


def install(session_class: type[Session]) -> None:
    if not event.contains(session_class, "after_commit", _send_after_commit):
        event.listen(session_class, "after_commit", _send_after_commit)
        event.listen(session_class, "after_transaction_create", _mark_savepoint)
        event.listen(session_class, "after_soft_rollback", _drop_after_rollback)
