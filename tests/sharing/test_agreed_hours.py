"""The one agreed-hours rule (ensemble.sharing.agreed_hours), which the shared
calendar and the shared post's gauge both count by: the post's own weekly hours
× the share, spread over Monday to Friday without the public holidays where it
is worked, the share's period closed, the window counted half-open."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from posts.posts_support import ALMA_DIRECTOR, ALMA_STAFF

from ensemble.agenda import operations as agenda
from ensemble.kernel.holidays import public_holidays
from ensemble.people.models import Membership, Role
from ensemble.posts import operations as posts
from ensemble.posts.models import Arrangement, ShareUnit
from ensemble.sharing.agreed_hours import AgreedShare, agreed_hours, fractions_on, working_days
from ensemble.tenancy import context

MONDAY = date(2026, 3, 9)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
# Multiples of 0.05 h a week (up to the 48-hour legal maximum): a day's fifth is
# a whole number of hundredths, so sums over days are exact and can be compared.
WEEKLY = st.integers(min_value=1, max_value=960).map(lambda k: Decimal(k) * Decimal("0.05"))


def share(weekly: str | Decimal, starts_on: date, ends_on: date | None, centre_id: int = 1):
    hours = Decimal(weekly)
    return AgreedShare(centre_id, hours / 35, hours, starts_on, ends_on)


def weekdays_between(first: date, after_last: date, departement: str | None = None) -> int:
    """An oracle written differently from the code: whole weeks, then the rest,
    less the public holidays that fall on a weekday."""
    if after_last <= first:
        return 0
    total = after_last.toordinal() - first.toordinal()
    weeks, rest = divmod(total, 7)
    extra = sum(1 for n in range(rest) if (first.weekday() + n) % 7 < 5)
    off = public_holidays(first, after_last, departement)
    return weeks * 5 + extra - sum(1 for day in off if day.weekday() < 5)


@st.composite
def shares_and_windows(draw):
    starts_on = draw(DAYS)
    ends_on = draw(st.none() | st.dates(min_value=starts_on, max_value=date(2030, 12, 31)))
    start = draw(DAYS)
    end = draw(st.dates(min_value=start, max_value=start + timedelta(days=400)))
    return share(draw(WEEKLY), starts_on, ends_on), start, end


def test_a_part_time_holder_is_owed_her_share_of_her_own_working_week():
    # 50 % of a 28-hour post is 14 hours a week, not half of 35.
    half = AgreedShare(1, Decimal("0.5"), Decimal("14"), date(2026, 1, 1), None)
    assert agreed_hours([half], MONDAY, MONDAY + timedelta(days=7)) == Decimal("14.00")
    # March 2026 has 22 working days.
    assert agreed_hours([half], date(2026, 3, 1), date(2026, 4, 1)) == Decimal("61.60")


def test_the_shares_last_day_is_a_day_of_the_share():
    until_tuesday = share("35", date(2026, 1, 1), MONDAY + timedelta(days=1))
    assert agreed_hours([until_tuesday], MONDAY, MONDAY + timedelta(days=7)) == Decimal("14.00")


def test_a_one_day_share_counts_one_day():
    wednesday = MONDAY + timedelta(days=2)
    assert agreed_hours([share("35", wednesday, wednesday)], MONDAY, MONDAY + timedelta(7)) == (
        Decimal("7.00")
    )


def test_the_windows_end_is_not_counted_and_its_start_is():
    april = share("35", date(2026, 4, 1), None)
    assert agreed_hours([april], date(2026, 3, 1), date(2026, 4, 1)) == Decimal("0.00")
    assert agreed_hours([april], date(2026, 4, 1), date(2026, 4, 2)) == Decimal("7.00")
    ended_the_day_before = share("35", date(2026, 1, 1), date(2026, 3, 31))
    assert agreed_hours([ended_the_day_before], date(2026, 4, 1), date(2026, 5, 1)) == 0


def test_weekends_and_empty_windows_count_nothing():
    weekend = share("35", MONDAY + timedelta(days=5), MONDAY + timedelta(days=6))
    assert agreed_hours([weekend], MONDAY, MONDAY + timedelta(days=7)) == 0
    assert agreed_hours([share("35", MONDAY, None)], MONDAY, MONDAY) == 0
    assert agreed_hours([share("35", MONDAY, None)], MONDAY + timedelta(days=3), MONDAY) == 0
    assert agreed_hours([], MONDAY, MONDAY + timedelta(days=7)) == 0


@given(shares_and_windows())
def test_the_hours_are_the_weekly_fifth_of_every_working_day_covered(case):
    s, start, end = case
    first = max(start, s.starts_on)
    after_last = end if s.ends_on is None else min(end, s.ends_on + timedelta(days=1))
    assert agreed_hours([s], start, end) == s.weekly_hours * weekdays_between(first, after_last) / 5


@given(shares_and_windows())
def test_a_share_meets_a_window_when_it_covers_one_of_its_days(case):
    s, start, end = case
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    assert s.meets(start, end) == any(s.covers(day) for day in days)


@given(shares_and_windows(), st.integers(min_value=0, max_value=400))
def test_consecutive_windows_add_up_to_the_whole(case, cut):
    s, start, end = case
    middle = min(start + timedelta(days=cut), end)
    whole = agreed_hours([s], start, end)
    assert agreed_hours([s], start, middle) + agreed_hours([s], middle, end) == whole


@given(st.lists(shares_and_windows(), min_size=1, max_size=4))
def test_several_shares_add_up(cases):
    _, start, end = cases[0]
    shares = [s for s, _, _ in cases]
    assert agreed_hours(shares, start, end) == sum(
        (agreed_hours([s], start, end) for s in shares), Decimal(0)
    )


def test_a_public_holiday_is_not_a_working_day_and_alsace_moselle_has_two_more():
    # The week of Easter Monday 2026 (6 April): four working days everywhere.
    easter = date(2026, 4, 6)
    national = AgreedShare(1, Decimal("1"), Decimal("35"), date(2026, 1, 1), None)
    assert agreed_hours([national], easter, easter + timedelta(days=7)) == Decimal("28.00")
    good_friday = date(2026, 3, 30)  # the week of Vendredi saint (3 April)
    alsace = AgreedShare(1, Decimal("1"), Decimal("35"), date(2026, 1, 1), None, "67")
    assert agreed_hours([national], good_friday, good_friday + timedelta(days=7)) == 35
    assert agreed_hours([alsace], good_friday, good_friday + timedelta(days=7)) == 28
    assert date(2026, 4, 3) not in working_days(good_friday, easter, "57")
    assert date(2026, 4, 3) in working_days(good_friday, easter, "54")


def test_working_days_are_monday_to_friday_of_a_half_open_window():
    days = working_days(MONDAY, MONDAY + timedelta(days=14))
    assert len(days) == 10 and days[0] == MONDAY and all(d.weekday() < 5 for d in days)
    assert MONDAY + timedelta(days=14) not in working_days(MONDAY, MONDAY + timedelta(days=14))


def test_fractions_on_a_day_add_up_per_centre():
    shares = [
        AgreedShare(1, Decimal("0.3"), Decimal("10.5"), date(2026, 1, 1), date(2026, 12, 31)),
        AgreedShare(1, Decimal("0.2"), Decimal("7"), date(2026, 3, 10), None),
        AgreedShare(2, Decimal("0.5"), Decimal("17.5"), date(2026, 1, 1), date(2026, 3, 9)),
    ]
    assert fractions_on(shares, date(2026, 3, 9)) == {1: Decimal("0.3"), 2: Decimal("0.5")}
    assert fractions_on(shares, date(2026, 3, 10)) == {1: Decimal("0.5")}


# --- Both capabilities count by it ------------------------------------------------


@pytest.fixture
def as_user(demo, db_session):
    @contextlib.contextmanager
    def run(email: str):
        with context.using(demo.context_of(email), db_session) as ctx:
            yield ctx

    return run


@pytest.fixture
def part_time_post(demo, db_session, as_user):
    """A 28-hour post held by Alma's family worker: half of it for Fresnoy from
    Tuesday 10 to Tuesday 31 March 2026 (both days included), 7 hours a week
    for Basse Masure all year. Like the demo's officer, she is on the staff of
    the centres she is put at the disposal of (that is how she reads the post)."""
    fresnoy, basse_masure = demo.centre("fresnoy-mackellerie"), demo.centre("basse-masure")
    holder = demo.user(ALMA_STAFF)
    with context.using(context.system_context(is_admin=True), db_session):
        for centre in (fresnoy, basse_masure):
            db_session.add(Membership(user_id=holder.id, role=Role.STAFF, centre_id=centre.id))
        db_session.flush()
    with as_user(ALMA_DIRECTOR):
        post = posts.create_post(
            db_session,
            demo.employer("association-alma"),
            title="Animation famille à temps partiel (essai)",
            arrangement=Arrangement.SECONDMENT,
            holder=holder,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            weekly_hours=Decimal("28"),
        )
        posts.add_allocation(
            db_session,
            post,
            fresnoy,
            unit=ShareUnit.PERCENT,
            share=Decimal("50"),
            starts_on=date(2026, 3, 10),
            ends_on=date(2026, 3, 31),
            site_centre_id=fresnoy.id,
        )
        posts.add_allocation(
            db_session,
            post,
            basse_masure,
            unit=ShareUnit.HOURS_PER_WEEK,
            share=Decimal("7"),
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            site_centre_id=basse_masure.id,
        )
        db_session.flush()
    return post


def test_the_calendar_and_the_posts_gauge_agree_for_a_part_time_holder(
    demo, db_session, as_user, part_time_post
):
    fresnoy, basse_masure = demo.centre("fresnoy-mackellerie"), demo.centre("basse-masure")
    # Fresnoy: 14 h a week over the 16 working days of 10–31 March; Basse Masure:
    # 7 h a week over March's 22, and over the first quarter's 63 (64 weekdays,
    # less New Year's Day).
    expected = {fresnoy.id: Decimal("44.80"), basse_masure.id: Decimal("30.80")}
    with as_user(ALMA_DIRECTOR):
        gauges, _ = posts.gauges(db_session, part_time_post, date(2026, 3, 1), date(2026, 11, 1))
    by_centre = {g.party.centre_id: g.agreed for g in gauges}
    with as_user(ALMA_STAFF):
        lines = {
            line.centre_id: line
            for line in agenda.share_lines(db_session, demo.user(ALMA_STAFF).id, date(2026, 3, 1))
        }
    assert by_centre == expected
    assert {c: lines[c].month_agreed for c in expected} == expected
    assert lines[fresnoy.id].quarter_agreed == Decimal("44.80")
    assert lines[basse_masure.id].quarter_agreed == Decimal("88.20")
    # The share shown is the one agreed on the day asked about: not Fresnoy's yet.
    assert lines[fresnoy.id].share == 0 and lines[basse_masure.id].share == Decimal("0.25")
