"""Working hours per person: the default week, saving and resetting one's own,
refusals in French, and row-level security (the person writes; the parties of
the person's agreements read; nobody else sees a row)."""

from __future__ import annotations

from datetime import time

import pytest
from posts.posts_support import ECHO_DIRECTOR, FRESNOY_DIRECTOR, MONTREUIL_DIRECTOR, OFFICER
from test_rls import refused, rows

from ensemble.agenda import hours
from ensemble.kernel.refusal import Refusal

ISOLATED_TABLES = {"agenda_working_hours"}
OFF = hours.DayHours()
PART_TIME = [hours.DayHours(time(8, 30), time(12))] * 4 + [OFF] * 3


def test_the_default_week_until_the_person_saves_theirs(db_session, setup, as_user):
    with as_user(OFFICER):
        week = hours.week_of(db_session, setup.officer_id)
        assert week.is_default
        assert week.on(0).intervals() == [(time(9), time(12, 30)), (time(13, 30), time(17, 30))]
        assert week.on(5).intervals() == [] and week.on(6).intervals() == []
        saved = hours.set_week(db_session, setup.officer_id, PART_TIME)
        assert not saved.is_default
        assert saved.on(3).intervals() == [(time(8, 30), time(12))]
        assert saved.on(4).intervals() == []
        # Saving again changes the same seven rows.
        hours.set_week(db_session, setup.officer_id, [hours.DayHours(time(10), time(11))] * 7)
        assert len(rows(db_session, "SELECT id FROM agenda_working_hours")) == 7
        hours.reset_week(db_session, setup.officer_id)
        assert hours.week_of(db_session, setup.officer_id).is_default


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (hours.DayHours(time(9), None), "le début et la fin"),
        (hours.DayHours(time(17), time(9)), "la fin doit être après le début"),
        (hours.DayHours(time(9), time(17), time(12)), "la pause"),
        (hours.DayHours(None, None, time(12), time(13)), "un jour travaillé"),
        (hours.DayHours(time(9), time(17), time(8), time(10)), "doit tenir entre"),
        (hours.DayHours(time(9), time(17), time(13), time(12)), "doit tenir entre"),
    ],
)
def test_impossible_hours_are_refused_naming_the_day(db_session, setup, as_user, day, words):
    with as_user(OFFICER), pytest.raises(Refusal) as refusal:
        hours.set_week(db_session, setup.officer_id, [OFF, OFF, day, OFF, OFF, OFF, OFF])
    assert refusal.value.message.startswith("Mercredi")
    assert words in refusal.value.message
    with as_user(OFFICER):
        assert hours.week_of(db_session, setup.officer_id).is_default


def test_the_parties_read_the_persons_hours_and_only_the_person_writes(db_session, setup, as_user):
    with as_user(OFFICER):
        hours.set_week(db_session, setup.officer_id, PART_TIME)
    with as_user(FRESNOY_DIRECTOR):
        assert hours.week_of(db_session, setup.officer_id).on(0).starts == time(8, 30)
        assert refused(
            db_session,
            "UPDATE agenda_working_hours SET ends = '18:00' WHERE user_id = :u",
            u=setup.officer_id,
        ) or not rows(
            db_session,
            "UPDATE agenda_working_hours SET ends = '18:00' WHERE user_id = :u RETURNING id",
            u=setup.officer_id,
        )
        assert refused(
            db_session,
            "INSERT INTO agenda_working_hours (user_id, weekday) VALUES (:u, 6)",
            u=setup.officer_id,
        )
    with as_user(OFFICER):
        # The person and the weekday of a row never change.
        assert refused(
            db_session,
            "UPDATE agenda_working_hours SET weekday = 6 WHERE user_id = :u AND weekday = 0",
            u=setup.officer_id,
        )
        assert hours.week_of(db_session, setup.officer_id).on(0).ends == time(12)


@pytest.mark.parametrize("outsider", [ECHO_DIRECTOR, MONTREUIL_DIRECTOR])
def test_outsiders_see_no_hours(db_session, setup, as_user, outsider):
    with as_user(OFFICER):
        hours.set_week(db_session, setup.officer_id, PART_TIME)
    with as_user(outsider):
        assert rows(db_session, "SELECT id FROM agenda_working_hours") == []
        # Unseen, the officer's week reads as the default: nothing of it leaks.
        assert hours.week_of(db_session, setup.officer_id).is_default
