"""Presence: a section shows who else has it open now, and forgets them a minute
after their page stops asking."""

from __future__ import annotations

from datetime import timedelta

from aap.aap_support import ECHO_DIRECTOR, FRESNOY_DIRECTOR, load
from ensemble.aap import operations as aap
from ensemble.aap import presence
from ensemble.kernel import clock

from conftest import sign_in


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_presence_appears_then_expires(app, demo, db_session, joint_answer, as_user, frozen_clock):
    frozen_clock(clock.utcnow())
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        actions = next(s for s in answer.sections if s.code == "actions")
        aap.set_section_owner(db_session, actions, joint_answer.fresnoy_party_id)
        section_id = actions.id
    path = f"reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    lead, partner = _client(app, ECHO_DIRECTOR), _client(app, FRESNOY_DIRECTOR)
    alone = lead.get(f"/c/echo/aap/{path}").get_data(as_text=True)
    assert "Aussi sur cette rubrique" not in alone
    seen = partner.get(f"/c/fresnoy-mackellerie/aap/{path}").get_data(as_text=True)
    assert "Karim Haddou (Centre Social ECHO)" in seen
    assert "Thomas" not in seen.split('id="presence"')[1].split("</div>")[0]  # not oneself
    ping = lead.get(f"/c/echo/aap/{path}presence").get_data(as_text=True)
    assert "Thomas Lefebvre (Centre Social Fresnoy Mackellerie)" in ping
    # The partner's page stops asking: a minute later, gone.
    frozen_clock(clock.utcnow() + timedelta(seconds=presence.TTL + 1))
    later = lead.get(f"/c/echo/aap/{path}presence").get_data(as_text=True)
    assert "Thomas Lefebvre" not in later
    # The lead pinged just now: the partner sees the lead again.
    back = partner.get(f"/c/fresnoy-mackellerie/aap/{path}presence").get_data(as_text=True)
    assert "Karim Haddou" in back


def test_presence_of_an_answer_one_does_not_take_part_in_is_404(
    app, joint_answer, demo, as_user, db_session
):
    with as_user(ECHO_DIRECTOR):
        section_id = load(db_session, joint_answer.answer_id).sections[0].id
    alma = _client(app, "claire.vasseur@alma.demo")
    url = f"/c/alma/aap/reponses/{joint_answer.answer_id}/rubriques/{section_id}/presence"
    assert alma.get(url).status_code == 404
