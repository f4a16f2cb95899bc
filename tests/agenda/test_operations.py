"""Booking the shared officer: no double booking (travel time included),
moves, single-occurrence changes, agreed shares, requests and notifications,
hours for shared posts."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from posts.posts_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    FRESNOY_DIRECTOR,
    OFFICER,
)
from sqlalchemy import func, select

from ensemble import mail
from ensemble.agenda import operations as agenda
from ensemble.agenda import recurrence
from ensemble.agenda.models import Busy, Calendar, Category, Event, Request, RequestStatus
from ensemble.notifications.models import Notification
from ensemble.sharing.timesheets import hours_by_source

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=400)


def _book(session, setup, centre, start, end, **kw):
    calendar = session.get(Calendar, setup.calendar_id)
    return agenda.book(
        session,
        calendar,
        centre_id=centre,
        category=kw.pop("category", Category.WORKSHOP),
        title=kw.pop("title", "Atelier numérique"),
        starts_local=start,
        ends_local=end,
        config=kw.pop("config", CFG),
        **kw,
    )


def test_overlap_is_refused_with_a_message_naming_the_clash(db_session, setup, as_user):
    with as_user(OFFICER):
        _book(
            db_session,
            setup,
            setup.fresnoy,
            datetime(2026, 3, 2, 10),
            datetime(2026, 3, 2, 12),
            title="Atelier tablettes",
        )
        with pytest.raises(agenda.Clash) as refused:
            _book(
                db_session, setup, setup.fresnoy, datetime(2026, 3, 2, 11), datetime(2026, 3, 2, 13)
            )
        assert "Atelier tablettes" in refused.value.message
        assert "lundi 2 mars 2026" in refused.value.message
        # The refused booking left nothing behind; the session is still usable.
        assert db_session.scalar(
            select(Busy.id)
            .where(Busy.user_id == setup.officer_id)
            .order_by(Busy.id.desc())
            .limit(1)
        )
        mine = select(Event).where(Event.calendar_id == setup.calendar_id)
        assert [e.title for e in db_session.scalars(mine)] == ["Atelier tablettes"]


def test_travel_time_between_two_centres_counts_as_busy(db_session, setup, as_user):
    with as_user(OFFICER):
        _book(db_session, setup, setup.alma, datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))
        # Same centre right after: fine.
        _book(db_session, setup, setup.alma, datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 11))
        # Another centre 10 minutes later: refused (20 minutes of travel).
        with pytest.raises(agenda.Clash):
            _book(
                db_session,
                setup,
                setup.fresnoy,
                datetime(2026, 3, 2, 11, 10),
                datetime(2026, 3, 2, 12),
            )
        with pytest.raises(agenda.Clash):
            _book(
                db_session,
                setup,
                setup.fresnoy,
                datetime(2026, 3, 2, 8),
                datetime(2026, 3, 2, 8, 50),
            )
        # 20 minutes later: fine.
        _book(
            db_session, setup, setup.fresnoy, datetime(2026, 3, 2, 11, 20), datetime(2026, 3, 2, 12)
        )


def test_another_centre_clash_is_named_busy_only(db_session, setup, as_user):
    with as_user(OFFICER):
        _book(
            db_session,
            setup,
            setup.alma,
            datetime(2026, 3, 3, 14),
            datetime(2026, 3, 3, 16),
            title="Réunion d’équipe confidentielle",
        )
    with as_user(FRESNOY_DIRECTOR):
        with pytest.raises(agenda.Clash) as refused:
            _book(
                db_session, setup, setup.fresnoy, datetime(2026, 3, 3, 15), datetime(2026, 3, 3, 17)
            )
        assert "Occupé — autre structure" in refused.value.message
        assert "confidentielle" not in refused.value.message


def test_a_recurring_series_clashing_anywhere_is_refused(db_session, setup, as_user):
    with as_user(OFFICER):
        _book(
            db_session,
            setup,
            setup.basse_masure,
            datetime(2026, 4, 20, 10),
            datetime(2026, 4, 20, 11),
        )
        with pytest.raises(agenda.Clash):
            _book(
                db_session,
                setup,
                setup.fresnoy,
                datetime(2026, 3, 2, 10),
                datetime(2026, 3, 2, 12),
                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=10",
            )
        booking = _book(
            db_session,
            setup,
            setup.fresnoy,
            datetime(2026, 3, 2, 14),
            datetime(2026, 3, 2, 16),
            rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=10",
        )
        assert len(agenda.occurrences_of(db_session, booking.event)) == 10


def test_moving_a_series_and_one_occurrence(db_session, setup, as_user):
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            setup.fresnoy,
            datetime(2026, 3, 4, 10),
            datetime(2026, 3, 4, 12),
            rrule="FREQ=WEEKLY;COUNT=4",
        ).event
        agenda.move(
            db_session,
            series,
            starts_local=datetime(2026, 3, 4, 14),
            ends_local=datetime(2026, 3, 4, 16),
            config=CFG,
        )
        slots = agenda.occurrences_of(db_session, series)
        assert [s.starts_at.hour for s in slots] == [13, 13, 13, 13]  # 14:00 CET
        agenda.move_occurrence(
            db_session,
            series,
            datetime(2026, 3, 11, 14),
            starts_local=datetime(2026, 3, 12, 9),
            ends_local=datetime(2026, 3, 12, 10),
            config=CFG,
        )
        agenda.cancel_occurrence(db_session, series, datetime(2026, 3, 18, 14))
        slots = agenda.occurrences_of(db_session, series)
        assert [s.starts_at.date() for s in slots] == [
            date(2026, 3, 4),
            date(2026, 3, 12),
            date(2026, 3, 25),
        ]
        # The freed slot can be booked again; the moved occurrence's one cannot.
        _book(
            db_session, setup, setup.fresnoy, datetime(2026, 3, 18, 14), datetime(2026, 3, 18, 15)
        )
        with pytest.raises(agenda.Clash):
            _book(
                db_session,
                setup,
                setup.fresnoy,
                datetime(2026, 3, 12, 9, 30),
                datetime(2026, 3, 12, 10),
            )


def test_a_move_onto_a_clash_is_refused_and_leaves_the_event(db_session, setup, as_user):
    with as_user(OFFICER):
        _book(db_session, setup, setup.alma, datetime(2026, 3, 5, 9), datetime(2026, 3, 5, 10))
        other = _book(
            db_session, setup, setup.alma, datetime(2026, 3, 5, 14), datetime(2026, 3, 5, 15)
        ).event
        with pytest.raises(agenda.Clash):
            agenda.move(
                db_session,
                other,
                starts_local=datetime(2026, 3, 5, 9, 30),
                ends_local=datetime(2026, 3, 5, 10, 30),
                config=CFG,
            )
        db_session.refresh(other)
        assert other.starts_local == datetime(2026, 3, 5, 14)
        assert len(agenda.occurrences_of(db_session, other)) == 1


def test_bad_periods_are_refused(db_session, setup, as_user):
    with as_user(OFFICER):
        with pytest.raises(agenda.AgendaError):
            _book(db_session, setup, setup.alma, datetime(2026, 3, 5, 9), datetime(2026, 3, 5, 9))
        with pytest.raises(agenda.AgendaError):  # longer than six weeks
            _book(db_session, setup, setup.alma, datetime(2026, 3, 5, 9), datetime(2026, 4, 16, 10))
        with pytest.raises(agenda.AgendaError):  # all day, but not from midnight
            _book(
                db_session,
                setup,
                setup.alma,
                datetime(2026, 3, 5, 9),
                datetime(2026, 3, 6),
                all_day=True,
            )
        with pytest.raises(recurrence.RuleRefused):
            _book(
                db_session,
                setup,
                setup.alma,
                datetime(2026, 3, 5, 9),
                datetime(2026, 3, 5, 10),
                rrule="FREQ=NEVER",
            )


def test_share_warning_and_refusal(db_session, setup, as_user):
    # Fresnoy's share of the test post is 30 % of 35 h: 46.2 h in March 2026 (22 working
    # days); the demo network may hold the same officer's demo post too, whose share adds up.
    with as_user(OFFICER):
        lines = {
            line.centre_id: line
            for line in agenda.share_lines(db_session, setup.officer_id, date(2026, 3, 1))
        }
        share = lines[setup.fresnoy].share
        assert share in (Decimal("0.3"), Decimal("0.6"))
        assert lines[setup.fresnoy].month_agreed == (share * 35 * 22 / 5).quantize(Decimal("0.01"))
        days = int(lines[setup.fresnoy].month_agreed // 12)  # 12-hour days under the share
        booking = _book(
            db_session,
            setup,
            setup.fresnoy,
            datetime(2026, 3, 2, 8),
            datetime(2026, 3, 2, 20),
            rrule=f"FREQ=DAILY;COUNT={days}",
        )
        assert booking.warnings == []
        booking = _book(
            db_session, setup, setup.fresnoy, datetime(2026, 3, 20, 8), datetime(2026, 3, 20, 20)
        )
        assert booking.warnings and "Fresnoy" in booking.warnings[0]
        # Hours in the kernel's style (« 96 h prévues pour 88 h 12 convenues »), never « 96.00 h ».
        assert re.search(r"\d+\u00a0h(\u00a0\d\d)? prévues pour \d+\u00a0h", booking.warnings[0]), (
            booking.warnings[0]
        )
        refuse = agenda.Settings(travel_minutes=20, share_policy="refuse", horizon_days=400)
        with pytest.raises(agenda.ShareExceeded):
            _book(
                db_session,
                setup,
                setup.fresnoy,
                datetime(2026, 3, 10, 8),
                datetime(2026, 3, 10, 10),
                config=refuse,
            )
        # Alma still has room.
        assert (
            _book(
                db_session,
                setup,
                setup.alma,
                datetime(2026, 3, 10, 8),
                datetime(2026, 3, 10, 10),
                config=refuse,
            ).warnings
            == []
        )
        lines = {
            line.centre_id: line
            for line in agenda.share_lines(db_session, setup.officer_id, date(2026, 3, 1))
        }
        assert lines[setup.fresnoy].month_hours == Decimal(12 * (days + 1)).quantize(
            Decimal("0.01")
        )
        assert lines[setup.fresnoy].month_over


def test_calendar_feeds_the_shared_post_hours(db_session, setup, as_user):
    with as_user(OFFICER):
        _book(db_session, setup, setup.fresnoy, datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 12))
        _book(db_session, setup, setup.alma, datetime(2026, 3, 3, 9), datetime(2026, 3, 3, 10, 30))
    with as_user(ALMA_DIRECTOR):
        hours = hours_by_source(db_session, setup.officer_id, date(2026, 3, 1), date(2026, 4, 1))
    assert hours["agenda"] == {setup.fresnoy: Decimal("3.00"), setup.alma: Decimal("1.50")}


def test_request_accept_decline_propose_notify_the_requester(
    db_session, setup, as_user, demo, sent_tasks
):
    mail.outbox().clear()
    calendar = db_session.get(Calendar, setup.calendar_id)
    bm = demo.centre("basse-masure")
    director = demo.user(BASSE_MASURE_DIRECTOR)
    with as_user(BASSE_MASURE_DIRECTOR):
        first = agenda.ask(
            db_session,
            calendar,
            bm,
            title="Permanence CAF",
            category=Category.DROP_IN,
            starts_local=datetime(2026, 3, 6, 9),
            ends_local=datetime(2026, 3, 6, 11),
            message="Pour les familles",
        )
        second = agenda.ask(
            db_session,
            calendar,
            bm,
            title="Atelier smartphone",
            category=Category.WORKSHOP,
            starts_local=datetime(2026, 3, 7, 9),
            ends_local=datetime(2026, 3, 7, 11),
        )
        third = agenda.ask(
            db_session,
            calendar,
            bm,
            title="Vélo cargo",
            category=Category.OUTREACH,
            starts_local=datetime(2026, 3, 9, 9),
            ends_local=datetime(2026, 3, 9, 11),
        )
        ids = (first.id, second.id, third.id)
    with as_user(OFFICER):
        first, second, third = (db_session.get(Request, i) for i in ids)
        booking = agenda.accept(db_session, first, config=CFG)
        assert booking.event.centre_id == bm.id
        agenda.decline(db_session, second, "Formation ce jour-là")
        agenda.propose(db_session, third, datetime(2026, 3, 10, 9), datetime(2026, 3, 10, 11))
        with pytest.raises(agenda.AgendaError):
            agenda.decline(db_session, first, "trop tard")
    with as_user(BASSE_MASURE_DIRECTOR):
        third = db_session.get(Request, ids[2])
        assert third.status is RequestStatus.PROPOSED
        agenda.take_proposal(db_session, third, config=CFG)
        assert third.status is RequestStatus.ACCEPTED
        titles = db_session.scalars(
            select(Notification.title).where(Notification.user_id == director.id)
        ).all()
    assert any("acceptée" in t for t in titles)
    assert any("refusée" in t for t in titles)
    assert any("Autre créneau" in t for t in titles)
    db_session.commit()  # mails leave after the commit (of the test's savepoint)
    sent_tasks.run(mail.DELIVER)  # what a worker does with them
    to_director = [m for m in mail.outbox() if m["To"] == director.email]
    assert any("Formation ce jour-là" in m.get_content() for m in to_director)


def test_a_request_for_a_busy_slot_cannot_be_accepted(db_session, setup, as_user, demo):
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        _book(db_session, setup, setup.alma, datetime(2026, 3, 6, 9), datetime(2026, 3, 6, 10))
    with as_user(FRESNOY_DIRECTOR):
        request_id = agenda.ask(
            db_session,
            calendar,
            demo.centre("fresnoy-mackellerie"),
            title="Atelier",
            category=Category.WORKSHOP,
            starts_local=datetime(2026, 3, 6, 9, 30),
            ends_local=datetime(2026, 3, 6, 11),
        ).id
    with as_user(OFFICER):
        request = db_session.get(Request, request_id)
        events_before = db_session.scalar(select(func.count(Event.id)))
        busy_before = db_session.scalar(select(func.count(Busy.id)))
        # Said before she tries, by a trial booking that leaves nothing behind.
        refusal = agenda.accept_refusal(db_session, request, config=CFG)
        assert refusal and "vendredi 6 mars 2026" in refusal
        assert db_session.scalar(select(func.count(Event.id))) == events_before
        assert db_session.scalar(select(func.count(Busy.id))) == busy_before
        with pytest.raises(agenda.Clash):
            agenda.accept(db_session, request, config=CFG)
        assert request.status is RequestStatus.PENDING
        # Once the other event is moved away, the same request is free.
        other = db_session.scalars(
            select(Event).where(
                Event.user_id == setup.officer_id, Event.starts_local == datetime(2026, 3, 6, 9)
            )
        ).one()
        agenda.move(
            db_session,
            other,
            starts_local=datetime(2026, 3, 6, 14),
            ends_local=datetime(2026, 3, 6, 15),
            config=CFG,
        )
        assert agenda.accept_refusal(db_session, request, config=CFG) is None
        agenda.accept(db_session, request, config=CFG)
        assert request.status is RequestStatus.ACCEPTED
        assert agenda.accept_refusal(db_session, request, config=CFG) is None


def test_feeds_regenerate_and_revoke(db_session, setup, as_user):
    with as_user(OFFICER):
        feed = agenda.regenerate_feed(db_session, user_id=setup.officer_id)
        assert agenda.feed_scope(db_session, feed.id)[1] == setup.officer_id
        newer = agenda.regenerate_feed(db_session, user_id=setup.officer_id)
        assert agenda.feed_scope(db_session, feed.id) is None
        assert agenda.feed_scope(db_session, newer.id) is not None
        agenda.revoke_feed(db_session, user_id=setup.officer_id)
        assert agenda.feed_scope(db_session, newer.id) is None
