"""Recurrence rules are bounded before any work is done (issue 17: a director posted
FREQ=SECONDLY;COUNT=999999999 and the web process expanded it for minutes).

What a person's calendar needs: at most one occurrence a day, a bounded count, an
end within ten years; anything else is refused with a French message, before the
rule is even handed to dateutil."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ensemble.agenda import recurrence
from ensemble.agenda.recurrence import RuleRefused

START = datetime(2026, 1, 5, 10, 0)


@dataclass
class Row:
    starts_local: datetime
    ends_local: datetime
    rrule: str | None
    id: int = 1
    uid: str = "x@ensemble"
    tzid: str = "Europe/Paris"
    exdates: list = field(default_factory=list)
    recurrence_id: datetime | None = None


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if the rule reaches dateutil or icalendar."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the rule was parsed: refusal came too late")

    monkeypatch.setattr(recurrence, "rrulestr", forbidden)
    monkeypatch.setattr(recurrence.icalendar.vRecur, "from_ical", forbidden)


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        ("FREQ=SECONDLY;COUNT=999999999", "rrule", "au plus une fois par jour"),
        ("FREQ=MINUTELY", "rrule", "au plus une fois par jour"),
        ("FREQ=HOURLY;INTERVAL=1", "rrule", "au plus une fois par jour"),
        ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11", "rrule", "au plus une fois par jour"),
        ("FREQ=DAILY;BYMINUTE=0,30", "rrule", "au plus une fois par jour"),
        ("FREQ=DAILY;COUNT=999999999", "count", "entre 1 et 1\u202f000 fois"),
        ("FREQ=DAILY;COUNT=0", "count", "entre 1 et"),
        ("FREQ=DAILY;COUNT=-1", "count", "entre 1 et"),
        ("FREQ=DAILY;UNTIL=99991231T235959Z", "until", "10 ans"),
        ("FREQ=DAILY;UNTIL=00010101", "until", "doit suivre"),
        ("FREQ=DAILY;UNTIL=20260230", "until", "invalide"),
        ("FREQ=WEEKLY;INTERVAL=0", "rrule", "de 1 à 99"),
        ("FREQ=WEEKLY;INTERVAL=99999999", "rrule", "de 1 à 99"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20260301", None, "pas les deux"),
        ("FREQ=DAILY;FREQ=WEEKLY", "rrule", "invalide"),
        ("FREQ=DAILY;X-ANYTHING=1", "rrule", "invalide"),
        ("FREQ=DAILY;COUNT=١٢", "rrule", "invalide"),
    ],
)
def test_rules_beyond_a_calendar_are_refused_before_any_parsing(no_parsing, rule, field, words):
    with pytest.raises(RuleRefused) as refused:
        recurrence.validate_rrule(rule, START)
    assert refused.value.field == field
    assert words in refused.value.message


def test_a_rule_a_calendar_needs_is_accepted_and_normalised():
    assert recurrence.validate_rrule("rrule:freq=weekly;byday=mo,th;count=40", START) == (
        "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=40"
    )
    assert recurrence.validate_rrule("FREQ=MONTHLY;BYDAY=1MO;UNTIL=20350101T000000Z", START)


PARTS = st.fixed_dictionaries(
    {},
    optional={
        "FREQ": st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "SECONDLY"]),
        "COUNT": st.integers(-5, 5000).map(str),
        "INTERVAL": st.integers(-1, 200).map(str),
        "BYDAY": st.lists(
            st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1
        ).map(",".join),
        "BYMONTHDAY": st.lists(st.integers(-31, 31), min_size=1, max_size=31).map(
            lambda days: ",".join(map(str, days))
        ),
        "BYMONTH": st.lists(st.integers(1, 12), min_size=1, max_size=12).map(
            lambda months: ",".join(map(str, months))
        ),
        "BYSETPOS": st.integers(-5, 5).map(str),
        "BYHOUR": st.integers(0, 23).map(str),
        "UNTIL": st.dates(date(2025, 1, 1), date(2040, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
    },
)


@settings(max_examples=150, deadline=None)
@given(parts=PARTS)
def test_any_accepted_rule_expands_to_at_most_one_occurrence_a_day(parts):
    rule = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        normalised = recurrence.validate_rrule(rule, START)
    except RuleRefused as refusal:
        assert refusal.message  # French, said to the person
        return
    row = Row(START, START + timedelta(hours=1), normalised)
    horizon = START.date() + timedelta(days=731)
    occurrences = recurrence.expand(row, [], START.date(), horizon)
    days = [o.starts_local.date() for o in occurrences]
    assert len(days) == len(set(days)), "two occurrences on one day"
    assert len(occurrences) <= min(732, recurrence.MAX_EXPANSION)
