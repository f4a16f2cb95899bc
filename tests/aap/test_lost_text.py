"""Nothing typed is ever lost: each way a save can fail to apply gives the writer
their text back with the reason, kept as their own draft on the server (offered
again on the section page); the conflict page names who saved the other version
and when; the diff marks the words changed inside a paragraph."""

from __future__ import annotations

import re

from aap.aap_support import (
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    load,
    submit_filled,
)
from ensemble.aap import drafts
from ensemble.aap import operations as aap

from conftest import csrf_token, sign_in

FRESNOY = "/c/fresnoy-mackellerie/aap"
ECHO = "/c/echo/aap"
TYPED = "<p>Trois après-midi par semaine, la navette solidaire relie les six quartiers.</p>"


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\u00a0", " ")


def _given_to_fresnoy(demo, db_session, joint_answer, as_user) -> int:
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        actions = next(s for s in answer.sections if s.code == "actions")
        aap.set_section_owner(db_session, actions, joint_answer.fresnoy_party_id)
        return actions.id


def test_a_save_after_a_reassignment_gives_the_text_back_and_keeps_it(
    app, demo, db_session, joint_answer, as_user
):
    section_id = _given_to_fresnoy(demo, db_session, joint_answer, as_user)
    writer = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    token = csrf_token(writer, url)
    # Meanwhile the lead gives the section to Basse Masure.
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        target = next(s for s in answer.sections if s.id == section_id)
        aap.set_section_owner(db_session, target, joint_answer.basse_masure_party_id)
    refused = writer.post(url, data={"csrf_token": token, "base_version": "0", "body": TYPED})
    assert refused.status_code == 409
    page = _text(refused)
    assert "confiée à un autre centre" in page
    assert "navette solidaire relie les six quartiers" in page
    # As readable text to copy, and never in another form of the page (the comment box).
    kept_box = re.search(r'<textarea id="texte-garde"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert kept_box.strip().startswith("Trois après-midi") and "&lt;p&gt;" not in kept_box
    comment_box = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', page, re.S)
    assert comment_box is None or "navette" not in comment_box.group(1)
    fresnoy_user = demo.user(FRESNOY_DIRECTOR).id
    kept = drafts.kept(fresnoy_user, section_id)
    assert kept is not None and kept.body == TYPED and kept.reason == drafts.Reason.REASSIGNED
    # Coming back later, the draft is still offered.
    again = _text(writer.get(url))
    assert "Votre brouillon gardé le" in again and "navette solidaire" in again
    # Nobody else sees it.
    other = _client(app, BASSE_MASURE_DIRECTOR)
    other_page = other.get(
        f"/c/basse-masure/aap/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    )
    assert "navette solidaire" not in other_page.get_data(as_text=True)


def test_a_save_after_submission_is_kept_and_the_dossier_is_unchanged(
    app, demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR):
        section_id = load(db_session, joint_answer.answer_id).sections[3].id
    lead = _client(app, ECHO_DIRECTOR)
    url = f"{ECHO}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    token = csrf_token(lead, url)
    submit_filled(demo, db_session, joint_answer)
    refused = lead.post(url, data={"csrf_token": token, "base_version": "1", "body": TYPED})
    assert refused.status_code == 409
    assert "La réponse a été déposée pendant que vous écriviez" in _text(refused)
    assert "navette solidaire" in _text(refused)
    with as_user(ECHO_DIRECTOR):
        db_session.expire_all()
        section = next(
            s for s in load(db_session, joint_answer.answer_id).sections if s.id == section_id
        )
        assert "navette" not in section.body
    assert drafts.kept(demo.user(ECHO_DIRECTOR).id, section_id).reason == drafts.Reason.SUBMITTED


def test_a_removed_partner_gets_its_text_back_with_its_404(
    app, demo, db_session, joint_answer, as_user
):
    section_id = _given_to_fresnoy(demo, db_session, joint_answer, as_user)
    writer = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    token = csrf_token(writer, url)
    with as_user(ECHO_DIRECTOR):
        aap.remove_partner(
            db_session, load(db_session, joint_answer.answer_id), joint_answer.fresnoy_party_id
        )
    refused = writer.post(url, data={"csrf_token": token, "base_version": "0", "body": TYPED})
    assert refused.status_code == 404
    page = _text(refused)
    assert "Page introuvable" in page and "navette solidaire relie" in page
    # Only the text they sent: nothing of the dossier.
    assert "Projet : actions" not in page


def test_an_expired_token_shows_the_text_again_and_keeps_it(
    app, demo, db_session, joint_answer, as_user
):
    section_id = _given_to_fresnoy(demo, db_session, joint_answer, as_user)
    writer = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    refused = writer.post(url, data={"csrf_token": "expiré", "base_version": "0", "body": TYPED})
    assert refused.status_code == 400
    assert "session ou jeton expiré" in _text(refused)
    assert "navette solidaire" in _text(refused)
    # Another form with an expired token gets the platform's page.
    other = writer.post(f"{FRESNOY}/reponses/{joint_answer.answer_id}/notes", data={"body": "x"})
    assert other.status_code == 400 and "Le formulaire a expiré" in _text(other)
    kept = drafts.kept(demo.user(FRESNOY_DIRECTOR).id, section_id)
    assert kept is not None and kept.reason == drafts.Reason.EXPIRED
    # Resumed in the editor, then saved: the draft goes.
    resumed = _text(writer.get(url + "?brouillon=1"))
    assert "Votre brouillon gardé" not in resumed and "navette solidaire" in resumed
    saved = writer.post(
        url, data={"csrf_token": csrf_token(writer, url), "base_version": "0", "body": TYPED}
    )
    assert saved.status_code == 302
    assert drafts.kept(demo.user(FRESNOY_DIRECTOR).id, section_id) is None


def test_the_conflict_page_names_who_saved_and_when_and_keeps_mine(
    app, demo, db_session, joint_answer, as_user
):
    section_id = _given_to_fresnoy(demo, db_session, joint_answer, as_user)
    writer = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    token = csrf_token(writer, url)
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        target = next(s for s in answer.sections if s.id == section_id)
        aap.save_section(
            db_session,
            target,
            base_version=0,
            body="<p>Le texte du chef de file.</p>",
            author_id=ctx.user_id,
        )
    conflict = writer.post(url, data={"csrf_token": token, "base_version": "0", "body": TYPED})
    assert conflict.status_code == 409
    page = _text(conflict)
    assert "La version 1 a été enregistrée par Karim Haddou le" in page
    assert drafts.kept(demo.user(FRESNOY_DIRECTOR).id, section_id).reason == drafts.Reason.CONFLICT


def test_the_diff_marks_the_words_changed_inside_a_paragraph():
    lines = aap.diff(
        "<p>Chaque mardi à Basse Masure.</p><p>Transport assuré.</p>",
        "<p>Chaque mardi et jeudi à Basse Masure.</p><p>Transport assuré.</p><p>Nouveau.</p>",
    )
    assert [line.op for line in lines] == ["changed", "same", "added"]
    assert ("added", "et jeudi ") in lines[0].words
    assert "".join(t for op, t in lines[0].words if op != "removed") == (
        "Chaque mardi et jeudi à Basse Masure."
    )
    replaced = aap.diff("<p>Un texte tout autre.</p>", "<p>Rien de commun ici.</p>")
    assert [line.op for line in replaced] == ["removed", "added"]
