"""Shared-calendar background work: recurring series are materialised into busy
intervals up to AGENDA_HORIZON_DAYS ahead of today (recurrence.horizon_end);
once a month the horizon of every series that goes on is moved forward, so an
open-ended weekly workshop keeps blocking its slot.

The people with a calendar are listed under a context owning every agreement;
each person's series are then extended under that person's own context, as a
booking of theirs would be (row-level security and the clash trigger apply)."""

from __future__ import annotations

from datetime import date, datetime

from celery import shared_task
from celery.schedules import crontab
from flask_babel import gettext as _
from sqlalchemy import select

from ensemble.agenda import operations as agenda
from ensemble.agenda import reminders
from ensemble.agenda.models import Calendar, Event
from ensemble.celery_app import periodic, without_overlap
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.network.models import Centre, Employer
from ensemble.notifications.operations import notify
from ensemble.people.models import User
from ensemble.tenancy import context
from ensemble.tenancy.scopes import context_for_user


def _people(session) -> list[int]:
    """Everyone who has a calendar (read as the owners of every agreement)."""
    with context.using(context.system_context(is_admin=True), session):
        employer_ids = list(session.scalars(select(Employer.id)))
        centre_ids = list(session.scalars(select(Centre.id)))
    owners = context.system_context(employer_ids=employer_ids, centre_ids=centre_ids)
    with context.using(owners, session):
        return list(session.scalars(select(Calendar.user_id).distinct().order_by(Calendar.user_id)))


def _warn(session, series: Event, clash: agenda.Clash) -> None:
    """The person learns that the series stops blocking beyond its current horizon."""
    user = session.get(User, series.user_id)
    centre = session.get(Centre, series.centre_id)
    notify(
        session,
        [(user.id, user.email)],
        _("Série non prolongée : %(title)s", title=series.title),
        body=_(
            "Les prochaines occurrences de « %(title)s » ne peuvent pas être réservées. %(clash)s",
            title=series.title,
            clash=clash.message,
        ),
        link=f"/c/{centre.slug}/agenda/evenements/{series.id}" if centre else "",
        centre_id=series.centre_id,
        dedup_key=f"agenda-extend:{series.id}:{series.sequence}",
    )


@shared_task(name="ensemble.agenda.extend_series")
@without_overlap("agenda-extend-series")
def extend_series(today: str | None = None) -> int:
    """Move the horizon of every recurring series to `today` ("AAAA-MM-JJ",
    default: today in Paris) + AGENDA_HORIZON_DAYS. Idempotent; returns the
    number of series extended. A series whose new occurrences clash with what
    was booked since is left as it was, and its person is notified."""
    day = date.fromisoformat(today) if today else clock.today()
    config = agenda.settings()
    extended = 0
    with context.using(context.ANONYMOUS, db.session):
        for user_id in _people(db.session):
            with context.using(context_for_user(db.session, user_id), db.session):
                series = db.session.scalars(
                    select(Event)
                    .where(
                        Event.user_id == user_id,
                        Event.rrule.is_not(None),
                        Event.series_id.is_(None),
                    )
                    .order_by(Event.id)
                ).all()
                for item in series:
                    try:
                        if agenda.extend(db.session, item, day, config):
                            extended += 1
                    except agenda.Clash as clash:
                        _warn(db.session, item, clash)
    return extended


# On the 1st of every month at 03:30, Paris time (the Celery timezone).
periodic(
    "agenda-extend-series-monthly",
    crontab(day_of_month="1", hour="3", minute="30"),
    "ensemble.agenda.extend_series",
)


@shared_task(name="ensemble.agenda.send_reminders")
@without_overlap("agenda-send-reminders")
def send_reminders(now: str | None = None) -> int:
    """Send the reminders that fell due (ensemble.agenda.reminders): each person's
    occurrences are read under that person's context. Idempotent (each reminder
    is notified once per person); returns the number of notifications sent."""
    instant = datetime.fromisoformat(now) if now else clock.now()
    sent = 0
    with context.using(context.ANONYMOUS, db.session):
        for user_id in _people(db.session):
            with context.using(context_for_user(db.session, user_id), db.session):
                for item in reminders.due(db.session, user_id, instant):
                    sent += reminders.send(
                        db.session, item, reminders.recipients(db.session, item.series)
                    )
    return sent


# Every five minutes: a reminder is sent at most five minutes after it falls due.
periodic("agenda-send-reminders", 300.0, "ensemble.agenda.send_reminders")
