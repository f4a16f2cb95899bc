"""The second red team of the joint answers (issue 12), medium and low findings, each
reproduced: the length a person and the server count alike, an approval that a new
text resets, an invited centre's list, a section left with a non-partner, the words
of the refusals, internal due dates in the past."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from kernel.document_checks import flat, pdf_text

from aap.aap_support import (
    ECHO_DIRECTOR,
    ECHO_STAFF,
    FRESNOY_DIRECTOR,
    build_answer,
    fill_answer,
    load,
)
from ensemble.aap import operations as aap
from ensemble.aap.models import AnswerStatus, SectionStatus, text_length
from ensemble.kernel import clock

from conftest import csrf_token, sign_in

ECHO = "/c/echo/aap"
FRESNOY = "/c/fresnoy-mackellerie/aap"


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _plain(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\u00a0", " ")


def _card(response, answer_id: int) -> str:
    """The card of one answer in « Réponses de votre centre »."""
    cards = _plain(response).split('<li class="card">')
    return next(c.split("</li>")[0] for c in cards if f"/reponses/{answer_id}" in c)


def _section(session, answer_id, code):
    return next(s for s in load(session, answer_id).sections if s.code == code)


# --- 4. One way of counting characters ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("été", 3),  # composed
        ("e\u0301te\u0301", 3),  # typed as letters and combining accents
        ("Bravo 👍", 7),  # an emoji outside the BMP: one, not two UTF-16 units
        ("", 0),
    ],
)
def test_characters_are_counted_composed_code_points(text, expected):
    assert text_length(text, "characters") == expected


def test_a_section_counts_accents_and_emoji_once(db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR) as ctx:
        section = _section(db_session, joint_answer.answer_id, "objectifs")
        aap.save_section(
            db_session,
            section,
            base_version=0,
            body="<p>Cafe\u0301 👍</p>",
            author_id=ctx.user_id,
        )
        db_session.refresh(section)
        aap.set_section_limit(db_session, section, "characters", 6)
        assert section.length == 6 and not section.over_limit


# --- 5. A new text is to review again ---------------------------------------------------


def test_a_new_version_resets_the_approval(app, demo, db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR) as ctx:
        section = _section(db_session, joint_answer.answer_id, "objectifs")
        aap.save_section(
            db_session, section, base_version=0, body="<p>Version 1</p>", author_id=ctx.user_id
        )
        aap.set_section_status(db_session, section, SectionStatus.APPROVED)
        section_id = section.id
    with as_user(ECHO_STAFF) as ctx:  # not a director
        section = _section(db_session, joint_answer.answer_id, "objectifs")
        assert section.status is SectionStatus.APPROVED
        aap.save_section(
            db_session, section, base_version=1, body="<p>Version 2</p>", author_id=ctx.user_id
        )
        assert section.status is SectionStatus.TO_REVIEW
    with as_user(ECHO_DIRECTOR):
        ready = aap.readiness(db_session, load(db_session, joint_answer.answer_id))
        assert section_id in {s.id for s in ready.unapproved}
    page = _plain(
        _client(app, ECHO_DIRECTOR).get(f"{ECHO}/reponses/{joint_answer.answer_id}/deposer")
    )
    assert "ne sont pas approuvées" in page and "« Projet : objectifs »" in page


# --- 6 and 7. An invited centre that has not accepted ------------------------------------


def test_an_invited_centre_lists_the_call_not_the_decision(app, demo, db_session, as_user):
    built = build_answer(demo, db_session, accept=False)
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    listing = _card(fresnoy.get(f"{FRESNOY}/"), built.answer_id)
    assert "invitation en attente" in listing
    assert "Appel : Bien vieillir dans son quartier (essai)" in listing
    assert f"Chef de file : {demo.centre('echo').name}" in listing
    assert "En cours de rédaction" not in listing
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, built.answer_id)
        echo = demo.centre("echo")
        aap.add_budget_line(
            db_session, answer, echo, account="641", label="Salaires", amount=Decimal("1000")
        )
        aap.add_budget_line(
            db_session, answer, echo, account="70", label="Ventes", amount=Decimal("1000")
        )
        aap.submit(db_session, answer, ctx.user_id, despite_unapproved=True)
        aap.record_outcome(db_session, answer, granted=False, amount=None, on=clock.today())
        assert answer.status is AnswerStatus.REFUSED
    listing = _card(fresnoy.get(f"{FRESNOY}/"), built.answer_id)
    assert "invitation close" in listing and "invitation en attente" not in listing
    assert "Refusée" not in listing and "Déposée" not in listing


def test_a_section_left_with_an_invited_centre_is_listed_and_not_credited(
    app, demo, db_session, as_user
):
    built = build_answer(demo, db_session, accept=False)
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, built.answer_id)
        actions = next(s for s in answer.sections if s.code == "actions")
        aap.set_section_owner(db_session, actions, built.fresnoy_party_id)
        aap.save_section(
            db_session, actions, base_version=0, body="<p>Ateliers</p>", author_id=ctx.user_id
        )
        echo = demo.centre("echo")
        aap.add_budget_line(
            db_session, answer, echo, account="641", label="Salaires", amount=Decimal("1000")
        )
        aap.add_budget_line(
            db_session, answer, echo, account="70", label="Ventes", amount=Decimal("1000")
        )
        ready = aap.readiness(db_session, load(db_session, built.answer_id))
        assert [s.code for s in ready.not_partner] == ["actions"]
    echo_client = _client(app, ECHO_DIRECTOR)
    page = _plain(echo_client.get(f"{ECHO}/reponses/{built.answer_id}/deposer"))
    assert (
        "1 rubrique est encore confiée à un centre qui n’est pas partenaire "
        "(invitation non acceptée) : « Projet : actions »" in page
    )
    pdf = echo_client.get(f"{ECHO}/reponses/{built.answer_id}/dossier.pdf")
    assert pdf.status_code == 200
    text = flat(pdf_text(pdf.data))
    assert flat(f"Rédigée par {demo.centre('echo').name}") in text
    assert "Fresnoy" not in text  # neither on the cover nor as a section's writer


# --- 8. Words -----------------------------------------------------------------------------


def test_the_over_limit_line_says_characters_and_at_most(app, db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR) as ctx:
        section = _section(db_session, joint_answer.answer_id, "objectifs")
        aap.save_section(
            db_session,
            section,
            base_version=0,
            body="<p>" + "x" * 20000 + "</p>",
            author_id=ctx.user_id,
        )
        aap.set_section_limit(db_session, section, "characters", 200)
    page = _plain(
        _client(app, ECHO_DIRECTOR).get(f"{ECHO}/reponses/{joint_answer.answer_id}/deposer")
    )
    assert "« Projet : objectifs » (20 000 caractères pour 200 au plus)" in page


def test_an_unbalanced_budget_is_refused_with_a_minus_sign(demo, db_session, joint_answer, as_user):
    fill_answer(demo, db_session, joint_answer)  # 20 000 € of charges, 19 000 € of income
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        with pytest.raises(aap.AapError) as refused:
            aap.submit(db_session, answer, ctx.user_id, despite_unapproved=True)
    message = str(refused.value)
    assert "écart de \u22121\u202f000,00\u00a0€" in message
    assert "-1" not in message


def test_refused_ids_and_titles_say_so_in_french(app, demo, db_session, joint_answer, as_user):
    echo = _client(app, ECHO_DIRECTOR)
    budget_url = f"{ECHO}/reponses/{joint_answer.answer_id}/budget"
    token = csrf_token(echo, budget_url)
    response = echo.post(
        budget_url,
        data={
            "csrf_token": token,
            "line_id": "abc",
            "account": "606",
            "label": "Achats",
            "amount": "10",
        },
    )
    assert response.status_code == 422
    page = _plain(response)
    assert "Line Id" not in page and "Ligne de budget" in page
    too_long = echo.post(
        f"{ECHO}/reponses/{joint_answer.answer_id}/rubriques/nouvelle",
        data={"csrf_token": token, "title": "T" * 5000},
        follow_redirects=True,
    )
    flashed = _plain(too_long)
    assert "Intitulé de la rubrique : 200 caractères au plus." in flashed
    assert "Indiquez l’intitulé" not in flashed


def test_a_partner_saving_a_section_it_never_had_is_not_told_it_was_reassigned(
    app, demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR):
        section_id = _section(db_session, joint_answer.answer_id, "objectifs").id
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    token = csrf_token(fresnoy, f"{FRESNOY}/reponses/{joint_answer.answer_id}/")
    response = fresnoy.post(
        url, data={"csrf_token": token, "base_version": "0", "body": "<p>Mon texte</p>"}
    )
    assert response.status_code == 409
    page = _plain(response)
    assert "Cette rubrique est confiée à un autre centre ou à une autre personne" in page
    assert "pendant que vous écriviez" not in page
    assert "Mon texte" in page  # the text comes back


# --- 9. Internal due dates ------------------------------------------------------------------


def test_an_internal_due_date_is_not_in_the_past(db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR):
        section = _section(db_session, joint_answer.answer_id, "objectifs")
        with pytest.raises(aap.AapError, match="ne peut pas être passée") as refused:
            aap.set_section_due(db_session, section, date(2020, 1, 1))
        assert refused.value.field == "due_on"
        assert section.due_on is None
        aap.set_section_due(db_session, section, clock.today())
        aap.set_section_due(db_session, section, clock.today() + timedelta(days=7))
        assert section.due_on == clock.today() + timedelta(days=7)
