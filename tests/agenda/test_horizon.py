"""How far ahead a series blocks: materialisation counts AGENDA_HORIZON_DAYS from
the later of its start and today, and the monthly task moves that horizon on
(called directly, with a fixed « today »)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from posts.posts_support import OFFICER
from sqlalchemy import func, select

from ensemble.agenda import operations as agenda
from ensemble.agenda import recurrence, tasks
from ensemble.agenda.models import Busy, Calendar, Category, Event
from ensemble.notifications.models import Notification

HORIZON = 90
CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=HORIZON)
TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture
def fixed_today(monkeypatch, app, frozen_clock):
    """Bookings see TODAY; the task reads the configured horizon (HORIZON). The
    demo officer's own week (Monday 09:00–10:30 at Alma…) stays clear: the
    series here are on Monday afternoons."""
    frozen_clock(datetime(2026, 11, 23, 11, tzinfo=UTC))
    monkeypatch.setitem(app.config, "AGENDA_HORIZON_DAYS", HORIZON)
    return TODAY


def _book(session, setup, start: datetime, hours: int = 2, **kw):
    calendar = session.get(Calendar, setup.calendar_id)
    return agenda.book(
        session,
        calendar,
        centre_id=kw.pop("centre", setup.fresnoy),
        category=Category.WORKSHOP,
        title=kw.pop("title", "Atelier numérique du lundi"),
        starts_local=start,
        ends_local=start + timedelta(hours=hours),
        config=CFG,
        **kw,
    ).event


def _last_day(session, series: Event) -> date:
    return recurrence.to_local(agenda.materialised_until(session, series)).date()


def _a_week_before_the_horizon(last: date, origin: date) -> bool:
    """A weekly series' last materialised day: within the week before the horizon
    (materialisation runs two days past it, for occurrences moved a little later)."""
    return origin + timedelta(HORIZON - 7) <= last <= origin + timedelta(HORIZON + 2)


def _count(session, series: Event) -> int:
    return session.scalar(select(func.count(Busy.id)).where(Busy.event_id == series.id))


def test_the_horizon_counts_from_today_for_a_series_that_started_long_ago(
    db_session, setup, as_user, fixed_today
):
    with as_user(OFFICER):
        # Started two years before today, weekly, no end.
        started = datetime(2024, 11, 25, 14)
        series = _book(db_session, setup, started, rrule="FREQ=WEEKLY")
        last = _last_day(db_session, series)
        # Counted from the start it would have stopped in February 2025.
        assert _a_week_before_the_horizon(last, fixed_today)
        # So the slot is still blocked next month.
        with pytest.raises(agenda.Clash):
            _book(db_session, setup, datetime(2027, 1, 4, 15), title="Autre chose")


def test_a_series_starting_later_counts_from_its_start(db_session, setup, as_user, fixed_today):
    with as_user(OFFICER):
        start = datetime(2027, 3, 1, 14)
        series = _book(db_session, setup, start, rrule="FREQ=WEEKLY")
        last = _last_day(db_session, series)
        assert _a_week_before_the_horizon(last, date(2027, 3, 1))


def test_the_monthly_task_extends_open_ended_series_only(db_session, setup, as_user, fixed_today):
    with as_user(OFFICER):
        open_ended = _book(db_session, setup, datetime(2026, 11, 23, 14), rrule="FREQ=WEEKLY")
        counted = _book(
            db_session,
            setup,
            datetime(2026, 11, 24, 10),
            rrule="FREQ=WEEKLY;COUNT=5",
            title="Cinq mardis",
        )
        before, before_last = _count(db_session, open_ended), _last_day(db_session, open_ended)
        assert _a_week_before_the_horizon(before_last, fixed_today)
        # Beyond the horizon the slot is not blocked yet.
        far = datetime(2027, 6, 7, 14)
        probe = _book(db_session, setup, far, title="Réservé très tôt", centre=setup.fresnoy)
        agenda.delete_event(db_session, probe)

    # Two months later: the open-ended series is extended, the counted one left alone.
    later = fixed_today + timedelta(days=61)
    assert tasks.extend_series.run(today=later.isoformat()) == 1
    assert tasks.extend_series.run(today=later.isoformat()) == 0  # idempotent
    with as_user(OFFICER):
        db_session.expire_all()
        assert _count(db_session, counted) == 5
        last = _last_day(db_session, open_ended)
        assert _a_week_before_the_horizon(last, later)
        # Every Monday in between, once: 61 days later, eight or nine more.
        assert _count(db_session, open_ended) == before + (last - before_last).days // 7
        assert _count(db_session, open_ended) - before in (8, 9)
        # Four months later still: the far Monday is now blocked.
        assert tasks.extend_series.run(today=(fixed_today + timedelta(days=120)).isoformat()) == 1
        with pytest.raises(agenda.Clash) as refused:
            _book(db_session, setup, far, title="Réservé très tôt")
        assert "Atelier numérique du lundi" in refused.value.message


def test_an_extension_that_clashes_leaves_the_series_and_tells_the_person(
    db_session, setup, as_user, fixed_today
):
    with as_user(OFFICER) as ctx:
        series = _book(db_session, setup, datetime(2026, 11, 23, 14), rrule="FREQ=WEEKLY")
        before = _count(db_session, series)
        # Booked beyond the series' horizon, on one of its Mondays, at another centre.
        _book(
            db_session,
            setup,
            datetime(2027, 3, 15, 13),
            title="Comité de pilotage",
            centre=setup.alma,
        )
    assert tasks.extend_series.run(today=(fixed_today + timedelta(days=30)).isoformat()) == 0
    with as_user(OFFICER):
        db_session.expire_all()
        assert _count(db_session, series) == before  # nothing lost, nothing added
        notes = db_session.scalars(
            select(Notification).where(
                Notification.user_id == ctx.user_id, Notification.title.like("Série non%")
            )
        ).all()
        assert len(notes) == 1
        assert "Atelier numérique du lundi" in notes[0].title
        assert "Comité de pilotage" in notes[0].body
        assert notes[0].link.endswith(f"/agenda/evenements/{series.id}")
    # Run again: the same person is not told twice.
    assert tasks.extend_series.run(today=(fixed_today + timedelta(days=31)).isoformat()) == 0
    with as_user(OFFICER):
        assert (
            db_session.scalar(
                select(func.count(Notification.id)).where(Notification.title.like("Série non%"))
            )
            == 1
        )


def test_the_task_is_scheduled_monthly(app):
    entry = app.extensions["celery"].conf.beat_schedule["agenda-extend-series-monthly"]
    assert entry["task"] == "ensemble.agenda.extend_series"
    assert entry["schedule"].day_of_month == {1}
