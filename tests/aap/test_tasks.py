"""Deadline reminders: on the day an answer reaches 14, 7 or 2 days, one digest per
person (its directors, the writers of sections not yet approved) linking to « Mes
rubriques », never twice the same day; and the « Mes rubriques » page itself."""

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
    return [title for title, _body, _link in _notes(db_session, demo, email)]


def _notes(db_session, demo, email):
    with context.using(demo.context_of(email), db_session) as ctx:
        return db_session.execute(
            select(Notification.title, Notification.body, Notification.link).where(
                Notification.user_id == ctx.user_id
            )
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
    # One digest each: three directors for the answer, the writer for her section.
    assert first == 4
    assert remind("2027-03-17") == 0
    assert remind("2027-03-18") == 0  # same threshold: already reminded
    for email in (ECHO_DIRECTOR, FRESNOY_DIRECTOR, BASSE_MASURE_DIRECTOR):
        digests = [n for n in _notes(db_session, demo, email) if "vos rappels" in n[0]]
        assert len(digests) == 1, email
        title, body, link = digests[0]
        assert title == "Réponses communes : vos rappels du 17/03/2027"
        assert (
            "Réponse « Bien vieillir dans son quartier (essai) » : date limite le 31/03/2027"
            in (body)
        )
        assert link.endswith("/aap/mes-rubriques")
    staff = [n for n in _notes(db_session, demo, ECHO_STAFF) if "vos rappels" in n[0]]
    assert len(staff) == 1 and "Rubrique « " in staff[0][1]
    assert remind("2027-03-24") == 4  # 7 days before: the next digest
    assert remind("2027-03-24") == 0


def test_many_sections_of_one_answer_make_one_digest(app, db_session, demo, joint_answer):
    """A director got 12 e-mails for one answer in one run: now one, listing them."""
    remind = _task(app)
    assert remind("2027-03-17") == 3  # the three directors; nobody writes a section yet
    echo = [n for n in _notes(db_session, demo, ECHO_DIRECTOR) if "vos rappels" in n[0]]
    assert len(echo) == 1
    assert echo[0][1].count("Rubrique « ") == 11  # ECHO owns all eleven sections


def test_my_sections_lists_what_i_write_across_answers(app, db_session, demo, joint_answer):
    from conftest import sign_in

    other = build_answer(demo, db_session, deadline=date(2027, 2, 28))
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        for answer_id in (joint_answer.answer_id, other.answer_id):
            answer = load(db_session, answer_id)
            aap.assign_writer(db_session, answer.sections[2], demo.user(ECHO_STAFF).id)
    client = app.test_client()
    assert sign_in(client, ECHO_STAFF).status_code == 302
    page = client.get("/c/echo/aap/mes-rubriques").get_data(as_text=True)
    assert page.count("Ressources humaines") == 2
    assert "Relations avec" not in page  # not hers
    with context.using(demo.context_of(ECHO_STAFF), db_session) as ctx:
        mine = aap.my_sections(db_session, ctx.user_id)
        ours = {other.answer_id, joint_answer.answer_id}
        ids = [m.answer.id for m in mine if m.answer.id in ours]
        assert ids == [other.answer_id, joint_answer.answer_id]  # soonest deadline first


def test_no_reminder_for_a_submitted_answer_or_a_left_partner(app, db_session, demo):
    built = build_answer(demo, db_session, deadline=date(2027, 5, 10))
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        aap.remove_partner(db_session, load(db_session, built.answer_id), built.fresnoy_party_id)
    _task(app)("2027-05-08")
    assert not any(
        "vos rappels" in title and "10/05/2027" in body
        for title, body, _l in _notes(db_session, demo, FRESNOY_DIRECTOR)
    )
    assert any(
        "10/05/2027" in body for _t, body, _l in _notes(db_session, demo, BASSE_MASURE_DIRECTOR)
    )


def test_the_task_is_scheduled_every_morning(app):
    entry = app.extensions["celery"].conf.beat_schedule["aap-deadline-reminders"]
    assert entry["task"] == "ensemble.aap.send_deadline_reminders"
