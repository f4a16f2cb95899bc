"""The funder's decision form: a refused amount comes back on « Montant », with what
was typed, and writes nothing; no decision is pre-set. Its bounds: a decision dated
between the submission and today in Paris (never a day to come); a grant of more than
0 € and at most the call's envelope; a refusal without an amount."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from aap.aap_support import ECHO_DIRECTOR, load, submit_filled
from ensemble.aap import operations as aap
from ensemble.aap.models import AnswerStatus
from ensemble.kernel import clock
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

ECHO = "/c/echo/aap"


def _today() -> str:
    """The decision's date in the tests: the day of the submission (never after today)."""
    return clock.today().isoformat()


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
            "decided_on": _today(),
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
    assert f'value="{_today()}"' in page
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
        url, data={"csrf_token": token, "outcome": "", "amount": "", "decided_on": _today()}
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
            "decided_on": _today(),
        },
    )
    assert granted.status_code == 302
    status, amount = _status(demo, db_session, joint_answer)
    assert status is AnswerStatus.GRANTED and str(amount) == "7500.00"


def _decide(client, url, token, **fields):
    data = {"csrf_token": token, "outcome": "granted", "amount": "7 500", "decided_on": _today()}
    return client.post(url, data={**data, **fields})


def _field_error(page: str, name: str) -> str:
    error = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', page)
    assert error, f"no error on {name}"
    return error.group(1).replace("\u202f", " ").replace("\u00a0", " ")


def test_a_decision_dated_after_today_is_refused_on_its_date(demo, db_session, joint_answer, lead):
    client, url, token = lead
    assert f'max="{_today()}"' in client.get(url).get_data(as_text=True)  # the picker too
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = _decide(client, url, token, decided_on=tomorrow)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "ne peut pas être postérieure à aujourd’hui" in _field_error(page, "decided_on")
    assert f'value="{tomorrow}"' in page
    assert _status(demo, db_session, joint_answer) == (AnswerStatus.SUBMITTED, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "0"}, "est un refus"),
        ({"amount": "0,00 €"}, "est un refus"),
        ({"amount": ""}, "Indiquez le montant accordé."),
        ({"amount": "150 000,01"}, "dépasse l’enveloppe de l’appel à projets (150 000,00 €)"),
        ({"amount": "9 999 999 999,99"}, "dépasse l’enveloppe"),
        ({"outcome": "refused", "amount": "500"}, "n’a pas de montant accordé"),
    ],
)
def test_the_granted_amount_is_bounded(demo, db_session, joint_answer, lead, fields, message):
    client, url, token = lead
    response = _decide(client, url, token, **fields)
    assert response.status_code == 422
    assert message in _field_error(response.get_data(as_text=True), "amount")
    assert _status(demo, db_session, joint_answer) == (AnswerStatus.SUBMITTED, None)


def test_the_whole_envelope_may_be_granted_and_a_refusal_needs_no_amount(
    demo, db_session, joint_answer, lead
):
    client, url, token = lead
    assert _decide(client, url, token, amount="150 000,00").status_code == 302
    assert _status(demo, db_session, joint_answer) == (AnswerStatus.GRANTED, Decimal("150000"))


def test_today_is_the_day_in_paris_and_a_correction_is_bounded_alike(
    demo, db_session, joint_answer, as_user, frozen_clock
):
    """At 23:30 UTC on 31 December it is already 1 January in Paris: a decision of
    1 January is of today, one of 2 January is not, for a correction too."""
    submit_filled(demo, db_session, joint_answer)
    frozen_clock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        with pytest.raises(aap.AapError, match="postérieure à aujourd’hui") as refused:
            aap.record_outcome(
                db_session, answer, granted=True, amount=Decimal("7500"), on=date(2027, 1, 2)
            )
        assert refused.value.field == "decided_on"
        aap.record_outcome(
            db_session, answer, granted=True, amount=Decimal("7500"), on=date(2027, 1, 1)
        )
        with pytest.raises(aap.AapError, match="postérieure à aujourd’hui"):
            aap.correct_outcome(
                db_session, answer, granted=False, amount=None, on=date(2027, 1, 2),
                reason="Décision revue",
            )  # fmt: skip
        with pytest.raises(aap.AapError, match="dépasse l’enveloppe"):
            aap.correct_outcome(
                db_session, answer, granted=True, amount=Decimal("150000.01"),
                on=date(2027, 1, 1), reason="Montant revu",
            )  # fmt: skip
        assert (answer.status, answer.granted_amount) == (AnswerStatus.GRANTED, Decimal("7500"))
