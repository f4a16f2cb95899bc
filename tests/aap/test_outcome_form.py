"""The funder's decision form: a refused amount comes back on « Montant », with what
was typed, and writes nothing; no decision is pre-set."""

from __future__ import annotations

import re

import pytest

from aap.aap_support import ECHO_DIRECTOR, load, submit_filled
from ensemble.aap.models import AnswerStatus
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

ECHO = "/c/echo/aap"


@pytest.fixture
def lead(app, demo, db_session, joint_answer):
    submit_filled(demo, db_session, joint_answer)
    client = app.test_client()
    assert sign_in(client, ECHO_DIRECTOR).status_code == 302
    url = f"{ECHO}/reponses/{joint_answer.answer_id}/resultat"
    return client, url, csrf_token(client, url)


def _status(demo, session, joint_answer):
    session.expire_all()
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        answer = load(session, joint_answer.answer_id)
        return answer.status, answer.granted_amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e30", "Indiquez un nombre, par exemple"),
        ("-5", "Le montant ne peut pas être négatif."),
        ("abc", "Indiquez un nombre, par exemple"),
    ],
)
def test_a_refused_amount_is_shown_on_its_field_and_nothing_is_recorded(
    demo, db_session, joint_answer, lead, typed, message
):
    client, url, token = lead
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "outcome": "granted",
            "amount": typed,
            "decided_on": "2027-06-01",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    amount_field = re.search(r'<input[^>]*name="amount"[^>]*>', page)
    assert amount_field and f'value="{typed}"' in amount_field.group(0)
    assert 'aria-invalid="true"' in amount_field.group(0)
    error = re.search(r'<p class="error" id="amount-error">(.*?)</p>', page)
    assert error, "no error on « Montant »"
    assert message in error.group(1)
    # The summary names the amount only: the decision and its date were right.
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    assert summary.count("<li>") == 1 and "Montant accordé en euros" in summary
    assert "Indiquez la décision et sa date" not in page
    # The date and the decision typed are kept too.
    assert 'value="2027-06-01"' in page or 'value="01/06/2027"' in page
    assert re.search(
        r'<option[^>]*selected[^>]*value="granted"|<option[^>]*value="granted"[^>]*selected', page
    )
    assert _status(demo, db_session, joint_answer) == (AnswerStatus.SUBMITTED, None)


def test_no_decision_is_preset_and_choosing_none_is_refused(demo, db_session, joint_answer, lead):
    client, url, token = lead
    shown = client.get(url).get_data(as_text=True)
    assert not re.search(r'<option[^>]*value="(granted|refused)"[^>]*selected', shown)
    answer_page = client.get(url.removesuffix("resultat")).get_data(as_text=True)
    assert not re.search(r'<option[^>]*value="(granted|refused)"[^>]*selected', answer_page)
    refused = client.post(
        url, data={"csrf_token": token, "outcome": "", "amount": "", "decided_on": "2027-06-01"}
    )
    assert refused.status_code == 422
    assert "Choisissez la décision du financeur." in refused.get_data(as_text=True)
    assert _status(demo, db_session, joint_answer) == (AnswerStatus.SUBMITTED, None)
    granted = client.post(
        url,
        data={
            "csrf_token": token,
            "outcome": "granted",
            "amount": "7 500,00",
            "decided_on": "2027-06-01",
        },
    )
    assert granted.status_code == 302
    status, amount = _status(demo, db_session, joint_answer)
    assert status is AnswerStatus.GRANTED and str(amount) == "7500.00"
