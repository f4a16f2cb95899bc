"""What a syncing client needs from the calendar: an ETag per calendar object
(all the rows of one UID: a series and its changed occurrences), a sync token,
and what changed since a token (RFC 6578).

The change log (`agenda_changes`) is written by database triggers on
`agenda_events` and `agenda_busy` (migration 0015), whatever wrote the rows.
A token is a snapshot of the committed transactions (`pg_current_snapshot`):
a later sync reports the rows of every transaction that snapshot did not see,
so a change committed after the token by a transaction that was running when
it was issued is never missed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, literal, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import UserDefinedType

from ensemble.agenda.models import MAX_EVENT_HOURS, Busy, Change, Event


class _PgType(UserDefinedType):
    cache_ok = True

    def __init__(self, name: str):
        self.name = name

    def get_col_spec(self, **kw) -> str:  # noqa: ARG002
        return self.name


XID8 = _PgType("xid8")
SNAPSHOT = _PgType("pg_snapshot")

# What an object's ETag is computed from: what its iCalendar text is made of.
_ETAG_PARTS = func.md5(
    func.string_agg(
        func.concat_ws(
            ":",
            Event.id,
            Event.sequence,
            func.extract("epoch", Event.updated_at),
            Event.centre_id,
        ),
        text("',' ORDER BY agenda_events.id"),
    )
)


# ASCII digits only, no leading zero, never 0 (PostgreSQL's invalid transaction id).
_ID = r"[1-9][0-9]{0,18}"
_POSITION = re.compile(_ID, re.ASCII)
_SNAPSHOT = re.compile(rf"({_ID}):({_ID}):((?:{_ID},){{0,999}}(?:{_ID})?)", re.ASCII)


def sync_token(session: Session, last_txid: int | None = None) -> str:
    """A position in the change log — read it before reading what it covers.

    A snapshot of the transactions committed so far (`pg_current_snapshot()`,
    « xmin:xmax:running… »), so that a change committed later by a transaction
    running now is never skipped. When every transaction up to the last one
    that wrote to the collection (`last_txid`) is over, the token is that
    position alone (« n »: everything before n), which stays the same while the
    collection does not change, so clients that compare tokens sync less."""
    snapshot = session.scalar(text("SELECT pg_current_snapshot()::text"))
    xmin = int(snapshot.split(":", 1)[0])
    if last_txid is not None and xmin > last_txid:
        return str(last_txid + 1)
    return snapshot


def read_token(value: str) -> str | None:
    """The snapshot a token stands for, or None if it is not one this server could
    have issued. Read with ASCII-only patterns (`int()` and `str.isdigit` accept
    « ١٢ » and « ² »), without leading zeros, and with PostgreSQL's own sanity
    rules for a snapshot (xmin ≥ 1, xmin ≤ xmax, running ids in [xmin, xmax)
    and in order), so that no token reaches the database only to fail there."""
    if _POSITION.fullmatch(value):
        return f"{value}:{value}:"
    match = _SNAPSHOT.fullmatch(value)
    if match is None:
        return None
    xmin, xmax = int(match.group(1)), int(match.group(2))
    running = [int(v) for v in match.group(3).split(",") if v]
    if xmin > xmax or any(not xmin <= v < xmax for v in running) or running != sorted(running):
        return None
    return value


def _since(snapshot: str):
    """Log rows written by transactions the token's snapshot did not see."""
    xmin = int(snapshot.split(":", 1)[0])
    return (Change.txid >= xmin) & ~func.pg_visible_in_snapshot(
        cast(cast(Change.txid, String), XID8), cast(literal(snapshot), SNAPSHOT)
    )


def object_etags(
    session: Session, calendar_id: int, uids: Iterable[str] | None = None
) -> dict[str, str]:
    """The ETag of every object (UID) of a calendar, or of the given UIDs, in one
    query, without building any iCalendar text."""
    query = (
        select(Event.uid, _ETAG_PARTS).where(Event.calendar_id == calendar_id).group_by(Event.uid)
    )
    if uids is not None:
        uids = list(uids)
        if not uids:
            return {}
        query = query.where(Event.uid.in_(uids))
    return {uid: f'"{digest}"' for uid, digest in session.execute(query)}


def uids_between(session: Session, calendar_id: int, start: datetime, end: datetime) -> set[str]:
    """UIDs of a calendar with an occurrence overlapping [start, end) (instants)."""
    rows = session.execute(
        select(Event.uid)
        .join(Busy, Busy.event_id == Event.id)
        .where(
            Busy.calendar_id == calendar_id,
            func.lower(Busy.during) < end,
            func.lower(Busy.during) > start - timedelta(hours=MAX_EVENT_HOURS),
            func.upper(Busy.during) > start,
        )
        .distinct()
    )
    return {uid for (uid,) in rows}


def changed_uids(session: Session, calendar_id: int, since: str) -> set[str]:
    """UIDs of a calendar written since the snapshot `since` (present or deleted now)."""
    rows = session.execute(
        select(Change.uid)
        .where(Change.calendar_id == calendar_id, Change.kind == "event", _since(since))
        .distinct()
    )
    return {uid for (uid,) in rows}


def changed_occurrences(
    session: Session, calendar_ids: Iterable[int], centre_id: int, since: str
) -> set[tuple[int, datetime]]:
    """(event id, start) of the occurrences that appeared or went since token
    `since`, for a centre's view: the calendars of the people it shares and
    whatever takes place at the centre."""
    calendar_ids = list(calendar_ids)
    where = Change.centre_id == centre_id
    if calendar_ids:
        where = where | Change.calendar_id.in_(calendar_ids)
    rows = session.execute(
        select(Change.event_id, Change.starts_at)
        .where(where, Change.kind == "busy", _since(since))
        .distinct()
    )
    return {(event_id, starts_at) for event_id, starts_at in rows}


def _collection_filter(calendar_id: int | None, centre_id: int | None, calendar_ids):
    if calendar_id is not None:
        return (Change.calendar_id == calendar_id) & (Change.kind == "event")
    calendar_ids = list(calendar_ids)
    where = Change.centre_id == centre_id
    if calendar_ids:
        where = where | Change.calendar_id.in_(calendar_ids)
    return where & (Change.kind == "busy")


def collection_state(
    session: Session,
    *,
    calendar_id: int | None = None,
    centre_id: int | None = None,
    calendar_ids: Iterable[int] = (),
) -> tuple[str, int | None]:
    """(tag, last transaction) of a collection: a person's calendar (`calendar_id`)
    or a centre's view. The tag changes whenever a member does (CalendarServer's
    getctag): the count and last id of its log rows; the count moves when a
    transaction that began earlier commits after a later one."""
    where = _collection_filter(calendar_id, centre_id, calendar_ids)
    count, last, txid = session.execute(
        select(func.count(Change.id), func.max(Change.id), func.max(Change.txid)).where(where)
    ).one()
    return f"{count}-{last or 0}", txid
