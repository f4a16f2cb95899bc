"""Samples for the route walk: a calendar under an agreement owned by the
tenant's centre (its person is the owner themself), with a weekly event and a
request, so the owner opens every agenda page and an outsider none."""

from datetime import datetime, timedelta

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Event, Request
from ensemble.sharing import operations as sharing
from ensemble.sharing.models import AgreementKind
from ensemble.tenancy import context

from samples import sample


def _calendar(demo, session, slug, owner_email) -> Calendar:
    cache = session.info.setdefault("sample_agenda", {})
    if slug not in cache:
        centre = demo.centre(slug)
        agreement = sharing.create_agreement(
            session, AgreementKind.SHARED_POST, "Agenda d’exemple", owner=centre
        )
        cache[slug] = agenda.open_calendar(session, agreement.id, demo.user(owner_email).id).id
    return session.get(Calendar, cache[slug])


@sample(Calendar)
def calendar(demo, session, kind, slug, owner_email):  # noqa: ARG001
    with context.using(demo.context_of(owner_email), session):
        return _calendar(demo, session, slug, owner_email).id


@sample(Event)
def event(demo, session, kind, slug, owner_email):  # noqa: ARG001
    with context.using(demo.context_of(owner_email), session):
        cal = _calendar(demo, session, slug, owner_email)
        count = session.info.setdefault("sample_agenda_events", {}).get(slug, 0)
        session.info["sample_agenda_events"][slug] = count + 1
        # Series never overlap; the first falls on Christmas and New Year's Day
        # (Tuesdays in 2029), so that its page offers to skip the public holidays.
        start = datetime(2029, 12, 25, 9) + timedelta(weeks=3 * count)
        booking = agenda.book(
            session,
            cal,
            centre_id=demo.centre(slug).id,
            category=Category.WORKSHOP,
            title="Atelier d’exemple",
            participants="Groupe du mardi",
            starts_local=start,
            ends_local=start + timedelta(hours=1),
            rrule="FREQ=WEEKLY;COUNT=3",
            config=agenda.Settings(horizon_days=60),
        )
        return booking.event.id


@sample(Request)
def request(demo, session, kind, slug, owner_email):  # noqa: ARG001
    with context.using(demo.context_of(owner_email), session):
        cal = _calendar(demo, session, slug, owner_email)
        return agenda.ask(
            session,
            cal,
            demo.centre(slug),
            title="Demande d’exemple",
            category=Category.DROP_IN,
            starts_local=datetime(2030, 2, 4, 9),
            ends_local=datetime(2030, 2, 4, 11),
        ).id
