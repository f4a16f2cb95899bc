"""What a call's changes and its deadline do to the answers (issue 12, second red team):

- a submitted answer keeps the call as it was at submission (its publisher may correct
  the call; the dossier the funder holds does not change, the database refuses to
  rewrite the copy), and the leads of answers being written are told what changed;
- a call cannot be published, nor moved, into the past; an answer cannot be started
  on a closed call nor twice by the same centre (a tampered form: 422, in French);
- submitting after the deadline is possible (some funders accept a late file) but
  only by an explicit choice on the confirmation page, which says the deadline passed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import exc, func, select, update

from aap.aap_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    fill_answer,
    load,
    submit_filled,
)
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AapCall, AapCallLead, AnswerStatus, CallTerms, Funder
from ensemble.kernel import clock
from ensemble.notifications.models import Notification
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

ECHO = "/c/echo/aap"


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _plain(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\u00a0", " ")


def _balance(demo, session, joint_answer) -> None:
    """`fill_answer` and Fresnoy's 1 000 € of income: the budget balances."""
    fill_answer(demo, session, joint_answer)
    with context.using(demo.context_of(FRESNOY_DIRECTOR), session):
        aap.add_budget_line(
            session,
            load(session, joint_answer.answer_id),
            demo.centre("fresnoy-mackellerie"),
            account="70",
            label="Participation des familles",
            amount=Decimal("1000"),
        )


def test_a_submitted_answer_keeps_the_call_as_it_was(demo, db_session, joint_answer, as_user):
    submit_filled(demo, db_session, joint_answer)
    as_submitted = CallTerms(
        funder=Funder.DEPARTEMENT,
        title="Bien vieillir dans son quartier (essai)",
        link="https://lenord.fr/aap-bien-vieillir",
        theme="Vieillissement",
        deadline=date(2027, 3, 31),
        envelope=Decimal("150000.00"),
        eligibility="",
    )
    with as_user(ECHO_DIRECTOR):
        call = db_session.get(AapCall, joint_answer.call_id)
        aap.update_call(
            db_session,
            call,
            funder=Funder.CAF,
            title="Appel réécrit",
            deadline=clock.today() + timedelta(days=3),
            envelope=Decimal("1"),
        )
        db_session.expire_all()
        answer = load(db_session, joint_answer.answer_id)
        assert answer.call.title == "Appel réécrit"
        assert answer.terms == as_submitted
        # The decision is bounded by the envelope the dossier was submitted under.
        aap.record_outcome(
            db_session, answer, granted=True, amount=Decimal("7500"), on=clock.today()
        )
        # The copy is written once: the database refuses to rewrite it.
        rewrite = (
            update(AapAnswer)
            .where(AapAnswer.id == joint_answer.answer_id)
            .values(call_as_submitted={**as_submitted.as_json(), "title": "Autre"})
        )
        with (
            pytest.raises(exc.DBAPIError, match="keeps its call as submitted"),
            db_session.begin_nested(),
        ):
            db_session.execute(rewrite)
    with as_user(FRESNOY_DIRECTOR):
        assert load(db_session, joint_answer.answer_id).terms == as_submitted


def test_the_leads_of_answers_being_written_hear_of_a_call_change(demo, db_session, as_user):
    today = clock.today()
    with as_user(ALMA_DIRECTOR):
        call = aap.create_call(
            db_session,
            demo.centre("alma"),
            funder=Funder.REGION,
            title="Numérique pour tous",
            deadline=today + timedelta(days=60),
        )
        call_id = call.id
    with as_user(ECHO_DIRECTOR):
        answer_id = aap.create_answer(
            db_session, db_session.get(AapCall, call_id), demo.centre("echo")
        ).id
    with as_user(ALMA_DIRECTOR):
        aap.update_call(
            db_session,
            db_session.get(AapCall, call_id),
            funder=Funder.REGION,
            title="Numérique pour tous",
            deadline=today + timedelta(days=30),
            envelope=Decimal("1000"),
        )
    with as_user(ECHO_DIRECTOR) as ctx:
        told = db_session.execute(
            select(Notification.title, Notification.body, Notification.link).where(
                Notification.user_id == ctx.user_id,
                Notification.title == "Appel à projets modifié : « Numérique pour tous »",
            )
        ).all()
        assert len(told) == 1
        assert "date limite, enveloppe" in told[0].body and "intitulé" not in told[0].body
        assert told[0].link == f"/c/echo/aap/reponses/{answer_id}/"
        # The answer being written follows the call.
        assert load(db_session, answer_id).terms.deadline == today + timedelta(days=30)
    # Nobody else's directors are told (Basse Masure leads nothing here).
    with as_user(BASSE_MASURE_DIRECTOR) as ctx:
        assert not db_session.scalar(
            select(func.count()).where(
                Notification.user_id == ctx.user_id,
                Notification.title.like("Appel à projets modifié%"),
            )
        )


def test_a_call_is_neither_published_nor_moved_into_the_past(
    app, demo, db_session, as_user, frozen_clock
):
    today = clock.today()
    with as_user(ALMA_DIRECTOR):
        with pytest.raises(aap.AapError, match="date limite est passée") as refused:
            aap.create_call(
                db_session,
                demo.centre("alma"),
                funder=Funder.CAF,
                title="Trop tard",
                deadline=today - timedelta(days=1),
            )
        assert refused.value.field == "deadline"
        call = aap.create_call(
            db_session, demo.centre("alma"), funder=Funder.CAF, title="À temps", deadline=today
        )
        with pytest.raises(aap.AapError, match="date limite est passée"):
            aap.update_call(
                db_session,
                call,
                funder=Funder.CAF,
                title="À temps",
                deadline=today - timedelta(days=2),
            )
    # Once its deadline has passed, the call may still be corrected (a link, a typo).
    frozen_clock(today + timedelta(days=5))
    with as_user(ALMA_DIRECTOR):
        aap.update_call(
            db_session,
            call,
            funder=Funder.CAF,
            title="À temps",
            deadline=today,
            link="https://caf.fr/aap",
        )
        assert call.link == "https://caf.fr/aap"
    # The form says it on the field, 422.
    client = _client(app, ECHO_DIRECTOR)
    token = csrf_token(client, f"{ECHO}/appels/nouveau")
    response = client.post(
        f"{ECHO}/appels/nouveau",
        data={
            "csrf_token": token,
            "title": "Hier",
            "funder": "caf",
            "deadline": (clock.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "La date limite est passée" in _plain(response)


def test_a_tampered_form_starts_no_answer_on_a_closed_call_nor_a_second_one(
    app, demo, db_session, joint_answer, as_user, frozen_clock
):
    today = clock.today()
    with as_user(ALMA_DIRECTOR):
        closing = aap.create_call(
            db_session,
            demo.centre("alma"),
            funder=Funder.CAF,
            title="Bientôt clos",
            deadline=today + timedelta(days=2),
        ).id

    def leads(call_id):
        with as_user(ALMA_DIRECTOR):
            return db_session.scalar(
                select(func.count()).where(
                    AapCallLead.call_id == call_id,
                    AapCallLead.centre_id == demo.centre("echo").id,
                )
            )

    client = _client(app, ECHO_DIRECTOR)
    token = csrf_token(client, f"{ECHO}/")
    # ECHO already leads the answer to joint_answer's call: no second one.
    second = client.post(
        f"{ECHO}/reponses/nouvelle", data={"csrf_token": token, "call_id": joint_answer.call_id}
    )
    assert second.status_code == 422
    assert "déjà chef de file d’une réponse à cet appel" in _plain(second)
    assert leads(joint_answer.call_id) == 1
    # A call whose deadline has passed (no longer listed; the hidden id says it).
    frozen_clock(today + timedelta(days=3))
    closed = client.post(
        f"{ECHO}/reponses/nouvelle", data={"csrf_token": token, "call_id": closing}
    )
    assert closed.status_code == 422
    assert "La date limite de cet appel est passée" in _plain(closed)
    assert leads(closing) == 0


def test_submitting_late_is_an_explicit_choice(
    app, demo, db_session, joint_answer, as_user, frozen_clock
):
    _balance(demo, db_session, joint_answer)
    frozen_clock(date(2027, 4, 2))  # the call closed on 31 March 2027
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        with pytest.raises(aap.AapError, match="date limite de dépôt est passée"):
            aap.submit(db_session, answer, ctx.user_id, despite_unapproved=True)
        assert answer.status is AnswerStatus.DRAFT
    client = _client(app, ECHO_DIRECTOR)
    url = f"{ECHO}/reponses/{joint_answer.answer_id}/deposer"
    page = client.get(url)
    html = _plain(page)
    assert "La date limite de dépôt est passée (le 31/03/2027)" in html
    assert "Je dépose après la date limite du 31/03/2027" in html
    assert 'name="acknowledge_1"' in html
    token = csrf_token(client, url)
    # The unapproved sections ticked, not the late submission: nothing happens.
    refused = client.post(url, data={"csrf_token": token, "acknowledge_0": "y"})
    assert refused.status_code == 422
    with as_user(ECHO_DIRECTOR):
        assert load(db_session, joint_answer.answer_id).status is AnswerStatus.DRAFT
    done = client.post(url, data={"csrf_token": token, "acknowledge_0": "y", "acknowledge_1": "y"})
    assert done.status_code == 302
    with as_user(ECHO_DIRECTOR):
        assert load(db_session, joint_answer.answer_id).status is AnswerStatus.SUBMITTED
