"""Series that fall on public holidays: which occurrences, and what a booking
says about them (skipping them is `booking.skip_holidays`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from ensemble.agenda import recurrence
from ensemble.agenda.holidays import public_holidays
from ensemble.agenda.models import Event
from ensemble.kernel import french
from ensemble.network.models import Centre


@dataclass(frozen=True)
class HolidayOccurrence:
    recurrence_local: datetime  # the occurrence's identity
    day: date
    name: str  # « Noël »


def _departement(session: Session, centre_id: int) -> str | None:
    centre = session.get(Centre, centre_id)
    return centre.departement if centre is not None else None


def on_holidays(
    session: Session,
    series: Event,
    occurrences: list[recurrence.Occurrence],
    since: datetime | None = None,
) -> list[HolidayOccurrence]:
    """The occurrences of a series (not yet over at `since`) whose local day is a
    public holiday where it takes place (the series' centre)."""
    if not series.rrule or not occurrences:
        return []
    first = recurrence.to_local(occurrences[0].starts_at).date()
    last = recurrence.to_local(occurrences[-1].starts_at).date()
    days = public_holidays(first, last + timedelta(days=1), _departement(session, series.centre_id))
    found = []
    for occurrence in occurrences:
        if since is not None and occurrence.ends_at < since:
            continue
        day = recurrence.to_local(occurrence.starts_at).date()
        if day in days and occurrence.event_id == series.id:
            found.append(HolidayOccurrence(occurrence.recurrence_local, day, days[day]))
    return found


def holiday_warning(found: list[HolidayOccurrence]) -> str | None:
    """What a booking says when its series falls on public holidays."""
    if not found:
        return None
    days = french.list_of(
        [f"{h.name} ({french.long_date(h.day, weekday=True)})" for h in found[:5]]
    )
    more = len(found) - 5
    return ngettext(
        "Cette série tombe sur un jour férié : %(days)s. Vous pouvez la retirer "
        "depuis la page de l’événement.",
        "Cette série tombe sur %(num)s jours fériés : %(days)s%(more)s. Vous pouvez "
        "les retirer depuis la page de l’événement.",
        len(found),
        days=days,
        more=_(" et %(n)s autres", n=more) if more > 0 else "",
    )
