"""Recurrence and time zones, without the database: weekly events keep their
local time across both clock changes, the spring gap follows the documented
policy, the repeated autumn hour happens once, exceptions survive a change,
monthly rules on the 31st skip short months."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from ensemble.agenda import recurrence


@dataclass
class Row:
    starts_local: datetime
    ends_local: datetime
    rrule: str | None = None
    exdates: list[datetime] = field(default_factory=list)
    id: int = 1
    uid: str = "s@test"
    tzid: str = "Europe/Paris"
    recurrence_id: datetime | None = None


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_event_keeps_local_time_across_both_changes():
    series = Row(datetime(2026, 3, 16, 10, 0), datetime(2026, 3, 16, 12, 0), "FREQ=WEEKLY")
    occ = recurrence.expand(series, [], date(2026, 3, 1), date(2026, 11, 10))
    locals_ = {o.starts_local.time() for o in occ}
    assert locals_ == {datetime(2026, 1, 1, 10).time()}
    by_day = {o.starts_local.date(): o for o in occ}
    # Before the March change: UTC+1; after: UTC+2; after October: UTC+1 again.
    assert by_day[date(2026, 3, 23)].starts_at == utc(2026, 3, 23, 9)
    assert by_day[date(2026, 3, 30)].starts_at == utc(2026, 3, 30, 8)
    assert by_day[date(2026, 10, 19)].starts_at == utc(2026, 10, 19, 8)
    assert by_day[date(2026, 10, 26)].starts_at == utc(2026, 10, 26, 9)
    assert all(o.ends_at - o.starts_at == timedelta(hours=2) for o in occ)


def test_spring_gap_occurrence_moves_forward_by_the_gap_and_keeps_its_duration():
    # 02:30 does not exist on Sunday 29 March 2026 in Paris.
    series = Row(datetime(2026, 3, 22, 2, 30), datetime(2026, 3, 22, 3, 30), "FREQ=WEEKLY;COUNT=3")
    occ = recurrence.expand(series, [], date(2026, 3, 1), date(2026, 5, 1))
    gap = [o for o in occ if o.starts_local.date() == date(2026, 3, 29)][0]
    assert gap.starts_at == utc(2026, 3, 29, 1, 30)  # 03:30 CEST
    assert recurrence.to_local(gap.starts_at).hour == 3
    assert gap.ends_at - gap.starts_at == timedelta(hours=1)
    assert recurrence.to_instant(datetime(2026, 3, 29, 2, 30)) == utc(2026, 3, 29, 1, 30)


def test_autumn_repeated_hour_happens_once_at_the_first_of_the_two():
    series = Row(datetime(2026, 10, 18, 2, 30), datetime(2026, 10, 18, 3, 0), "FREQ=WEEKLY;COUNT=3")
    occ = recurrence.expand(series, [], date(2026, 10, 1), date(2026, 11, 30))
    on_change = [o for o in occ if o.starts_local.date() == date(2026, 10, 25)]
    assert len(on_change) == 1
    assert on_change[0].starts_at == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not CET
    assert len(occ) == 3


def test_exceptions_stay_excluded_after_a_clock_change():
    series = Row(
        datetime(2026, 3, 16, 10, 0),
        datetime(2026, 3, 16, 11, 0),
        "FREQ=WEEKLY;COUNT=6",
        exdates=[datetime(2026, 4, 6, 10, 0), datetime(2026, 11, 2, 10, 0)],
    )
    occ = recurrence.expand(series, [], date(2026, 3, 1), date(2026, 6, 1))
    days = [o.starts_local.date() for o in occ]
    assert date(2026, 4, 6) not in days
    assert len(days) == 5


def test_a_changed_occurrence_replaces_the_original():
    series = Row(datetime(2026, 3, 16, 10, 0), datetime(2026, 3, 16, 11, 0), "FREQ=WEEKLY;COUNT=4")
    moved = Row(
        datetime(2026, 3, 31, 14, 0),
        datetime(2026, 3, 31, 15, 0),
        id=2,
        recurrence_id=datetime(2026, 3, 30, 10, 0),
    )
    occ = recurrence.expand(series, [moved], date(2026, 3, 1), date(2026, 5, 1))
    assert len(occ) == 4
    changed = [o for o in occ if o.event_id == 2]
    assert changed[0].starts_at == utc(2026, 3, 31, 12)
    assert changed[0].recurrence_local == datetime(2026, 3, 30, 10, 0)
    assert date(2026, 3, 30) not in [o.starts_local.date() for o in occ]


def test_monthly_on_the_31st_skips_short_months():
    series = Row(datetime(2026, 1, 31, 9, 0), datetime(2026, 1, 31, 10, 0), "FREQ=MONTHLY;COUNT=7")
    occ = recurrence.expand(series, [], date(2026, 1, 1), date(2027, 6, 1))
    months = [o.starts_local.month for o in occ]
    assert months == [1, 3, 5, 7, 8, 10, 12]
    assert all(o.starts_local.day == 31 for o in occ)


@pytest.mark.parametrize("rule", ["FREQ=SOMETIMES", "", "FREQ=WEEKLY\nX", "BYDAY=XX"])
def test_invalid_rules_are_refused(rule):
    with pytest.raises(recurrence.RuleRefused):
        recurrence.validate_rrule(rule, datetime(2026, 1, 5, 10))


def test_valid_rule_is_normalised():
    assert recurrence.validate_rrule("rrule:freq=weekly;byday=mo", datetime(2026, 1, 5)) == (
        "FREQ=WEEKLY;BYDAY=MO"
    )


def test_a_night_across_the_october_change_ends_at_its_wall_clock_end():
    # 28 Oct 2028 20:00 CEST → 29 Oct 08:00 CET: 13 hours, ends at 08:00 local.
    night = Row(datetime(2028, 10, 28, 20), datetime(2028, 10, 29, 8))
    [occ] = recurrence.expand(night, [], date(2028, 10, 1), date(2028, 11, 1))
    assert (occ.starts_at, occ.ends_at) == (utc(2028, 10, 28, 18), utc(2028, 10, 29, 7))
    assert recurrence.to_local(occ.ends_at) == datetime(2028, 10, 29, 8)


def test_a_night_across_the_march_change_is_an_hour_shorter():
    early = Row(datetime(2027, 3, 28, 1), datetime(2027, 3, 28, 4))
    [occ] = recurrence.expand(early, [], date(2027, 3, 1), date(2027, 4, 1))
    assert occ.ends_at - occ.starts_at == timedelta(hours=2)
    assert recurrence.to_local(occ.ends_at) == datetime(2027, 3, 28, 4)


def test_a_weekly_night_series_always_ends_at_eight():
    series = Row(
        datetime(2026, 3, 7, 20), datetime(2026, 3, 8, 8), "FREQ=WEEKLY;UNTIL=20261107T235959"
    )
    occ = recurrence.expand(series, [], date(2026, 3, 1), date(2026, 11, 30))
    assert {recurrence.to_local(o.ends_at).time() for o in occ} == {datetime(2026, 1, 1, 8).time()}
    lengths = {o.starts_local.date(): o.ends_at - o.starts_at for o in occ}
    assert lengths[date(2026, 3, 28)] == timedelta(hours=11)
    assert lengths[date(2026, 10, 24)] == timedelta(hours=13)
    assert {lengths[d] for d in lengths if d not in (date(2026, 3, 28), date(2026, 10, 24))} == {
        timedelta(hours=12)
    }


def test_a_start_in_the_spring_gap_keeps_its_identity_and_a_positive_length():
    # 02:30 → 03:15 on 29 March 2026: 02:30 is read as 03:30, after the end;
    # the occurrence keeps its 45 minutes from there and is still named 02:30.
    series = Row(datetime(2026, 3, 22, 2, 30), datetime(2026, 3, 22, 3, 15), "FREQ=WEEKLY;COUNT=2")
    gap = recurrence.expand(series, [], date(2026, 3, 1), date(2026, 4, 30))[1]
    assert gap.recurrence_local == datetime(2026, 3, 29, 2, 30)
    assert gap.starts_at == utc(2026, 3, 29, 1, 30)
    assert gap.ends_at - gap.starts_at == timedelta(minutes=45)


def test_wall_times_that_are_skipped_or_repeated():
    assert recurrence.wall_time_kind(datetime(2026, 3, 29, 2, 30)) == "skipped"
    assert recurrence.wall_time_kind(datetime(2026, 10, 25, 2, 30)) == "repeated"
    assert recurrence.wall_time_kind(datetime(2026, 10, 25, 3, 0)) is None
    assert recurrence.wall_time_kind(datetime(2026, 10, 25, 1, 59)) is None
    assert recurrence.needs_offset(utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    assert recurrence.needs_offset(utc(2026, 10, 25, 1, 30))  # 02:30 CET
    assert not recurrence.needs_offset(utc(2026, 10, 25, 2, 30))


def test_an_all_day_series_blocks_whole_local_days_including_the_long_one():
    closure = Row(datetime(2026, 10, 18), datetime(2026, 10, 19), "FREQ=WEEKLY;COUNT=2")
    closure.all_day = True  # type: ignore[attr-defined]
    occ = recurrence.expand(closure, [], date(2026, 10, 1), date(2026, 11, 1))
    assert [o.ends_at - o.starts_at for o in occ] == [timedelta(hours=24), timedelta(hours=25)]
    assert all(o.all_day for o in occ)
    assert occ[1].starts_at == utc(2026, 10, 24, 22)  # local midnight, CEST
