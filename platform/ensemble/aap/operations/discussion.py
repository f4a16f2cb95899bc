"""Comment threads on a section, and who they notify."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.aap.models import AapComment, AapSection
from ensemble.aap.operations.common import AapError, _require_open, notify
from ensemble.aap.operations.people import _people_by_id, people_of, section_link, thread_subject
from ensemble.db import utcnow
from ensemble.notifications import operations as notifications
from ensemble.people.models import User


def comments(session: Session, section: AapSection) -> list[tuple[AapComment, list[AapComment]]]:
    """Threads: each first comment with its replies, oldest first."""
    rows = list(
        session.scalars(
            select(AapComment).where(AapComment.section_id == section.id).order_by(AapComment.id)
        )
    )
    replies: dict[int, list[AapComment]] = {}
    for c in rows:
        if c.parent_id:
            replies.setdefault(c.parent_id, []).append(c)
    return [(c, replies.get(c.id, [])) for c in rows if c.parent_id is None]


def add_comment(
    session: Session,
    section: AapSection,
    *,
    author: User,
    body: str,
    parent_id: int | None = None,
) -> AapComment:
    """Comment (or reply to a thread) and notify the people concerned: the section's
    writer, the thread's participants, and the owner party's directors."""
    _require_open(section.answer)
    body = (body or "").strip()
    if not body:
        raise AapError(_l("Le commentaire est vide."), "body")
    parent = None
    if parent_id is not None:
        parent = session.get(AapComment, parent_id)
        if parent is None or parent.section_id != section.id or parent.parent_id is not None:
            raise AapError(_l("Ce fil de discussion n’existe pas."), "parent_id")
    comment = AapComment(
        section_id=section.id,
        agreement_id=section.agreement_id,
        parent_id=parent.id if parent else None,
        author_user_id=author.id,
        author_name=author.full_name,
        body=body[:5000],
    )
    session.add(comment)
    session.flush()

    concerned: set[int] = set()
    if section.writer_user_id:
        concerned.add(section.writer_user_id)
    if parent is not None:
        if parent.author_user_id is not None:
            concerned.add(parent.author_user_id)
        concerned.update(
            session.scalars(
                select(AapComment.author_user_id).where(AapComment.parent_id == parent.id)
            )
        )
    people = people_of(session, [section.owner_party.centre_id], directors_only=True)
    people += _people_by_id(session, section, concerned)
    seen: set[int] = set()
    recipients = []
    for user_id, email, centre in people:
        if user_id == author.id or user_id in seen:
            continue
        seen.add(user_id)
        recipients.append((user_id, email, centre))
    for user_id, email, centre in recipients:
        notify(
            session,
            [(user_id, email)],
            f"Commentaire sur « {section.title} »",
            body=f"{author.full_name} : {body[:300]}",
            link=section_link(centre, section),
            centre_id=centre.id,
            subject=thread_subject(parent.id if parent else comment.id),
        )
    return comment


def resolve_comment(session: Session, comment: AapComment, user_id: int) -> None:
    if comment.parent_id is not None:
        raise AapError(_l("On résout un fil depuis son premier commentaire."), "comment_id")
    comment.resolved_at = None if comment.resolved_at else utcnow()
    comment.resolved_by_user_id = user_id if comment.resolved_at else None
    session.flush()
    if comment.resolved_at:
        notifications.resolve(session, thread_subject(comment.id))
