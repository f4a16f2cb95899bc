"""Every notification that waits for someone (issue 13), one row of a table each:
created once for its recipient, its link answers 200 to the recipient and 404 to
anyone else, and it is marked read when the object is handled (not only when
clicked).

Each row's `make` does what the platform does (an operation under the actor's
context) and returns the recipient, the subject and how the object gets handled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from aap.aap_support import ECHO_DIRECTOR, ECHO_STAFF, build_answer, load
from posts.posts_support import (
    ALMA_DIRECTOR,
    FRESNOY_DIRECTOR,
    HR_MANAGER,
    MONTREUIL_DIRECTOR,
    OFFICER,
    build_officer_post,
    load_post,
)
from sqlalchemy import select

from ensemble.aap import operations as aap
from ensemble.aap.operations import people as aap_people
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Request
from ensemble.agenda.operations import requests as agenda_requests
from ensemble.hr import notices as hr_notices
from ensemble.hr import operations as hr
from ensemble.hr.models import DueItem, DueKind, StaffMember
from ensemble.kernel import clock
from ensemble.notifications.models import Notification
from ensemble.posts import operations as posts
from ensemble.posts.operations import notices as post_notices
from ensemble.reporting import notices
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

from conftest import sign_in

ANALYST = "paul.verhaeghe@federation-nord.demo"
BASSE_MASURE_DIRECTOR = "aicha.ouali@bassemasure.demo"
STRANGER = MONTREUIL_DIRECTOR  # another federation: none of these objects is hers
YEAR = 2024


@dataclass
class Waiting:
    recipient: str
    subject: str
    handle: Callable[[], None]


def _as(demo, session, email):
    return context.using(demo.context_of(email), session)


# --- Calendar requests ------------------------------------------------------------------


def _ask(demo, session, day: int) -> int:
    post = build_officer_post(demo, session)
    with _as(demo, session, OFFICER):
        calendar = agenda.open_calendar(session, post.agreement_id, demo.user(OFFICER).id)
    with _as(demo, session, FRESNOY_DIRECTOR):
        return agenda.ask(
            session,
            session.get_one(Calendar, calendar.id),
            demo.centre("fresnoy-mackellerie"),
            title="Atelier tablettes",
            category=Category.WORKSHOP,
            starts_local=datetime(2029, 3, day, 9),
            ends_local=datetime(2029, 3, day, 11),
        ).id


def slot_request(demo, session, client_of) -> Waiting:
    request_id = _ask(demo, session, 6)

    def handle():
        with _as(demo, session, OFFICER):
            agenda.decline(session, session.get_one(Request, request_id), "Indisponible ce jour")

    return Waiting(OFFICER, agenda_requests.asked_subject(request_id), handle)


def slot_proposal(demo, session, client_of) -> Waiting:
    request_id = _ask(demo, session, 7)
    with _as(demo, session, OFFICER):
        agenda.propose(
            session,
            session.get_one(Request, request_id),
            datetime(2029, 3, 8, 14),
            datetime(2029, 3, 8, 16),
        )

    def handle():
        with _as(demo, session, FRESNOY_DIRECTOR):
            agenda.take_proposal(session, session.get_one(Request, request_id))

    return Waiting(FRESNOY_DIRECTOR, agenda_requests.proposal_subject(request_id), handle)


def slot_answer(demo, session, client_of) -> Waiting:
    request_id = _ask(demo, session, 13)
    with _as(demo, session, OFFICER):
        agenda.decline(session, session.get_one(Request, request_id), "Déjà pris")

    def handle():  # the requester reads the answer on the request's page
        page = f"/c/fresnoy-mackellerie/agenda/demandes/{request_id}"
        assert client_of(FRESNOY_DIRECTOR).get(page).status_code == 200

    return Waiting(FRESNOY_DIRECTOR, agenda_requests.answer_subject(request_id), handle)


# --- Federation reporting ---------------------------------------------------------------


def _submitted(demo, session) -> int:
    centre = demo.centre("basse-masure")
    with _as(demo, session, BASSE_MASURE_DIRECTOR):
        declaration = reporting.declaration_for(session, centre, YEAR)
        if declaration.status in reporting.EDITABLE:
            reporting.set_values(session, declaration, {("pe.enfants", ""): Decimal(30)})
            assert reporting.submit(session, declaration) == []
        return declaration.id


def declaration_submitted(demo, session, client_of) -> Waiting:
    declaration_id = _submitted(demo, session)

    def handle():
        with _as(demo, session, ANALYST):
            reporting.validate(session, session.get_one(Declaration, declaration_id))

    return Waiting(ANALYST, notices.review_subject(declaration_id), handle)


def declaration_returned(demo, session, client_of) -> Waiting:
    declaration_id = _submitted(demo, session)
    with _as(demo, session, ANALYST):
        reporting.return_with_question(
            session,
            session.get_one(Declaration, declaration_id),
            demo.user(ANALYST).id,
            "Le nombre d’enfants a doublé : est-ce juste ?",
        )

    def handle():
        with _as(demo, session, BASSE_MASURE_DIRECTOR):
            assert reporting.submit(session, session.get_one(Declaration, declaration_id)) == []

    centre_id = demo.centre("basse-masure").id
    return Waiting(BASSE_MASURE_DIRECTOR, notices.centre_subject(centre_id, YEAR), handle)


def question_answered(demo, session, client_of) -> Waiting:
    declaration_id = _submitted(demo, session)
    with _as(demo, session, ANALYST):
        reporting.return_with_question(
            session,
            session.get_one(Declaration, declaration_id),
            demo.user(ANALYST).id,
            "Pourquoi ce chiffre ?",
        )
    with _as(demo, session, BASSE_MASURE_DIRECTOR):
        declaration = session.get_one(Declaration, declaration_id)
        reporting.post_message(
            session,
            declaration,
            demo.user(BASSE_MASURE_DIRECTOR).id,
            reporting.Side.CENTRE,
            "Une crèche a ouvert.",
        )

    def handle():  # the centre submits again, the analyst validates
        with _as(demo, session, BASSE_MASURE_DIRECTOR):
            assert reporting.submit(session, session.get_one(Declaration, declaration_id)) == []
        with _as(demo, session, ANALYST):
            reporting.validate(session, session.get_one(Declaration, declaration_id))

    return Waiting(ANALYST, notices.review_subject(declaration_id), handle)


# --- Joint answers ----------------------------------------------------------------------


def invitation(demo, session, client_of) -> Waiting:
    answer = build_answer(demo, session, accept=False)

    def handle():
        with _as(demo, session, FRESNOY_DIRECTOR):
            aap.respond(
                session,
                load(session, answer.answer_id),
                demo.centre("fresnoy-mackellerie"),
                accept=True,
            )

    return Waiting(FRESNOY_DIRECTOR, aap_people.invitation_subject(answer.fresnoy_party_id), handle)


def _first_section(session, answer_id: int):
    return load(session, answer_id).sections[0]


def section_assigned(demo, session, client_of) -> Waiting:
    answer = build_answer(demo, session)
    staff = demo.user(ECHO_STAFF)
    with _as(demo, session, ECHO_DIRECTOR):
        section = _first_section(session, answer.answer_id)
        aap.assign_writer(session, section, staff.id)
        section_id = section.id

    def handle():
        with _as(demo, session, ECHO_STAFF):
            section = _first_section(session, answer.answer_id)
            aap.save_section(
                session,
                section,
                base_version=section.current_version,
                body="<p>Notre association…</p>",
                author_id=staff.id,
            )

    return Waiting(ECHO_STAFF, aap_people.section_subject(section_id), handle)


def comment(demo, session, client_of) -> Waiting:
    answer = build_answer(demo, session)
    with _as(demo, session, FRESNOY_DIRECTOR):
        section = _first_section(session, answer.answer_id)
        thread = aap.add_comment(
            session,
            section,
            author=demo.user(FRESNOY_DIRECTOR),
            body="Peut-on ajouter nos ateliers ?",
        )
        thread_id = thread.id

    def handle():
        with _as(demo, session, ECHO_DIRECTOR):
            section = _first_section(session, answer.answer_id)
            root = next(c for c, _ in aap.comments(session, section) if c.id == thread_id)
            aap.resolve_comment(session, root, demo.user(ECHO_DIRECTOR).id)

    return Waiting(ECHO_DIRECTOR, aap_people.thread_subject(thread_id), handle)


# --- Shared posts -----------------------------------------------------------------------


def statement_issued(demo, session, client_of) -> Waiting:
    post = build_officer_post(demo, session)
    with _as(demo, session, ALMA_DIRECTOR):
        shared = load_post(session, post.post_id)
        statement = posts.issue_statement(session, shared, date(2026, 3, 1))
        fresnoy = next(
            p
            for p in posts.visible_parties(shared)
            if p.centre_id == demo.centre("fresnoy-mackellerie").id
        )
        ids = (statement.id, fresnoy.id)

    def handle():  # a director of the host centre opens the statement
        page = f"/c/fresnoy-mackellerie/postes/{post.post_id}/etats/{ids[0]}"
        assert client_of(FRESNOY_DIRECTOR).get(page).status_code == 200

    return Waiting(FRESNOY_DIRECTOR, post_notices.statement_subject(*ids), handle)


# --- HR due dates ------------------------------------------------------------------------


def hr_due_date(demo, session, client_of) -> Waiting:
    """A health visit due in ten days: the HR managers are told; recording the visit
    moves the date (the item is handled)."""
    employer = demo.employer("association-alma")
    with context.using(context.system_context(employer_ids=[employer.id]), session):
        item = session.scalar(
            select(DueItem)
            .where(DueItem.employer_id == employer.id, DueItem.kind == DueKind.HEALTH_VISIT)
            .order_by(DueItem.due_on.desc(), DueItem.id)
        )
        assert item is not None, "the demo has a health visit to come at Alma"
        item_id, member_id, today = item.id, item.staff_member_id, item.due_on - timedelta(days=10)
    clock.freeze(today)
    with context.using(context.system_context(employer_ids=[employer.id]), session):
        assert hr_notices.warn_due(session, employer.id, today) >= 1
        assert hr_notices.warn_due(session, employer.id, today) == 0  # once per threshold

    def handle():
        with _as(demo, session, HR_MANAGER), hr.employer_scope(session, employer.id):
            member = session.get_one(StaffMember, member_id)
            data = dataclasses.replace(hr.staff_data(member), last_health_visit_on=today)
            hr.update_staff_member(session, member, data, today)

    return Waiting(HR_MANAGER, hr_notices.due_subject(item_id), handle)


KINDS = [
    slot_request,
    slot_proposal,
    slot_answer,
    declaration_submitted,
    declaration_returned,
    question_answered,
    invitation,
    section_assigned,
    comment,
    statement_issued,
    hr_due_date,
]


def _unread(session, user_id: int, subject: str) -> list[Notification]:
    session.expire_all()
    with context.using(TenantContext(user_id=user_id), session):
        return list(
            session.scalars(
                select(Notification).where(
                    Notification.user_id == user_id,
                    Notification.subject == subject,
                    Notification.read_at.is_(None),
                )
            )
        )


@pytest.mark.parametrize("make", KINDS, ids=[k.__name__ for k in KINDS])
def test_each_waiting_notification_leads_to_its_object_and_ends_when_handled(
    app, demo, db_session, make
):
    clients: dict[str, object] = {}

    def client_of(email):
        if email not in clients:
            clients[email] = app.test_client()
            sign_in(clients[email], email)
        return clients[email]

    waiting = make(demo, db_session, client_of)
    db_session.flush()
    recipient = demo.user(waiting.recipient)
    [row] = _unread(db_session, recipient.id, waiting.subject)  # created once
    assert row.link.startswith("/")
    assert client_of(waiting.recipient).get(row.link).status_code == 200
    assert client_of(STRANGER).get(row.link).status_code == 404
    try:
        waiting.handle()
    finally:
        clock.unfreeze()
    db_session.flush()
    assert _unread(db_session, recipient.id, waiting.subject) == [], "handled, yet unread"
