"""What a centre, a person, a period looks like: occurrences as slots, in full
where the reader may see them, « busy » elsewhere."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.agenda.models import MAX_EVENT_HOURS, Busy, Event
from ensemble.agenda.operations.booking import _series_of, overrides_of
from ensemble.agenda.operations.common import BUSY_ELSEWHERE, day_start


@dataclass(frozen=True)
class Slot:
    """One occurrence as shown: full details, or « busy » only."""

    busy_id: int
    event_id: int
    user_id: int
    centre_id: int
    starts_at: datetime
    ends_at: datetime
    event: Event | None  # None: not visible here, shown as busy elsewhere
    recurrence_local: datetime | None = None  # the occurrence's identity (RECURRENCE-ID)
    all_day: bool = False

    @property
    def title(self) -> str:
        return self.event.title if self.event is not None else _(BUSY_ELSEWHERE)

    @property
    def hidden(self) -> bool:
        return self.event is None


def slots(
    session: Session,
    start: date,
    end: date,
    *,
    user_ids: list[int] | None = None,
    centre_id: int | None = None,
) -> list[Slot]:
    """Occurrences overlapping two local dates (a trip that began before them
    too), for some people and/or one centre. What the reader may not see in
    full comes back as « busy » only."""
    lower, upper = day_start(start), day_start(end)
    query = select(Busy).where(
        func.lower(Busy.during) < upper,
        # Bounded below, so that the scan stays on the (…, lower(during)) indexes.
        func.lower(Busy.during) > lower - timedelta(hours=MAX_EVENT_HOURS),
        func.upper(Busy.during) > lower,
    )
    if user_ids is not None and centre_id is not None:
        query = query.where(Busy.user_id.in_(user_ids) | (Busy.centre_id == centre_id))
    elif user_ids is not None:
        query = query.where(Busy.user_id.in_(user_ids))
    elif centre_id is not None:
        query = query.where(Busy.centre_id == centre_id)
    # The events come in the same statement (an outer join: an event the reader may
    # not read comes back as NULL, as a separate query under RLS would leave it out).
    rows = session.execute(
        query.add_columns(Event)
        .outerjoin(Event, Event.id == Busy.event_id)
        .order_by(func.lower(Busy.during), Busy.id)
    ).all()
    return [
        Slot(
            b.id,
            b.event_id,
            b.user_id,
            b.centre_id,
            *_bounds(b),
            event,
            b.recurrence_local,
            b.all_day,
        )
        for b, event in rows
    ]


def _slots(session: Session, busy: Sequence[Busy]) -> list[Slot]:
    """Busy rows as slots, with their events where this person may read them
    (one query for all the events)."""
    event_ids = {b.event_id for b in busy}
    events = (
        {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
        if event_ids
        else {}
    )
    return [
        Slot(
            b.id,
            b.event_id,
            b.user_id,
            b.centre_id,
            *_bounds(b),
            events.get(b.event_id),
            b.recurrence_local,
            b.all_day,
        )
        for b in busy
    ]


def _bounds(busy: Busy) -> tuple[datetime, datetime]:
    lower, upper = busy.during.lower, busy.during.upper
    # Never open-ended: the table's check refuses an empty or unbounded interval.
    assert lower is not None and upper is not None
    return lower, upper


def occurrences_of(session: Session, event: Event) -> list[Slot]:
    series = _series_of(session, event)
    ids = [series.id, *(o.id for o in overrides_of(session, series))]
    busy = session.scalars(
        select(Busy).where(Busy.event_id.in_(ids)).order_by(func.lower(Busy.during))
    ).all()
    return _slots(session, busy)


def by_centre(slots_: list[Slot]) -> dict[int, list[Slot]]:
    grouped: dict[int, list[Slot]] = defaultdict(list)
    for slot in slots_:
        grouped[slot.centre_id].append(slot)
    return grouped
