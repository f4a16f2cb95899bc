"""Actions, sessions and attendance without HTTP: the rules of each operation,
sessions booked in the shared calendar with its rules, different people counted
once, and a bounded number of statements to record a session."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from posts.posts_support import build_officer_post
from sqlalchemy import func, select

from activity.conftest import ALMA_DIRECTOR, ALMA_STAFF, FRESNOY_DIRECTOR, OFFICER
from ensemble.activity import operations as activity
from ensemble.activity.models import Action, ActionSession, Presence
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Category, Event
from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal


def _sessions(db_session, action_id):
    return activity.sessions_of(db_session, db_session.get(Action, action_id))


# --- Actions -------------------------------------------------------------------------------


def test_an_action_belongs_to_a_sector_of_the_catalogue(demo, db_session, as_user):
    assert "parentalite" in activity.sectors()
    with as_user(ALMA_DIRECTOR):
        with pytest.raises(Refusal) as refused:
            activity.save_action(db_session, demo.centre("alma"), name="X", sector="cuisine")
        assert refused.value.field == "sector"


def test_two_actions_of_a_centre_never_share_a_name(demo, db_session, as_user, alma_action):
    with as_user(ALMA_DIRECTOR):
        with pytest.raises(Refusal) as refused:
            activity.save_action(
                db_session,
                demo.centre("alma"),
                name="  ateliers PARENTS-enfants   (essai) ",
                sector="parentalite",
            )
        assert refused.value.field == "name"


def test_an_action_points_only_at_agreements_of_its_centre(demo, db_session, as_user):
    """Echo's director cannot name Alma's officer post (Echo is no party to it)."""
    post = build_officer_post(demo, db_session)
    with as_user("karim.haddou@echo.demo"):
        with pytest.raises(Refusal) as refused:
            activity.save_action(
                db_session,
                demo.centre("echo"),
                name="Atelier numérique",
                sector="adultes_familles",
                post_agreement_id=post.agreement_id,
            )
        assert refused.value.field == "post_agreement_id"
    with as_user(FRESNOY_DIRECTOR):
        fresnoy = demo.centre("fresnoy-mackellerie")
        assert post.agreement_id in {a.id for a in activity.shared_posts(db_session, fresnoy)}
        action = activity.save_action(
            db_session,
            fresnoy,
            name="Atelier numérique",
            sector="adultes_familles",
            post_agreement_id=post.agreement_id,
        )
        assert action.post_agreement_id == post.agreement_id


# --- Sessions ------------------------------------------------------------------------------


def test_weekly_sessions_keep_their_local_time_across_the_clock_change(
    db_session, as_user, alma_action
):
    """Four Mondays from 2 March 2026: the clocks go forward on 29 March, the
    sessions stay at 14:00 in Paris (13:00 UTC before, 12:00 UTC after)."""
    sessions = _sessions(db_session, alma_action)
    assert [clock.paris(s.starts_at).strftime("%d/%m %H:%M") for s in sessions] == [
        "02/03 14:00",
        "09/03 14:00",
        "16/03 14:00",
        "23/03 14:00",
    ]
    with as_user(ALMA_DIRECTOR):
        action = db_session.get(Action, alma_action)
        later = activity.plan_sessions(
            db_session, action, first_day=date(2026, 3, 30), start=time(14), end=time(16), count=1
        )
    assert later.sessions[0].starts_at.astimezone(UTC).hour == 12


def test_a_session_is_never_planned_twice(db_session, as_user, alma_action):
    with as_user(ALMA_DIRECTOR):
        action = db_session.get(Action, alma_action)
        with pytest.raises(Refusal):
            activity.plan_sessions(
                db_session,
                action,
                first_day=date(2026, 3, 9),
                start=time(14),
                end=time(15),
                count=1,
            )
        for bad in ({"count": 0}, {"count": 61}, {"end": time(13)}):
            args = {"first_day": date(2026, 5, 4), "start": time(14), "end": time(16), "count": 2}
            with pytest.raises(Refusal):
                activity.plan_sessions(db_session, action, **{**args, **bad})
    assert len(_sessions(db_session, alma_action)) == 4


def _officer_action(demo, db_session, as_user):
    post = build_officer_post(demo, db_session)
    with as_user(OFFICER) as ctx:
        agenda.open_calendar(db_session, post.agreement_id, ctx.user_id)
    with as_user(FRESNOY_DIRECTOR):
        action = activity.save_action(
            db_session,
            demo.centre("fresnoy-mackellerie"),
            name="Atelier numérique du jeudi",
            sector="adultes_familles",
            place="Salle informatique",
            post_agreement_id=post.agreement_id,
        )
    return post, action.id


def test_an_action_of_a_shared_post_is_booked_in_its_holders_calendar(
    demo, db_session, as_user, frozen_clock
):
    frozen_clock(date(2026, 9, 1))
    post, action_id = _officer_action(demo, db_session, as_user)
    with as_user(FRESNOY_DIRECTOR):
        action = db_session.get(Action, action_id)
        planned = activity.plan_sessions(
            db_session, action, first_day=date(2026, 9, 3), start=time(9), end=time(11), count=5
        )
        sessions = planned.sessions
        assert len(sessions) == 5
        assert {s.calendar_event_id for s in sessions} != {None}
        assert {s.runner_user_id for s in sessions} == {demo.user(OFFICER).id}
        event = db_session.get(Event, sessions[0].calendar_event_id)
        assert event.title == "Atelier numérique du jeudi"
        assert event.centre_id == demo.centre("fresnoy-mackellerie").id
        assert event.rrule == "FREQ=WEEKLY;COUNT=5"
        assert [clock.paris(s.starts_at).day for s in sessions] == [3, 10, 17, 24, 1]


def test_the_calendar_refuses_a_session_that_clashes_and_nothing_is_planned(
    demo, db_session, as_user, frozen_clock
):
    frozen_clock(date(2026, 9, 1))
    post, action_id = _officer_action(demo, db_session, as_user)
    with as_user(OFFICER) as ctx:
        calendar = agenda.open_calendar(db_session, post.agreement_id, ctx.user_id)
        agenda.book(
            db_session,
            calendar,
            centre_id=demo.centre("alma").id,
            category=Category.MEETING,
            title="Réunion d’équipe",
            starts_local=datetime(2026, 9, 17, 10),
            ends_local=datetime(2026, 9, 17, 12),
        )
    with as_user(FRESNOY_DIRECTOR):
        action = db_session.get(Action, action_id)
        with pytest.raises(Refusal):
            activity.plan_sessions(
                db_session, action, first_day=date(2026, 9, 3), start=time(9), end=time(11), count=5
            )
        assert activity.sessions_of(db_session, action) == []


# --- Attendance ----------------------------------------------------------------------------


def _register(db_session, action, n, sex="femmes"):
    return [
        activity.register_participant(
            db_session,
            action,
            display_name=f"Personne {i}",
            consent=True,
            sex=sex,
            age_band="26-59",
        )
        for i in range(n)
    ]


def test_counts_by_breakdown_never_exceed_the_participants(db_session, as_user, alma_action):
    with as_user(ALMA_STAFF):
        first = _sessions(db_session, alma_action)[0]
        for bad, field in (
            ({"participants": 10, "women": 6, "men": 5}, "women"),
            ({"participants": 10, "age_0_17": 8, "age_26_59": 3}, "age_0_17"),
            ({"participants": 10_001}, "participants"),
            ({"participants": 3, "volunteer_hours": Decimal(2)}, "volunteers"),
            (
                {"participants": 3, "volunteers": 1, "volunteer_hours": Decimal(2001)},
                "volunteer_hours",
            ),
        ):
            with pytest.raises(Refusal) as refused:
                activity.record_attendance(db_session, first, activity.Attendance(**bad))
            assert refused.value.field == field, bad
        recorded = activity.record_attendance(
            db_session,
            first,
            activity.Attendance(
                participants=12,
                women=7,
                men=5,
                age_0_17=6,
                age_26_59=6,
                volunteers=2,
                volunteer_hours=Decimal("4.5"),
            ),
        )
        assert recorded.recorded_at is not None
        assert recorded.recorded_by_user_id is not None
        assert (recorded.participants, recorded.women, recorded.volunteer_hours) == (
            12,
            7,
            Decimal("4.5"),
        )


def test_a_session_that_has_not_begun_takes_no_attendance(db_session, as_user, alma_action):
    with as_user(ALMA_STAFF):
        last = _sessions(db_session, alma_action)[-1]  # Monday 23 March, after the clock
        with pytest.raises(Refusal):
            activity.record_attendance(db_session, last, activity.Attendance(participants=3))


def test_ticked_participants_are_people_of_the_actions_list(db_session, as_user, alma_action, demo):
    with as_user(ALMA_DIRECTOR):
        other = activity.save_action(
            db_session,
            demo.centre("alma"),
            name="Écrivains publics (essai)",
            sector="adultes_familles",
        )
        stranger = _register(db_session, other, 1)[0]
        action = db_session.get(Action, alma_action)
        mine = _register(db_session, action, 2)
        first = _sessions(db_session, alma_action)[0]
        with pytest.raises(Refusal) as refused:
            activity.record_attendance(
                db_session, first, activity.Attendance(present_ids=(mine[0].id, stranger.id))
            )
        assert refused.value.field == "present"
        with pytest.raises(Refusal) as refused:
            activity.record_attendance(
                db_session,
                first,
                activity.Attendance(participants=1, present_ids=(mine[0].id, mine[1].id)),
            )
        assert refused.value.field == "participants"
        # Without a number, the participants are those ticked.
        activity.record_attendance(
            db_session, first, activity.Attendance(present_ids=(mine[0].id, mine[1].id))
        )
        assert first.participants == 2


def test_different_people_are_counted_once_across_sessions(db_session, as_user, alma_action):
    """Three sessions, the same two people at each plus one newcomer at the last:
    seven participations, three different people; correcting a session replaces
    its presences instead of adding to them."""
    with as_user(ALMA_DIRECTOR):
        action = db_session.get(Action, alma_action)
        a, b, c = _register(db_session, action, 3)
        s1, s2, s3, _s4 = _sessions(db_session, alma_action)
        activity.record_attendance(db_session, s1, activity.Attendance(present_ids=(a.id, b.id)))
        activity.record_attendance(db_session, s2, activity.Attendance(present_ids=(a.id,)))
        activity.record_attendance(db_session, s2, activity.Attendance(present_ids=(a.id, b.id)))
        activity.record_attendance(
            db_session, s3, activity.Attendance(present_ids=(a.id, b.id, c.id))
        )
        participations = db_session.scalar(
            select(func.sum(ActionSession.participants)).where(ActionSession.action_id == action.id)
        )
        people = db_session.scalar(
            select(func.count(func.distinct(Presence.participant_id))).where(
                Presence.session_id.in_([s1.id, s2.id, s3.id])
            )
        )
        assert (participations, people) == (7, 3)


def test_recording_a_session_costs_the_same_statements_for_any_group(
    db_session, as_user, alma_action, count_queries
):
    """Ticking 1, 3 or 50 people, with counts and volunteers: the same statements
    (counted on the real engine), none of them per person; and the commit asks
    for one refresh of the centre's pre-fill, however many sessions it records."""
    from ensemble.celery_app import PENDING

    with as_user(ALMA_DIRECTOR):
        action = db_session.get(Action, alma_action)
        people = _register(db_session, action, 50)
        s1, s2, s3, _s4 = _sessions(db_session, alma_action)
        counts = []
        for act_session, group in ((s1, people[:1]), (s2, people[:3]), (s3, people)):
            with count_queries() as statements:
                activity.record_attendance(
                    db_session,
                    act_session,
                    activity.Attendance(
                        participants=len(group) + 2,
                        women=len(group),
                        volunteers=1,
                        volunteer_hours=Decimal(2),
                        present_ids=tuple(p.id for p in group),
                    ),
                )
                db_session.flush()
            counts.append(len(statements))
        recorded = db_session.scalar(
            select(func.count()).select_from(Presence).where(Presence.session_id == s3.id)
        )
        pending = [task for task in db_session.info.get(PENDING, []) if "prefill" in task[0]]
    assert recorded == 50
    assert counts[0] == counts[1] == counts[2]
    assert counts[2] <= 6
    assert pending == [("ensemble.activity.refresh_prefill", (action.centre_id, 2026), {})]


# --- Participants --------------------------------------------------------------------------


def test_a_participant_is_kept_only_with_their_consent(db_session, as_user, alma_action):
    with as_user(ALMA_STAFF):
        action = db_session.get(Action, alma_action)
        for bad, field in (
            ({"display_name": "Awa D.", "consent": False}, "consent"),
            ({"display_name": "   ", "consent": True}, "display_name"),
            ({"display_name": "Awa D.", "consent": True, "age_band": "12-14"}, "age_band"),
            ({"display_name": "Awa D.", "consent": True, "sex": "autre"}, "sex"),
            ({"display_name": "Awa D.", "consent": True, "birth_year": 2027}, "birth_year"),
        ):
            with pytest.raises(Refusal) as refused:
                activity.register_participant(db_session, action, **bad)
            assert refused.value.field == field
        awa = activity.register_participant(
            db_session, action, display_name=" Awa   D. ", consent=True, birth_year=1990
        )
        assert (awa.display_name, activity.band_of(awa, 2026)) == ("Awa D.", "26-59")
        assert [p.id for p in activity.registered(db_session, action)] == [awa.id]


def test_reading_the_list_of_participants_is_audited(db_session, as_user, alma_action):
    with as_user(ALMA_STAFF) as ctx:
        action = db_session.get(Action, alma_action)
        people = _register(db_session, action, 2)
        activity.read_participants(db_session, activity.registered(db_session, action))
    with as_user(ALMA_DIRECTOR):
        reads = db_session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.READ,
                AuditEntry.object_type == "activity_participants",
            )
        ).all()
        ids = {p.id for p in people}
        assert {(r.object_id, r.user_id) for r in reads if r.object_id in ids} == {
            (i, ctx.user_id) for i in ids
        }
        created = db_session.scalars(
            select(AuditEntry.object_id).where(
                AuditEntry.action == AuditAction.CREATE,
                AuditEntry.object_type == "activity_participants",
            )
        ).all()
        assert ids <= set(created)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    participants=st.integers(min_value=0, max_value=60),
    women=st.integers(min_value=0, max_value=60),
    men=st.integers(min_value=0, max_value=60),
)
def test_any_breakdown_is_either_recorded_whole_or_refused_whole(
    db_session, as_user, alma_action, participants, women, men
):
    with as_user(ALMA_STAFF):
        first = _sessions(db_session, alma_action)[0]
        before = (first.participants, first.women, first.men)
        nested = db_session.begin_nested()
        try:
            activity.record_attendance(
                db_session,
                first,
                activity.Attendance(participants=participants, women=women, men=men),
            )
        except Refusal:
            nested.rollback()
            db_session.expire(first)
            assert women + men > participants
            assert (first.participants, first.women, first.men) == before
        else:
            nested.rollback()
            db_session.expire(first)
            assert women + men <= participants


def test_sessions_to_record_count_days_from_midnight_in_paris(
    demo, db_session, as_user, alma_action, frozen_clock
):
    # Sessions on Mondays 2, 9, 16 and 23 March 2026 at 14:00. On Monday 30 March at
    # 20:00, « the last 14 days » start on 16 March at midnight: that afternoon's
    # session is listed although it began more than 14 × 24 hours ago.
    frozen_clock(datetime(2026, 3, 30, 20, 0, tzinfo=ZoneInfo("Europe/Paris")))
    with as_user(ALMA_DIRECTOR):
        listed = activity.to_record(db_session, demo.centre("alma"))
    days = [s.starts_at.astimezone(ZoneInfo("Europe/Paris")).date() for s in listed]
    assert days == [date(2026, 3, 16), date(2026, 3, 23)]
