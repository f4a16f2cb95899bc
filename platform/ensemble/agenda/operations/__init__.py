"""Shared calendars: booking, moving and cancelling, the no-double-booking
rule, agreed shares, requests from centres and subscription feeds.

Operations flush, never commit. A booking runs in a savepoint: when the
database refuses it (a clash found by the trigger on `agenda_busy`, under a
per-person lock) or the share policy refuses it, nothing of it remains and the
caller's transaction stays usable.

One module per part (calendars, booking, periods, shares, requests,
subscriptions; what they share in `common`). Every public name is re-exported
here, so callers write `from ensemble.agenda import operations as agenda`.
"""

from __future__ import annotations

from ensemble.agenda.operations.booking import (
    SeriesException,
    book,
    cancel_occurrence,
    delete_event,
    extend,
    holiday_occurrences,
    materialise,
    materialised_until,
    move,
    move_occurrence,
    overrides_of,
    series_exceptions,
    skip_holidays,
)
from ensemble.agenda.operations.calendars import (
    bookable_centres,
    calendars_of_centre,
    can_book,
    open_calendar,
    visible_calendars,
)
from ensemble.agenda.operations.common import (
    BUSY_ELSEWHERE,
    AgendaError,
    Booking,
    Clash,
    Settings,
    ShareExceeded,
    day_start,
    now,
    settings,
)
from ensemble.agenda.operations.periods import Slot, by_centre, occurrences_of, slots
from ensemble.agenda.operations.requests import (
    accept,
    accept_refusal,
    answer_seen,
    ask,
    decline,
    proposal_refusal,
    propose,
    take_proposal,
)
from ensemble.agenda.operations.shares import (
    ShareLine,
    check_shares,
    hours_by_centre,
    month_of,
    quarter_of,
    share_lines,
)
from ensemble.agenda.operations.subscriptions import (
    active_feed,
    feed_scope,
    regenerate_feed,
    revoke_feed,
)

__all__ = [
    "AgendaError",
    "BUSY_ELSEWHERE",
    "Booking",
    "Clash",
    "SeriesException",
    "Settings",
    "ShareExceeded",
    "ShareLine",
    "Slot",
    "accept",
    "accept_refusal",
    "active_feed",
    "ask",
    "book",
    "bookable_centres",
    "by_centre",
    "calendars_of_centre",
    "can_book",
    "cancel_occurrence",
    "check_shares",
    "day_start",
    "decline",
    "delete_event",
    "extend",
    "feed_scope",
    "holiday_occurrences",
    "hours_by_centre",
    "materialise",
    "materialised_until",
    "month_of",
    "move",
    "move_occurrence",
    "now",
    "occurrences_of",
    "open_calendar",
    "overrides_of",
    "propose",
    "proposal_refusal",
    "quarter_of",
    "regenerate_feed",
    "revoke_feed",
    "series_exceptions",
    "settings",
    "share_lines",
    "skip_holidays",
    "slots",
    "take_proposal",
    "answer_seen",
    "visible_calendars",
]
