"""Limits per section, as the call sets them (characters or words): the lead records
them, the editor counts live (the page shows the count), the confirmation page
warns about sections over their limit."""

from __future__ import annotations

import pytest

from aap.aap_support import ECHO_DIRECTOR, FRESNOY_DIRECTOR, load
from ensemble.aap import operations as aap

from conftest import csrf_token, sign_in

TEXT = "<h3>Objectifs</h3><p>Rompre l’isolement des aînés.</p><ul><li>Ateliers</li></ul>"


def _section(db_session, joint_answer, code="objectifs"):
    return next(s for s in load(db_session, joint_answer.answer_id).sections if s.code == code)


def test_the_length_counts_readable_characters_or_words(db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR) as ctx:
        section = _section(db_session, joint_answer)
        aap.save_section(db_session, section, base_version=0, body=TEXT, author_id=ctx.user_id)
        db_session.refresh(section)
        aap.set_section_limit(db_session, section, "words", 5)
        assert section.length == 6  # Objectifs · Rompre l’isolement des aînés. · Ateliers
        assert section.over_limit
        aap.set_section_limit(db_session, section, "characters", 100)
        assert section.length == len("Objectifs Rompre l’isolement des aînés. Ateliers")
        assert not section.over_limit
        aap.set_section_limit(db_session, section, "", None)
        assert section.limit_value is None and not section.over_limit


def test_only_the_lead_sets_a_limit_and_only_a_valid_one(demo, db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR):
        section = _section(db_session, joint_answer)
        with pytest.raises(aap.AapError) as refused:
            aap.set_section_limit(db_session, section, "words", None)
        assert refused.value.field == "limit_value"
        with pytest.raises(aap.AapError):
            aap.set_section_limit(db_session, section, "pages", 3)
    with as_user(FRESNOY_DIRECTOR):
        section = _section(db_session, joint_answer)
        with pytest.raises(aap.AapError, match="chef de file"):
            aap.set_section_limit(db_session, section, "words", 500)


def test_the_editor_counts_and_the_confirmation_page_warns(
    app, demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR) as ctx:
        section = _section(db_session, joint_answer)
        aap.save_section(db_session, section, base_version=0, body=TEXT, author_id=ctx.user_id)
        section_id = section.id
    lead = app.test_client()
    assert sign_in(lead, ECHO_DIRECTOR).status_code == 302
    url = f"/c/echo/aap/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    token = csrf_token(lead, url)
    refused = lead.post(url + "limite", data={"csrf_token": token, "limit_unit": "words"})
    assert refused.status_code == 302  # flashed: the value is missing
    saved = lead.post(
        url + "limite", data={"csrf_token": token, "limit_unit": "words", "limit_value": "5"}
    )
    assert saved.status_code == 302
    page = lead.get(url).get_data(as_text=True).replace("\u202f", " ")
    assert 'data-limit-unit="words" data-limit-value="5"' in page
    assert "6 mots sur 5 au plus — au-delà de la limite" in page
    confirmation = lead.get(f"/c/echo/aap/reponses/{joint_answer.answer_id}/deposer")
    text = confirmation.get_data(as_text=True).replace("\u202f", " ").replace("\u00a0", " ")
    assert (
        "1 rubrique dépasse la limite fixée par l’appel : « Projet : objectifs » "
        "(6 mots pour 5 au plus)." in (text)
    )


def test_the_lead_sets_an_internal_due_date_shown_in_my_sections(
    app, demo, db_session, joint_answer, as_user
):
    from datetime import date

    from aap.aap_support import ECHO_STAFF

    with as_user(ECHO_DIRECTOR):
        section = _section(db_session, joint_answer)
        with pytest.raises(aap.AapError, match="précéder la date limite") as late:
            aap.set_section_due(db_session, section, date(2027, 4, 1))  # the call: 31/03/2027
        assert late.value.field == "due_on"
        aap.set_section_due(db_session, section, date(2027, 3, 10))
        aap.assign_writer(db_session, section, demo.user(ECHO_STAFF).id)
    staff = app.test_client()
    assert sign_in(staff, ECHO_STAFF).status_code == 302
    page = staff.get("/c/echo/aap/mes-rubriques").get_data(as_text=True)
    assert "Projet : objectifs" in page and "10 mars 2027" in page.replace("\u202f", " ")
