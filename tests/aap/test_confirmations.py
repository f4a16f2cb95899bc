"""Confirmation before what cannot be undone: submitting, removing a partner and
leaving each go through a page that works without JavaScript and says what is
not finished; unapproved sections need an explicit tick, in the view and in the
operation."""

from __future__ import annotations

import pytest

from aap.aap_support import ECHO_DIRECTOR, FRESNOY_DIRECTOR, fill_answer, load
from ensemble.aap import operations as aap
from ensemble.aap.models import AnswerStatus, SectionStatus

from conftest import csrf_token, sign_in

ECHO = "/c/echo/aap"
FRESNOY = "/c/fresnoy-mackellerie/aap"


def _plain(response) -> str:
    """The page with its typographic spaces as plain ones, to read it as text."""
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\u00a0", " ")


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_submitting_with_unapproved_sections_needs_an_explicit_choice(
    demo, db_session, joint_answer, as_user
):
    fill_answer(demo, db_session, joint_answer)
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        with pytest.raises(aap.AapError, match="11 rubriques ne sont pas approuvées"):
            aap.submit(db_session, answer, ctx.user_id)
        for section in answer.sections:
            aap.set_section_status(db_session, section, SectionStatus.APPROVED)
        ready = aap.readiness(db_session, answer)
        assert ready.unapproved == [] and ready.empty == []
        assert not ready.budget_ready  # 20 000 € of charges, 19 000 € of income
        with pytest.raises(aap.AapError, match="pas équilibré"):
            aap.submit(db_session, answer, ctx.user_id)
        assert answer.status is AnswerStatus.DRAFT


def test_the_submit_page_lists_empty_sections_and_has_no_tick_once_all_approved(
    app, demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        for section in answer.sections:
            aap.set_section_status(db_session, section, SectionStatus.APPROVED)
    echo = _client(app, ECHO_DIRECTOR)
    page = echo.get(f"{ECHO}/reponses/{joint_answer.answer_id}/deposer")
    html = _plain(page)
    assert page.status_code == 200
    assert "11 rubriques sont vides" in html and "« Projet : objectifs »" in html
    assert "Le budget est vide" in html
    assert "acknowledge_0" not in html and "non approuvée" not in html
    # The answer page offers a link to this page, never a button that submits at once.
    answer_page = echo.get(f"{ECHO}/reponses/{joint_answer.answer_id}/").get_data(as_text=True)
    assert f'href="{ECHO}/reponses/{joint_answer.answer_id}/deposer"' in answer_page
    assert 'action="/c/echo/aap/reponses/' + str(joint_answer.answer_id) + '/deposer"' not in (
        answer_page
    )
    # A partner gets no such page.
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    assert fresnoy.get(f"{FRESNOY}/reponses/{joint_answer.answer_id}/deposer").status_code == 404


def test_leaving_goes_through_a_confirmation_page(app, demo, db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        actions = next(s for s in answer.sections if s.code == "actions")
        aap.set_section_owner(db_session, actions, joint_answer.fresnoy_party_id)
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/quitter"
    page = fresnoy.get(url)
    html = _plain(page)
    assert page.status_code == 200
    assert "Votre centre perd l’accès au dossier" in html
    assert "Sa rubrique revient au chef de file : « Projet : actions »." in html
    # The old one-click form (decision=leave on the participation route) is gone.
    token = csrf_token(fresnoy, url)
    old = fresnoy.post(
        f"{FRESNOY}/reponses/{joint_answer.answer_id}/participation",
        data={"csrf_token": token, "decision": "leave"},
    )
    assert old.status_code == 302
    with as_user(FRESNOY_DIRECTOR):
        assert load(db_session, joint_answer.answer_id) is not None
    left = fresnoy.post(url, data={"csrf_token": token})
    assert left.status_code == 302
    with as_user(FRESNOY_DIRECTOR):
        assert load(db_session, joint_answer.answer_id) is None
    # The lead has nothing to leave: a page that says so.
    echo = _client(app, ECHO_DIRECTOR)
    lead_page = echo.get(f"{ECHO}/reponses/{joint_answer.answer_id}/quitter")
    assert lead_page.status_code == 200
    assert "Le chef de file reste dans sa réponse" in lead_page.get_data(as_text=True)
