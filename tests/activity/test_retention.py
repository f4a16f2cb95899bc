"""Participants' retention: kept until the declaration campaign of the year of
their last session closes (30 June of the following year) plus the configured
months; then anonymised by the nightly task, exactly those, once, audited, the
counts of sessions and different people unchanged."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from activity.conftest import ALMA_DIRECTOR, ALMA_STAFF
from ensemble.activity import operations as activity
from ensemble.activity import retention
from ensemble.activity.models import Action, Participant, Presence
from ensemble.audit.models import AuditAction, AuditEntry


@pytest.mark.parametrize(
    ("year", "months", "until"),
    [
        (2021, 12, date(2023, 6, 30)),
        (2021, 0, date(2022, 6, 30)),
        (2021, 8, date(2023, 2, 28)),
        (2023, 8, date(2025, 2, 28)),
        (2021, 3, date(2022, 9, 30)),
        (2021, 18, date(2023, 12, 30)),
    ],
)
def test_how_long_a_participant_is_kept(year, months, until):
    assert retention.kept_until(year, months) == until


@given(year=st.integers(min_value=2000, max_value=2090), months=st.integers(0, 120))
def test_retention_always_ends_after_the_campaign_closes(year, months):
    until = retention.kept_until(year, months)
    assert until >= retention.campaign_closes(year) > date(year, 12, 31)
    assert (until.year - year - 1) * 12 + until.month - 6 == months


@pytest.fixture
def people(demo, db_session, as_user, frozen_clock):
    """Alma, 2024: Awa (born 1958) ticked at a session of March 2024; in 2026,
    Ben ticked at a session of March 2026 and Chloé registered, never ticked."""
    frozen_clock(date(2024, 3, 20))
    alma = demo.centre("alma")
    with as_user(ALMA_DIRECTOR):
        action = activity.save_action(
            db_session, alma, name="Café des parents (essai)", sector="parentalite"
        )
        activity.plan_sessions(
            db_session, action, first_day=date(2024, 3, 5), start=time(14), end=time(16), count=1
        )
        awa = activity.register_participant(
            db_session, action, display_name="Awa D.", consent=True, birth_year=1958
        )
        s2024 = activity.sessions_of(db_session, action)[0]
        activity.record_attendance(db_session, s2024, activity.Attendance(present_ids=(awa.id,)))
    frozen_clock(date(2026, 3, 20))
    with as_user(ALMA_DIRECTOR):
        activity.plan_sessions(
            db_session, action, first_day=date(2026, 3, 3), start=time(14), end=time(16), count=1
        )
        ben = activity.register_participant(db_session, action, display_name="Ben K.", consent=True)
        chloe = activity.register_participant(
            db_session, action, display_name="Chloé M.", consent=True, age_band="18-25"
        )
        s2026 = activity.sessions_of(db_session, action)[1]
        activity.record_attendance(
            db_session, s2026, activity.Attendance(participants=4, present_ids=(ben.id,))
        )
        db_session.flush()
        return {"awa": awa.id, "ben": ben.id, "chloe": chloe.id, "action": action.id}


def _state(db_session, ids):
    return {
        name: (p.display_name, p.birth_year, p.age_band, p.anonymised_at is not None)
        for name, p in (
            (n, db_session.get(Participant, i)) for n, i in ids.items() if n != "action"
        )
    }


def test_the_task_anonymises_exactly_those_whose_retention_ended_and_only_once(
    demo, db_session, as_user, frozen_clock, people
):
    from ensemble.activity.tasks import apply_retention

    frozen_clock(date(2026, 6, 30))  # Awa's last day (2024 campaign closed 30 June 2025)
    assert apply_retention.run() == 0
    frozen_clock(date(2026, 7, 1))
    assert apply_retention.run() == 1
    assert apply_retention.run() == 0
    with as_user(ALMA_STAFF):
        db_session.expire_all()
        assert _state(db_session, people) == {
            "awa": ("", None, "60+", True),  # 66 in 2024: the band is kept, the year goes
            "ben": ("Ben K.", None, "", False),
            "chloe": ("Chloé M.", None, "18-25", False),
        }
        # Counts do not change: one person at each session, two different people.
        mine = [people["awa"], people["ben"], people["chloe"]]
        assert (
            db_session.scalar(
                select(func.count(func.distinct(Presence.participant_id))).where(
                    Presence.participant_id.in_(mine)
                )
            )
            == 2
        )
        assert [
            p.display_name
            for p in activity.registered(db_session, db_session.get(Action, people["action"]))
        ] == ["Ben K.", "Chloé M."]
    with as_user(ALMA_DIRECTOR):
        changes = db_session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.UPDATE,
                AuditEntry.object_type == "activity_participants",
                AuditEntry.object_id.in_([people["awa"], people["ben"], people["chloe"]]),
            )
        ).all()
        assert [c.object_id for c in changes] == [people["awa"]]
        assert "display_name" in changes[0].details["fields"]
    frozen_clock(date(2028, 7, 1))  # the 2026 campaign closed 30 June 2027, plus a year
    assert apply_retention.run() == 2
    with as_user(ALMA_STAFF):
        db_session.expire_all()
        assert {v[3] for v in _state(db_session, people).values()} == {True}


def test_the_retention_follows_the_configuration(app, db_session, frozen_clock, people, as_user):
    frozen_clock(date(2026, 7, 1))
    app.config["ACTIVITY_RETENTION_MONTHS"] = 24
    try:
        with as_user(ALMA_STAFF):
            assert (
                retention.anonymise_expired(
                    db_session, db_session.get(Action, people["action"]).centre_id
                )
                == []
            )
    finally:
        app.config.pop("ACTIVITY_RETENTION_MONTHS")


def test_beat_runs_the_retention_every_night(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["activity-retention-nightly"]["task"] == "ensemble.activity.apply_retention"
