"""Deadline reminders: sent at 14, 7 and 2 days, to the parties' directors and
for sections not yet approved, and never twice for the same reminder."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

import ensemble.aap.tasks  # noqa: F401  (registers the task, as the worker's `include` does)
from aap.aap_support import (
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    ECHO_STAFF,
    FRESNOY_DIRECTOR,
    build_answer,
    load,
)
from ensemble.aap import operations as aap
from ensemble.aap.models import SectionStatus
from ensemble.aap.tasks import threshold_for
from ensemble.notifications.models import Notification
from ensemble.tenancy import context

DEADLINE = date(2027, 3, 31)


def _task(app):
    return app.extensions["celery"].tasks["ensemble.aap.send_deadline_reminders"]


def _titles(db_session, demo, email):
    with context.using(demo.context_of(email), db_session) as ctx:
        return db_session.scalars(
            select(Notification.title).where(Notification.user_id == ctx.user_id)
        ).all()


def test_thresholds():
    assert [threshold_for(d) for d in (20, 15, 14, 8, 7, 3, 2, 1, 0, -1)] == [
        None,
        None,
        14,
        14,
        7,
        7,
        2,
        2,
        2,
        None,
    ]


def test_the_beat_task_run_twice_in_a_day_sends_each_reminder_once(
    app, db_session, demo, joint_answer
):
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        answer = load(db_session, joint_answer.answer_id)
        for section in answer.sections[1:]:
            aap.set_section_status(db_session, section, SectionStatus.APPROVED)
        aap.assign_writer(db_session, answer.sections[0], demo.user(ECHO_STAFF).id)
    remind = _task(app)
    assert remind("2027-03-01") == 0  # 30 days before: nothing due
    first = remind("2027-03-17")  # 14 days before
    # Three directors for the answer, the writer for the one section not approved.
    assert first == 4
    assert remind("2027-03-17") == 0
    assert remind("2027-03-18") == 0  # same threshold: already sent
    for email in (ECHO_DIRECTOR, FRESNOY_DIRECTOR, BASSE_MASURE_DIRECTOR):
        titles = _titles(db_session, demo, email)
        assert (
            titles.count(
                "Réponse « Bien vieillir dans son quartier (essai) » : date limite le 31/03/2027"
            )
            == 1
        ), email
    assert any("Rubrique « " in t for t in _titles(db_session, demo, ECHO_STAFF))
    assert remind("2027-03-24") == 4  # 7 days before: the next reminder
    assert remind("2027-03-24") == 0


def test_no_reminder_for_a_submitted_answer_or_a_left_partner(app, db_session, demo):
    built = build_answer(demo, db_session, deadline=date(2027, 5, 10))
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        aap.remove_partner(db_session, load(db_session, built.answer_id), built.fresnoy_party_id)
    _task(app)("2027-05-08")
    assert not any(
        "2027" in t and "10/05/2027" in t for t in _titles(db_session, demo, FRESNOY_DIRECTOR)
    )
    assert any("10/05/2027" in t for t in _titles(db_session, demo, BASSE_MASURE_DIRECTOR))


def test_the_task_is_scheduled_every_morning(app):
    entry = app.extensions["celery"].conf.beat_schedule["aap-deadline-reminders"]
    assert entry["task"] == "ensemble.aap.send_deadline_reminders"
