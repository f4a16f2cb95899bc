"""The slot finder against the booking it serves: over random calendars, every
slot it proposes books (it never proposes what the booking refuses), and it
finds one whenever a brute-force walk over the quarter-hour grid finds one.
Then working hours, travel, ranking, shares, closed days, the past, the bounds
and the officer's series."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from posts.posts_support import FRESNOY_DIRECTOR, OFFICER
from sqlalchemy import func, select

from ensemble.agenda import finding, holidays, hours
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Busy, Calendar, Category, Event
from ensemble.kernel.refusal import Refusal

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=400)
REFUSE = agenda.Settings(travel_minutes=20, share_policy="refuse", horizon_days=400)
MONDAY = date(2026, 3, 2)  # a week without public holidays, inside the post's year
NOW = datetime(2026, 3, 1, 12)  # the Sunday before, local
STEP = timedelta(minutes=15)


@pytest.fixture
def calendar(db_session, setup, frozen_clock) -> Calendar:
    frozen_clock(date(2026, 3, 1))
    return db_session.get(Calendar, setup.calendar_id)


def _book(session, calendar, centre, start, end, **kw):
    return agenda.book(
        session,
        calendar,
        centre_id=centre,
        category=Category.WORKSHOP,
        title=kw.pop("title", "Atelier"),
        starts_local=start,
        ends_local=end,
        config=kw.pop("config", CFG),
        **kw,
    )


def _books(session, calendar, centre, start, end, config=CFG) -> bool:
    """Whether the booking accepts this slot (tried in a savepoint, rolled back)."""
    savepoint = session.begin_nested()
    try:
        _book(session, calendar, centre, start, end, config=config)
    except agenda.AgendaError:
        return False
    finally:
        if savepoint.is_active:
            savepoint.rollback()
    return True


def _find(session, calendar, centre, duration, first, last, **kw):
    kw.setdefault("config", CFG)
    kw.setdefault("not_before", NOW)
    return finding.find(session, calendar, centre, duration, first, last, **kw)


# --- The property: the finder and the booking agree ------------------------------------

busy_events = st.lists(
    st.tuples(
        st.integers(0, 1),  # day of the window
        st.integers(28, 74),  # start, in quarter hours from midnight (7:00–18:30)
        st.integers(1, 12),  # duration, in quarter hours
        st.integers(0, 2),  # which centre
    ),
    max_size=7,
)
# A day of leave (all day, at one of the centres) or none.
leave_days = st.one_of(st.none(), st.tuples(st.integers(0, 1), st.integers(0, 2)))
weeks = st.one_of(
    st.none(),
    st.builds(
        lambda start, end, lunch: hours.DayHours(
            time(start), time(end), *((time(12), time(13)) if lunch else (None, None))
        ),
        st.integers(7, 10),
        st.integers(14, 19),
        st.booleans(),
    ),
)


@settings(
    max_examples=16,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=busy_events,
    day=weeks,
    quarters=st.integers(2, 12),
    where=st.integers(0, 2),
    part=st.sampled_from([None, finding.Part.MORNING, finding.Part.AFTERNOON]),
    leave=leave_days,
)
def test_the_finder_proposes_what_books_and_finds_what_a_brute_force_finds(
    db_session, setup, calendar, as_user, events, day, quarters, where, part, leave
):
    centres = [setup.alma, setup.fresnoy, setup.basse_masure]
    duration = timedelta(minutes=15 * quarters)
    example = db_session.begin_nested()
    try:
        with as_user(OFFICER):
            if day is not None:
                hours.set_week(db_session, setup.officer_id, [day] * 5 + [hours.DayHours()] * 2)
            if leave is not None:
                off = datetime.combine(MONDAY + timedelta(days=leave[0]), time())
                agenda.book(
                    db_session,
                    calendar,
                    centre_id=centres[leave[1]],
                    category=Category.ABSENCE,
                    title="Congé",
                    starts_local=off,
                    ends_local=off + timedelta(days=1),
                    all_day=True,
                    config=CFG,
                )
            for offset, start, length, centre in events:
                begin = datetime.combine(MONDAY + timedelta(days=offset), time()) + timedelta(
                    minutes=15 * start
                )
                end = begin + length * STEP
                if _books(db_session, calendar, centres[centre], begin, end):
                    _book(db_session, calendar, centres[centre], begin, end)
            last = MONDAY + timedelta(days=1)
            unchecked = _find(
                db_session,
                calendar,
                centres[where],
                duration,
                MONDAY,
                last,
                part=part,
                limit=finding.MAX_RESULTS,
                verify=False,
            )
            # Never a slot the booking refuses, never outside the hours asked.
            week = hours.week_of(db_session, setup.officer_id)
            for proposal in unchecked:
                assert _books(
                    db_session, calendar, centres[where], proposal.starts_local, proposal.ends_local
                ), proposal
                assert _inside_hours(week, proposal.starts_local, proposal.ends_local, part)
            # Whenever the grid has a free slot, the finder proposes one.
            exists = any(
                _books(db_session, calendar, centres[where], start, start + duration)
                for start in _grid(week, MONDAY, last, duration, part)
            )
            event(f"a free slot exists: {exists}, leave: {leave is not None}")
            found = _find(
                db_session, calendar, centres[where], duration, MONDAY, last, part=part, limit=3
            )
            assert bool(found) == exists
            assert bool(unchecked) == exists
    finally:
        example.rollback()


def _inside_hours(week, start: datetime, end: datetime, part) -> bool:
    for lo, hi in week.on(start.weekday()).intervals():
        if datetime.combine(start.date(), lo) <= start and end <= datetime.combine(
            start.date(), hi
        ):
            noon = datetime.combine(start.date(), time(13))
            if part is finding.Part.MORNING and end > noon:
                return False
            return not (part is finding.Part.AFTERNOON and start < noon)
    return False


def _grid(week, first: date, last: date, duration: timedelta, part):
    """Every quarter-hour start of the window whose slot lies in the hours asked."""
    day = first
    while day <= last:
        start = datetime.combine(day, time())
        while start + duration <= datetime.combine(day, time()) + timedelta(days=1):
            if _inside_hours(week, start, start + duration, part):
                yield start
            start += STEP
        day += timedelta(days=1)


# --- Working hours, travel, ranking ------------------------------------------------------


def test_the_default_week_is_monday_to_friday_with_a_lunch_break(
    db_session, setup, calendar, as_user
):
    with as_user(OFFICER):
        week = hours.week_of(db_session, setup.officer_id)
        assert week.is_default
        proposals = _find(
            db_session, calendar, setup.fresnoy, timedelta(hours=2), MONDAY, MONDAY + timedelta(6)
        )
    starts = {(p.starts_local.weekday(), p.starts_local.time()) for p in proposals}
    assert all(day < 5 for day, _ in starts)
    # The morning (9:00–12:30) and the afternoon (13:30–17:30): never across lunch.
    assert {t for _, t in starts} == {time(9), time(13, 30)}
    assert (0, time(9)) in starts


def test_travel_is_kept_and_slots_without_travel_rank_first(db_session, setup, calendar, as_user):
    with as_user(OFFICER):
        # Monday morning at Alma, 9:00–11:00; Tuesday is free.
        _book(db_session, calendar, setup.alma, datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 11))
        proposals = _find(
            db_session,
            calendar,
            setup.fresnoy,
            timedelta(hours=1),
            MONDAY,
            MONDAY + timedelta(days=1),
            limit=5,
        )
    # Tuesday costs no travel: it ranks before Monday, though later.
    assert [(p.starts_local, p.travel_minutes) for p in proposals] == [
        (datetime(2026, 3, 3, 9), 0),
        (datetime(2026, 3, 3, 13, 30), 0),
        # 11:00 + 20 minutes of travel, on the quarter-hour grid.
        (datetime(2026, 3, 2, 11, 30), 20),
        (datetime(2026, 3, 2, 13, 30), 20),
    ]


def test_a_same_centre_neighbour_needs_no_travel(db_session, setup, calendar, as_user):
    with as_user(OFFICER):
        _book(db_session, calendar, setup.alma, datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 11))
        proposals = _find(
            db_session,
            calendar,
            setup.alma,
            timedelta(hours=1),
            MONDAY,
            MONDAY,
            part=finding.Part.MORNING,
        )
    assert [p.starts_local for p in proposals] == [datetime(2026, 3, 2, 11)]
    assert proposals[0].travel_minutes == 0


def test_saved_hours_a_day_off_and_closed_days(db_session, setup, calendar, as_user):
    with as_user(OFFICER):
        long_day = hours.DayHours(time(8), time(16), time(12), time(12, 45))
        hours.set_week(
            db_session,
            setup.officer_id,
            [long_day, hours.DayHours()] + [long_day] * 3 + [hours.DayHours()] * 2,
        )
        proposals = _find(
            db_session,
            calendar,
            setup.basse_masure,
            timedelta(hours=3),
            MONDAY,
            MONDAY + timedelta(days=4),
            closed_days={MONDAY + timedelta(days=2)},
            limit=20,
        )
    days = {p.starts_local.date() for p in proposals}
    assert days == {MONDAY, MONDAY + timedelta(days=3), MONDAY + timedelta(days=4)}
    assert {p.starts_local.time() for p in proposals} == {time(8), time(12, 45)}


def test_the_past_is_never_proposed(db_session, setup, calendar, as_user):
    with as_user(OFFICER):
        proposals = _find(
            db_session,
            calendar,
            setup.alma,
            timedelta(hours=1),
            MONDAY,
            MONDAY,
            not_before=datetime(2026, 3, 2, 15, 10),
        )
    assert [p.starts_local for p in proposals] == [datetime(2026, 3, 2, 15, 15)]


def test_a_busy_interval_the_director_cannot_see_is_still_honoured(
    demo, db_session, setup, calendar, as_user
):
    """The officer's time under another agreement is invisible to Fresnoy's
    director; the trial booking (the trigger) still refuses it, so the finder
    moves on instead of proposing it."""
    from ensemble.sharing import operations as sharing
    from ensemble.sharing.models import AgreementKind

    with as_user("claire.vasseur@alma.demo"):
        other = sharing.create_agreement(
            db_session,
            AgreementKind.SHARED_POST,
            "Autre mise à disposition",
            owner=demo.centre("alma"),
        )
    with as_user(OFFICER):
        hidden = agenda.open_calendar(db_session, other.id, setup.officer_id)
        for day in range(5):
            _book(
                db_session,
                hidden,
                setup.alma,
                datetime(2026, 3, 2 + day, 9),
                datetime(2026, 3, 2 + day, 12, 30),
            )
    with as_user(FRESNOY_DIRECTOR):
        assert not db_session.scalar(
            select(func.count()).select_from(Busy).where(Busy.calendar_id == hidden.id)
        )
        proposals = _find(
            db_session, calendar, setup.fresnoy, timedelta(hours=2), MONDAY, MONDAY + timedelta(4)
        )
    assert proposals and all(p.starts_local.hour >= 13 for p in proposals)


def test_leave_blocks_its_days_without_travel_around_them(db_session, setup, calendar, as_user):
    with as_user(OFFICER):
        # Leave on Monday and Tuesday (booked at Alma), searched for Fresnoy.
        agenda.book(
            db_session,
            calendar,
            centre_id=setup.alma,
            category=Category.ABSENCE,
            title="Congés",
            starts_local=datetime(2026, 3, 2),
            ends_local=datetime(2026, 3, 4),
            all_day=True,
            config=CFG,
        )
        proposals = _find(
            db_session, calendar, setup.fresnoy, timedelta(hours=2), MONDAY, MONDAY + timedelta(2)
        )
    assert {p.starts_local.date() for p in proposals} == {date(2026, 3, 4)}
    assert proposals[0].starts_local == datetime(2026, 3, 4, 9)
    assert all(p.travel_minutes == 0 for p in proposals)


def test_public_holidays_are_skipped_alsace_moselle_included(db_session, setup, calendar, as_user):
    good_friday = date(2026, 4, 3)
    with as_user(OFFICER):
        roubaix, strasbourg = (
            _find(
                db_session,
                calendar,
                setup.alma,
                timedelta(hours=2),
                date(2026, 4, 3),
                date(2026, 4, 6),  # Easter Monday, a holiday everywhere
                closed_days=lambda day, d=departement: holidays.is_public_holiday(day, d),
            )
            for departement in ("59", "67")
        )
    assert {p.starts_local.date() for p in roubaix} == {good_friday}
    assert strasbourg == []


# --- Shares -------------------------------------------------------------------------------


def _fill_fresnoy_month(db_session, setup, calendar) -> None:
    """Book Fresnoy past its agreed hours for March 2026, outside the searched week."""
    agreed = next(
        line.month_agreed
        for line in agenda.share_lines(db_session, setup.officer_id, MONDAY)
        if line.centre_id == setup.fresnoy
    )
    booked, day = 0, date(2026, 3, 9)
    while booked <= agreed:
        _book(
            db_session,
            calendar,
            setup.fresnoy,
            datetime.combine(day, time(7)),
            datetime.combine(day, time(22)),
        )
        booked, day = booked + 15, day + timedelta(days=1)


def test_a_centre_past_its_share_is_ranked_last_or_refused(db_session, setup, calendar, as_user):
    with as_user(OFFICER):
        _fill_fresnoy_month(db_session, setup, calendar)
        warned = _find(
            db_session, calendar, setup.fresnoy, timedelta(hours=1), MONDAY, MONDAY, limit=3
        )
        assert warned and all(p.over_share for p in warned)
        assert all(p.remaining_hours is not None and p.remaining_hours < 0 for p in warned)
        refused = _find(
            db_session,
            calendar,
            setup.fresnoy,
            timedelta(hours=1),
            MONDAY,
            MONDAY,
            config=REFUSE,
        )
        assert refused == []
        # Alma still has room that month.
        alma = _find(
            db_session, calendar, setup.alma, timedelta(hours=1), MONDAY, MONDAY, config=REFUSE
        )
        assert alma and not alma[0].over_share and alma[0].remaining_hours > 0


# --- Bounds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "first", "last", "limit", "field"),
    [
        (timedelta(minutes=10), MONDAY, MONDAY, 5, "duration"),
        (timedelta(hours=11), MONDAY, MONDAY, 5, "duration"),
        (timedelta(minutes=50), MONDAY, MONDAY, 5, "duration"),
        (timedelta(hours=1), MONDAY, MONDAY - timedelta(days=1), 5, "last_day"),
        (timedelta(hours=1), MONDAY, MONDAY + timedelta(days=92), 5, "last_day"),
        (timedelta(hours=1), MONDAY, MONDAY, 0, "limit"),
        (timedelta(hours=1), MONDAY, MONDAY, 21, "limit"),
    ],
)
def test_searches_out_of_bounds_are_refused_with_the_field(
    db_session, calendar, setup, as_user, duration, first, last, limit, field
):
    with as_user(OFFICER), pytest.raises(Refusal) as refused:
        _find(db_session, calendar, setup.alma, duration, first, last, limit=limit)
    assert refused.value.field == field


def test_three_months_fit_the_bounds(db_session, calendar, setup, as_user):
    with as_user(OFFICER):
        proposals = _find(
            db_session,
            calendar,
            setup.alma,
            timedelta(hours=2),
            MONDAY,
            MONDAY + timedelta(days=91),
            limit=finding.MAX_RESULTS,
        )
    assert len(proposals) == finding.MAX_RESULTS
    # The trials left nothing behind.
    assert not db_session.scalar(
        select(func.count()).select_from(Event).where(Event.title == finding.TRIAL_TITLE)
    )


# --- Series ------------------------------------------------------------------------------


def test_a_series_every_other_tuesday_afternoon_in_one_of_three_centres(
    db_session, setup, calendar, as_user
):
    tuesday = MONDAY + timedelta(days=1)
    with as_user(OFFICER):
        # Alma every Tuesday 13:30–15:00; a meeting at Basse Masure on the second
        # Tuesday of the series, 16:30–17:30; the third is a closed day.
        _book(
            db_session,
            calendar,
            setup.alma,
            datetime.combine(tuesday, time(13, 30)),
            datetime.combine(tuesday, time(15)),
            rrule="FREQ=WEEKLY;COUNT=10",
        )
        _book(
            db_session,
            calendar,
            setup.basse_masure,
            datetime.combine(tuesday + timedelta(weeks=2), time(16, 30)),
            datetime.combine(tuesday + timedelta(weeks=2), time(17, 30)),
        )
        closed = tuesday + timedelta(weeks=4)
        proposals = finding.find_series(
            db_session,
            calendar,
            [setup.alma, setup.fresnoy, setup.basse_masure],
            timedelta(hours=1),
            MONDAY,
            weekday=1,
            every_weeks=2,
            count=4,
            part=finding.Part.AFTERNOON,
            closed_days={closed},
            config=CFG,
        )
        # Alma right after its series (20 minutes to Basse Masure once); Basse
        # Masure after the travel from Alma (three times); Fresnoy never fits the
        # second Tuesday (travel from Alma and to Basse Masure).
        assert [(p.centre_id, p.starts_local, p.travel_minutes) for p in proposals] == [
            (setup.alma, datetime.combine(tuesday, time(15)), 20),
            (setup.basse_masure, datetime.combine(tuesday, time(15, 30)), 60),
        ]
        best = proposals[0]
        assert best.rrule == "FREQ=WEEKLY;INTERVAL=2;COUNT=4"
        assert best.exdates == (datetime.combine(closed, time(15)),)
        booked = _book(
            db_session,
            calendar,
            best.centre_id,
            best.starts_local,
            best.ends_local,
            rrule=best.rrule,
            exdates=list(best.exdates),
        )
        assert len(agenda.occurrences_of(db_session, booked.event)) == 3


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(
        st.tuples(
            st.integers(0, 3),  # which of the series' Tuesdays
            st.integers(36, 70),  # start, in quarter hours (9:00–17:30)
            st.integers(1, 8),
            st.integers(0, 2),
        ),
        max_size=8,
    ),
    quarters=st.integers(2, 8),
    part=st.sampled_from([None, finding.Part.MORNING, finding.Part.AFTERNOON]),
)
def test_every_unchecked_series_proposal_books_as_a_series(
    db_session, setup, calendar, as_user, events, quarters, part
):
    centres = [setup.alma, setup.fresnoy, setup.basse_masure]
    tuesday = MONDAY + timedelta(days=1)
    duration = timedelta(minutes=15 * quarters)
    example = db_session.begin_nested()
    try:
        with as_user(OFFICER):
            for week, start, length, centre in events:
                begin = datetime.combine(tuesday + timedelta(weeks=2 * week), time()) + timedelta(
                    minutes=15 * start
                )
                end = begin + length * STEP
                if _books(db_session, calendar, centres[centre], begin, end):
                    _book(db_session, calendar, centres[centre], begin, end)
            proposals = finding.find_series(
                db_session,
                calendar,
                centres,
                duration,
                MONDAY,
                weekday=1,
                every_weeks=2,
                count=4,
                part=part,
                limit=finding.MAX_RESULTS,
                config=CFG,
                verify=False,
            )
            event(f"series proposals: {min(len(proposals), 3)}+")
            for proposal in proposals:
                savepoint = db_session.begin_nested()
                try:
                    booked = _book(
                        db_session,
                        calendar,
                        proposal.centre_id,
                        proposal.starts_local,
                        proposal.ends_local,
                        rrule=proposal.rrule,
                    )
                    assert len(agenda.occurrences_of(db_session, booked.event)) == 4
                finally:
                    savepoint.rollback()
    finally:
        example.rollback()
