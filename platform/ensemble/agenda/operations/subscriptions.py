"""Private subscription feeds: one active URL per person or centre, regenerated
or revoked."""

from __future__ import annotations

import secrets

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ensemble.agenda.models import Feed
from ensemble.db import utcnow
from ensemble.tenancy import context


def active_feed(
    session: Session, *, user_id: int | None = None, centre_id: int | None = None
) -> Feed | None:
    query = select(Feed).where(Feed.revoked_at.is_(None))
    query = (
        query.where(Feed.user_id == user_id)
        if user_id
        else query.where(Feed.centre_id == centre_id)
    )
    return session.scalar(query)


def regenerate_feed(
    session: Session, *, user_id: int | None = None, centre_id: int | None = None
) -> Feed:
    """A new private URL (the previous one, if any, stops working)."""
    revoke_feed(session, user_id=user_id, centre_id=centre_id)
    feed = Feed(
        user_id=user_id,
        centre_id=centre_id,
        nonce=secrets.token_hex(16),
        created_by_user_id=context.current().user_id,
    )
    session.add(feed)
    session.flush()
    return feed


def revoke_feed(
    session: Session, *, user_id: int | None = None, centre_id: int | None = None
) -> None:
    feed = active_feed(session, user_id=user_id, centre_id=centre_id)
    if feed is not None:
        feed.revoked_at = utcnow()
        session.flush()


def feed_scope(session: Session, feed_id: int) -> tuple[str, int | None, int | None] | None:
    """(nonce, user_id, centre_id) of an active feed, read without a session user."""
    row = session.execute(text("SELECT * FROM agenda_feed(:id)"), {"id": feed_id}).first()
    return (row.nonce, row.user_id, row.centre_id) if row else None
