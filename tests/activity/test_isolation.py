"""Actions, sessions and participants in SQL, through the runtime role: the
members of the centre only. Another centre, a partner of the joint answer that
funds the action, the federation and a missing context read none of it and
write none of it; inside the centre, staff record attendance but neither plan
sessions nor move them."""

from __future__ import annotations

from decimal import Decimal

from aap.aap_support import ECHO_DIRECTOR as ANSWER_LEAD
from aap.aap_support import build_answer
from test_rls import refused, rows

from activity.conftest import (
    ALMA_DIRECTOR,
    ALMA_STAFF,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    NORD_ANALYST,
)
from ensemble.activity import operations as activity
from ensemble.activity import prefill
from ensemble.activity.models import Action

ISOLATED_TABLES = {
    "activity_actions",
    "activity_sessions",
    "activity_participants",
    "activity_registrations",
    "activity_presences",
    "activity_prefill",
    "activity_corrections",
}


def _count(session, table, centre_id):
    return rows(session, f"SELECT count(*) FROM {table} WHERE centre_id = :c", c=centre_id)[0][0]


def _with_attendance(db_session, as_user, action_id):
    with as_user(ALMA_STAFF):
        action = db_session.get(Action, action_id)
        awa = activity.register_participant(
            db_session, action, display_name="Awa D.", consent=True, sex="femmes"
        )
        first = activity.sessions_of(db_session, action)[0]
        activity.record_attendance(db_session, first, activity.Attendance(present_ids=(awa.id,)))
        db_session.flush()
    with as_user(ALMA_DIRECTOR):
        action = db_session.get(Action, action_id)
        action.people_indicator = "pa.adultes"
        prefill.refresh(db_session, [action.centre_id], 2026)
        prefill.correct(
            db_session, action.centre, 2026, "pa.adultes", "", Decimal(2), "Une mère non cochée"
        )
        db_session.flush()
        return awa.id, first.id


def test_only_the_centre_reads_its_actions_and_participants(demo, db_session, as_user, alma_action):
    _with_attendance(db_session, as_user, alma_action)
    alma = demo.centre("alma").id
    with as_user(ALMA_STAFF):
        for table in ISOLATED_TABLES:
            assert _count(db_session, table, alma) > 0, table
    for outsider in (ECHO_DIRECTOR, FRESNOY_DIRECTOR, NORD_ANALYST):
        with as_user(outsider):
            for table in ISOLATED_TABLES:
                assert _count(db_session, table, alma) == 0, (outsider, table)
    for table in ISOLATED_TABLES:
        assert _count(db_session, table, alma) == 0, table  # no context at all


def test_a_partner_of_the_funding_answer_never_reads_a_participant(
    demo, db_session, as_user, frozen_clock
):
    """Fresnoy's action is funded by the joint answer Echo leads: Echo still sees
    none of Fresnoy's actions, sessions or participants."""
    answer = build_answer(demo, db_session)
    fresnoy = demo.centre("fresnoy-mackellerie")
    with as_user(FRESNOY_DIRECTOR):
        assert answer.agreement_id in {a.id for a in activity.joint_answers(db_session, fresnoy)}
        action = activity.save_action(
            db_session,
            fresnoy,
            name="Bien vieillir : marche du mardi",
            sector="adultes_familles",
            funding_agreement_id=answer.agreement_id,
        )
        activity.register_participant(db_session, action, display_name="René P.", consent=True)
        db_session.flush()
    with as_user(ANSWER_LEAD):
        for table in ISOLATED_TABLES:
            assert _count(db_session, table, fresnoy.id) == 0, table
        assert refused(
            db_session,
            "UPDATE activity_participants SET display_name = 'x' WHERE centre_id = :c",
            c=fresnoy.id,
        ) or not rows(
            db_session,
            "UPDATE activity_participants SET display_name = 'x' WHERE centre_id = :c RETURNING id",
            c=fresnoy.id,
        )


def test_another_centre_writes_nothing_of_alma(demo, db_session, as_user, alma_action):
    participant_id, session_id = _with_attendance(db_session, as_user, alma_action)
    alma = demo.centre("alma").id
    with as_user(ALMA_STAFF):
        presences = _count(db_session, "activity_presences", alma)
    with as_user(ECHO_DIRECTOR):
        assert refused(
            db_session,
            "INSERT INTO activity_actions (centre_id, name, sector, public, place)"
            " VALUES (:c, 'Intrus', 'jeunesse', '', '')",
            c=alma,
        )
        assert refused(
            db_session,
            "INSERT INTO activity_participants (centre_id, display_name, age_band, sex, consent)"
            " VALUES (:c, 'Intrus', '', '', true)",
            c=alma,
        )
        assert refused(
            db_session,
            "INSERT INTO activity_presences (centre_id, session_id, participant_id)"
            " VALUES (:c, :s, :p)",
            c=alma,
            s=session_id,
            p=participant_id,
        )
        for table in ("activity_participants", "activity_sessions", "activity_presences"):
            assert (
                rows(db_session, f"DELETE FROM {table} WHERE centre_id = :c RETURNING id", c=alma)
                == []
            )
        assert (
            rows(
                db_session,
                "UPDATE activity_sessions SET participants = 99, recorded_at = now()"
                " WHERE centre_id = :c RETURNING id",
                c=alma,
            )
            == []
        )
    with as_user(ALMA_STAFF):
        assert _count(db_session, "activity_presences", alma) == presences


def test_staff_record_attendance_but_do_not_plan_or_move_sessions(
    demo, db_session, as_user, alma_action
):
    alma = demo.centre("alma").id
    with as_user(ALMA_STAFF) as ctx:
        action = db_session.get(Action, alma_action)
        first = activity.sessions_of(db_session, action)[0]
        assert refused(
            db_session,
            "INSERT INTO activity_actions (centre_id, name, sector, public, place)"
            " VALUES (:c, 'Sans directeur', 'jeunesse', '', '')",
            c=alma,
        )
        assert refused(
            db_session,
            "INSERT INTO activity_sessions (centre_id, action_id, starts_at, ends_at)"
            " VALUES (:c, :a, now(), now() + interval '1 hour')",
            c=alma,
            a=alma_action,
        )
        assert refused(
            db_session,
            "UPDATE activity_sessions SET starts_at = starts_at + interval '1 day' WHERE id = :i",
            i=first.id,
        )
        # Attendance is recorded as oneself, never in a colleague's name.
        director = demo.user(ALMA_DIRECTOR).id
        assert refused(
            db_session,
            "UPDATE activity_sessions SET participants = 3, recorded_at = now(),"
            " recorded_by_user_id = :d WHERE id = :i",
            d=director,
            i=first.id,
        )
        assert rows(
            db_session,
            "UPDATE activity_sessions SET participants = 3, recorded_at = now(),"
            " recorded_by_user_id = :u WHERE id = :i RETURNING id",
            u=ctx.user_id,
            i=first.id,
        ) == [(first.id,)]
        assert refused(
            db_session, "UPDATE activity_participants SET centre_id = :c", c=demo.centre("echo").id
        )


def test_an_action_cannot_be_pointed_at_another_centres_agreement(
    demo, db_session, as_user, alma_action
):
    answer = build_answer(demo, db_session)  # Echo, Fresnoy and Basse Masure; not Alma
    with as_user(ALMA_DIRECTOR):
        assert refused(
            db_session,
            "UPDATE activity_actions SET funding_agreement_id = :a WHERE id = :i",
            a=answer.agreement_id,
            i=alma_action,
        )
