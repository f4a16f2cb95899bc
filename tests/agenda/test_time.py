"""Time correctness of the shared calendar, through the operations: real
durations across both clock changes, occurrences named by their identity
(the spring-gap and repeated-hour ones too), series edits that keep what the
person cancelled or moved, all-day and multi-day events and their clashes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from posts.posts_support import OFFICER
from sqlalchemy import func, select

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Busy, Calendar, Category

from conftest import csrf_token, sign_in

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=400)


def _book(session, setup, start, end, centre=None, **kw):
    calendar = session.get(Calendar, setup.calendar_id)
    return agenda.book(
        session,
        calendar,
        centre_id=centre or setup.alma,
        category=kw.pop("category", Category.WORKSHOP),
        title=kw.pop("title", "Atelier numérique"),
        starts_local=start,
        ends_local=end,
        config=kw.pop("config", CFG),
        **kw,
    ).event


def _busy(session, event) -> list[tuple[datetime, datetime, datetime]]:
    """(identity, start, end) of every busy row of a series, by start."""
    return [
        (s.recurrence_local, s.starts_at.astimezone(UTC), s.ends_at.astimezone(UTC))
        for s in agenda.occurrences_of(session, event)
    ]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_october_night_blocks_until_eight_and_a_quarter_past_seven_is_refused(
    db_session, setup, as_user
):
    with as_user(OFFICER):
        night = _book(db_session, setup, datetime(2028, 10, 28, 20), datetime(2028, 10, 29, 8))
        [(_, start, end)] = _busy(db_session, night)
        assert (start, end) == (utc(2028, 10, 28, 18), utc(2028, 10, 29, 7))
        with pytest.raises(agenda.Clash):
            _book(db_session, setup, datetime(2028, 10, 29, 7, 15), datetime(2028, 10, 29, 7, 45))
        _book(db_session, setup, datetime(2028, 10, 29, 8), datetime(2028, 10, 29, 9))


def test_the_march_night_frees_its_last_hour(db_session, setup, as_user):
    with as_user(OFFICER):
        early = _book(db_session, setup, datetime(2027, 3, 28, 1), datetime(2027, 3, 28, 4))
        [(_, start, end)] = _busy(db_session, early)
        assert end - start == timedelta(hours=2)
        _book(db_session, setup, datetime(2027, 3, 28, 4), datetime(2027, 3, 28, 5))


def test_the_spring_gap_occurrence_is_moved_and_cancelled_by_its_identity(
    db_session, setup, as_user
):
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 3, 22, 2, 30),
            datetime(2026, 3, 22, 3, 30),
            rrule="FREQ=WEEKLY;COUNT=3",
        )
        gap = datetime(2026, 3, 29, 2, 30)
        assert [b[0] for b in _busy(db_session, series)] == [
            datetime(2026, 3, 22, 2, 30),
            gap,
            datetime(2026, 4, 5, 2, 30),
        ]
        agenda.move_occurrence(
            db_session,
            series,
            gap,
            starts_local=datetime(2026, 3, 29, 10),
            ends_local=datetime(2026, 3, 29, 11),
            config=CFG,
        )
        moved = [b for b in _busy(db_session, series) if b[0] == gap]
        assert [(b[1], b[2]) for b in moved] == [(utc(2026, 3, 29, 8), utc(2026, 3, 29, 9))]
        agenda.cancel_occurrence(db_session, series, gap)
        assert gap not in [b[0] for b in _busy(db_session, series)]
        assert len(_busy(db_session, series)) == 2


def test_the_repeated_hour_occurrence_is_moved_by_its_identity(db_session, setup, as_user):
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 10, 18, 2, 30),
            datetime(2026, 10, 18, 2, 45),
            rrule="FREQ=WEEKLY;COUNT=2",
        )
        repeated = datetime(2026, 10, 25, 2, 30)
        agenda.move_occurrence(
            db_session,
            series,
            repeated,
            starts_local=datetime(2026, 10, 25, 9),
            ends_local=datetime(2026, 10, 25, 10),
            config=CFG,
        )
        assert [b[1] for b in _busy(db_session, series)] == [
            utc(2026, 10, 18, 0, 30),
            utc(2026, 10, 25, 8),
        ]


def test_moving_a_series_an_hour_later_keeps_both_cancellations(db_session, setup, as_user):
    # The reproduced case: weekly 10:00 from 13 March, 20 March and 3 April cancelled
    # (either side of the March change), then the series moves to 11:00.
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 3, 13, 10),
            datetime(2026, 3, 13, 11),
            rrule="FREQ=WEEKLY;COUNT=6",
        )
        for day in (20, 3):
            month = 3 if day == 20 else 4
            agenda.cancel_occurrence(db_session, series, datetime(2026, month, day, 10))
        agenda.move(
            db_session,
            series,
            starts_local=datetime(2026, 3, 13, 11),
            ends_local=datetime(2026, 3, 13, 12),
            config=CFG,
        )
        days = [b[1].date() for b in _busy(db_session, series)]
        assert days == [date(2026, 3, 13), date(2026, 3, 27), date(2026, 4, 10), date(2026, 4, 17)]
        assert {b[0].hour for b in _busy(db_session, series)} == {11}


def test_moving_a_series_keeps_a_moved_occurrence_once(db_session, setup, as_user):
    # The reproduced case: 16:00 weekly, one occurrence moved to the next morning,
    # then the series moves to 15:00: that week has the moved one only.
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 5, 4, 16),
            datetime(2026, 5, 4, 17),
            rrule="FREQ=WEEKLY;COUNT=4",
        )
        agenda.move_occurrence(
            db_session,
            series,
            datetime(2026, 5, 11, 16),
            starts_local=datetime(2026, 5, 12, 9),
            ends_local=datetime(2026, 5, 12, 10),
            config=CFG,
        )
        agenda.move(
            db_session,
            series,
            starts_local=datetime(2026, 5, 4, 15),
            ends_local=datetime(2026, 5, 4, 16),
            config=CFG,
        )
        busy = _busy(db_session, series)
        week = [b for b in busy if date(2026, 5, 11) <= b[1].date() <= date(2026, 5, 17)]
        assert [(b[0], b[1]) for b in week] == [(datetime(2026, 5, 11, 15), utc(2026, 5, 12, 7))]
        assert len(busy) == 4
        # It is still that occurrence: cancelling it by its new identity removes it.
        agenda.cancel_occurrence(db_session, series, datetime(2026, 5, 11, 15))
        assert len(_busy(db_session, series)) == 3


def test_moving_a_series_a_day_later_moves_its_exceptions_too(db_session, setup, as_user):
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 6, 1, 10),
            datetime(2026, 6, 1, 11),
            rrule="FREQ=WEEKLY;COUNT=3",
        )
        agenda.cancel_occurrence(db_session, series, datetime(2026, 6, 8, 10))
        agenda.move(
            db_session,
            series,
            starts_local=datetime(2026, 6, 2, 10),
            ends_local=datetime(2026, 6, 2, 11),
            config=CFG,
        )
        assert [b[1].date() for b in _busy(db_session, series)] == [
            date(2026, 6, 2),
            date(2026, 6, 16),
        ]


def test_an_all_day_absence_blocks_the_day_without_travel_time(db_session, setup, as_user):
    with as_user(OFFICER):
        leave = _book(
            db_session,
            setup,
            datetime(2026, 10, 25),
            datetime(2026, 10, 27),
            category=Category.ABSENCE,
            title="Congés",
            all_day=True,
        )
        [(_, start, end)] = _busy(db_session, leave)
        assert (start, end) == (utc(2026, 10, 24, 22), utc(2026, 10, 26, 23))  # 49 hours
        with pytest.raises(agenda.Clash):
            _book(db_session, setup, datetime(2026, 10, 26, 14), datetime(2026, 10, 26, 15))
        # The evening before, at another centre, right up to midnight: no travel time.
        _book(
            db_session,
            setup,
            datetime(2026, 10, 24, 22),
            datetime(2026, 10, 25),
            centre=setup.fresnoy,
        )


def test_a_residential_trip_is_found_by_a_booking_late_in_it(db_session, setup, as_user):
    # Five days from Monday 09:00: a booking on Friday must see a row that
    # started four days earlier (the long-row index of the clash check).
    with as_user(OFFICER):
        _book(
            db_session,
            setup,
            datetime(2027, 7, 5, 9),
            datetime(2027, 7, 9, 17),
            category=Category.RESIDENTIAL,
            title="Séjour à la mer",
        )
        with pytest.raises(agenda.Clash):
            _book(db_session, setup, datetime(2027, 7, 9, 15), datetime(2027, 7, 9, 16))
        _book(db_session, setup, datetime(2027, 7, 9, 17), datetime(2027, 7, 9, 18))
        longest = db_session.scalar(
            select(func.max(func.upper(Busy.during) - func.lower(Busy.during)))
        )
        assert longest == timedelta(days=4, hours=8)


def test_the_event_page_links_the_gap_occurrence_by_its_identity(
    client, db_session, setup, as_user, frozen_clock
):
    frozen_clock(date(2026, 3, 20))
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 3, 22, 2, 30),
            datetime(2026, 3, 22, 3, 30),
            rrule="FREQ=WEEKLY;COUNT=3",
        )
    sign_in(client, OFFICER)
    page = client.get(f"/c/alma/agenda/evenements/{series.id}").get_data(as_text=True)
    assert "le=2026-03-29T02:30" in page
    assert "le=2026-03-29T03:30" not in page
    url = f"/c/alma/agenda/evenements/{series.id}/occurrence?le=2026-03-29T02:30"
    form_page = client.get(url).get_data(as_text=True)
    assert "02:30 n’existe pas ce jour-là" in form_page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "occurrence": "2026-03-29T02:30",
            "day": "2026-03-29",
            "start": "10:00",
            "end": "11:00",
        },
    )
    assert response.status_code == 302
    with as_user(OFFICER):
        starts = [b[1] for b in _busy(db_session, series)]
    assert utc(2026, 3, 29, 8) in starts
