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
    assert "2\u00a0h\u00a030 n’existe pas ce jour-là" in form_page
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


def _new_event(client, setup, **fields):
    url = f"/c/alma/agenda/agendas/{setup.calendar_id}/nouveau"
    data = {
        "csrf_token": csrf_token(client, url),
        "title": "Événement",
        "category": "atelier",
        "centre": str(setup.alma),
        "repeat": "",
        **fields,
    }
    return client.post(url, data=data)


def _only_busy(db_session, as_user, setup, year):
    """The busy rows of the officer's calendar that start in `year` (the demo books others)."""
    with as_user(OFFICER):
        rows = db_session.scalars(
            select(Busy)
            .where(
                Busy.calendar_id == setup.calendar_id,
                func.lower(Busy.during) >= utc(year, 1, 1),
                func.lower(Busy.during) < utc(year + 1, 1, 1),
            )
            .order_by(func.lower(Busy.during))
        )
        return [
            (b.during.lower.astimezone(UTC), b.during.upper.astimezone(UTC), b.all_day)
            for b in rows
        ]


def test_the_form_books_a_night_as_ending_the_next_morning(client, db_session, setup, as_user):
    sign_in(client, OFFICER)
    response = _new_event(client, setup, day="2028-10-28", start="20:00", end="08:00")
    assert response.status_code == 302
    assert _only_busy(db_session, as_user, setup, 2028) == [
        (utc(2028, 10, 28, 18), utc(2028, 10, 29, 7), False)
    ]


def test_the_form_books_all_day_leave_over_several_days(client, db_session, setup, as_user):
    sign_in(client, OFFICER)
    response = _new_event(
        client,
        setup,
        title="Congés",
        category="absence",
        day="2026-08-03",
        end_day="2026-08-07",
        all_day="y",
    )
    assert response.status_code == 302
    assert _only_busy(db_session, as_user, setup, 2026) == [
        (utc(2026, 8, 2, 22), utc(2026, 8, 7, 22), True)
    ]
    week = client.get(
        f"/c/alma/agenda/agendas/{setup.calendar_id}?vue=semaine&date=2026-08-03"
    ).get_data(as_text=True)
    assert week.count("Toute la journée") >= 5


def test_the_form_refuses_what_it_cannot_book_in_french(client, db_session, setup, as_user):
    sign_in(client, OFFICER)
    cases = [
        ({"day": "2026-08-03"}, "Indiquez l’heure de début"),
        (
            {"day": "2026-08-03", "start": "10:00", "end": "09:00", "end_day": "2026-08-03"},
            "Le même jour, la fin doit être après le début",
        ),
        (
            {"day": "2026-08-03", "end_day": "2026-08-01", "all_day": "y"},
            "La date de fin doit suivre la date de début",
        ),
        (
            {"day": "2026-08-03", "end_day": "2026-10-01", "all_day": "y"},
            "Un événement dure au plus 42",
        ),
    ]
    for fields, message in cases:
        response = _new_event(client, setup, **fields)
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True).replace("\u202f", " ").replace(
            "\u00a0", " "
        ), fields
    assert _only_busy(db_session, as_user, setup, 2026) == []


def test_views_show_holidays_trips_across_days_and_the_repeated_hour(
    client, db_session, setup, as_user
):
    with as_user(OFFICER):
        _book(db_session, setup, datetime(2027, 12, 23, 9), datetime(2027, 12, 27, 12))
        _book(db_session, setup, datetime(2027, 10, 31, 2, 30), datetime(2027, 10, 31, 2, 45))
    sign_in(client, OFFICER)
    base = f"/c/alma/agenda/agendas/{setup.calendar_id}"
    week = client.get(base + "?vue=semaine&date=2027-12-20").get_data(as_text=True)
    assert "Férié" in week and "Noël" in week
    assert "dès 9\u00a0h" in week and "jusqu’à 12\u00a0h" not in week  # that is Monday 27
    assert week.count("toute la journée (suite)") == 3  # 24, 25 and 26 December
    # The next week starts inside the trip: it is still shown there.
    assert "jusqu’à 12\u00a0h" in client.get(base + "?vue=jour&date=2027-12-27").get_data(
        as_text=True
    )
    autumn = client.get(base + "?vue=jour&date=2027-10-31").get_data(as_text=True)
    assert "2\u00a0h\u00a030 (heure d’été)\u00a0– 2\u00a0h\u00a045 (heure d’été)" in autumn


def test_a_monthly_series_moved_across_a_month_end_keeps_its_cancellation(
    db_session, setup, as_user
):
    # Monthly on the 24th, the February one cancelled, moved a week later: the
    # new series is on the 31st (months without one skipped, RFC 5545); the
    # cancellation follows its occurrence by rank, the second one.
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2029, 1, 24, 10),
            datetime(2029, 1, 24, 11),
            rrule="FREQ=MONTHLY;COUNT=4",
        )
        agenda.cancel_occurrence(db_session, series, datetime(2029, 2, 24, 10))
        agenda.move(
            db_session,
            series,
            starts_local=datetime(2029, 1, 31, 10),
            ends_local=datetime(2029, 1, 31, 11),
            config=CFG,
        )
        assert [b[0] for b in _busy(db_session, series)] == [
            datetime(2029, 1, 31, 10),
            datetime(2029, 5, 31, 10),
            datetime(2029, 7, 31, 10),
        ]


def test_an_all_day_event_counts_a_working_day_and_leave_counts_nothing(db_session, setup, as_user):
    """Red team: one day of leave moved Alma from 16 h to 40 h planned « in its
    share ». Leave and closures are not work; a training day is one working day."""
    from ensemble.agenda.operations.shares import hours_by_centre

    with as_user(OFFICER):
        month = (date(2031, 1, 1), date(2031, 2, 1))
        before = hours_by_centre(db_session, setup.officer_id, *month).get(setup.alma, 0)
        _book(
            db_session,
            setup,
            datetime(2031, 1, 20),
            datetime(2031, 1, 21),
            category=Category.ABSENCE,
            title="Congé",
            all_day=True,
        )
        assert hours_by_centre(db_session, setup.officer_id, *month).get(setup.alma, 0) == before
        # Two training days: two working days.
        _book(
            db_session,
            setup,
            datetime(2031, 1, 22),
            datetime(2031, 1, 24),
            category=Category.TRAINING,
            title="Formation",
            all_day=True,
        )
        after = hours_by_centre(db_session, setup.officer_id, *month)[setup.alma]
        assert after - before == 14
