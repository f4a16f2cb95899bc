"""How long a registered participant is kept, and anonymising them after.

The default rule: a participant is needed until the figures they count in are
declared and reviewed, that is until the declaration campaign of the year of
their last session closes, then for a year of questions and corrections. The
campaign of year Y is taken to close on 30 June of Y + 1 (declarations are
made each spring); ACTIVITY_RETENTION_MONTHS (default 12) is the time kept
after that. A participant never ticked present counts from their registration.

Anonymising empties the name and the year of birth (the age band they had at
their last session is kept) and stamps `anonymised_at`: the counts of sessions
and of different people do not change, and nobody can be told apart any more.
A participant already anonymised is left alone, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, cast, extract, func, select
from sqlalchemy.orm import Session

from ensemble.activity.models import ActionSession, Participant, Presence
from ensemble.activity.operations import band_of, retention_months
from ensemble.kernel import clock

CAMPAIGN_CLOSES = (6, 30)  # 30 June of the following year


def campaign_closes(year: int) -> date:
    """The day the declaration campaign of `year` is taken to close."""
    return date(year + 1, *CAMPAIGN_CLOSES)


def kept_until(last_year: int, months: int) -> date:
    """The last day a participant whose last session was in `last_year` is kept."""
    closes = campaign_closes(last_year)
    month = closes.month - 1 + months
    year, month = closes.year + month // 12, month % 12 + 1
    day = min(closes.day, 30 if month in (4, 6, 9, 11) else 28 if month == 2 else 31)
    return date(year, month, day)


def last_years(session: Session, centre_id: int) -> dict[int, int]:
    """Per participant of the centre not yet anonymised: the year (Paris) of their
    last session, or of their registration when never ticked present."""
    last_session = (
        select(
            Presence.participant_id,
            func.max(extract("year", func.timezone("Europe/Paris", ActionSession.starts_at))).label(
                "year"
            ),
        )
        .join(ActionSession, ActionSession.id == Presence.session_id)
        .where(Presence.centre_id == centre_id)
        .group_by(Presence.participant_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Participant.id,
            func.coalesce(
                last_session.c.year,
                extract("year", cast(func.timezone("Europe/Paris", Participant.created_at), Date)),
            ),
        )
        .outerjoin(last_session, last_session.c.participant_id == Participant.id)
        .where(Participant.centre_id == centre_id, Participant.anonymised_at.is_(None))
    ).all()
    return {participant_id: int(year) for participant_id, year in rows}


def anonymise_expired(
    session: Session, centre_id: int, today: date | None = None, months: int | None = None
) -> list[int]:
    """Anonymise the centre's participants whose retention has ended by `today`
    (through the ORM, so each change is audited); returns their ids."""
    today = today or clock.today()
    months = retention_months() if months is None else months
    years = last_years(session, centre_id)
    expired = sorted(pid for pid, year in years.items() if kept_until(year, months) < today)
    if not expired:
        return []
    now = clock.utcnow()
    for person in session.scalars(select(Participant).where(Participant.id.in_(expired))):
        # The age band is kept as it stood at their last session.
        person.age_band = band_of(person, years[person.id])
        person.display_name = ""
        person.birth_year = None
        person.anonymised_at = now
    session.flush()
    return expired
