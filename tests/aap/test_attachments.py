"""Attachments of a joint answer: each party joins its own documents (type and size
checked, a kind from the list), every member reads and downloads them, an invited
centre and an outsider see nothing, a party never removes another's, and nothing
changes once the answer is submitted. What is missing is said before submitting,
and the dossier export lists them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel.document_checks import flat, pdf_text, to_png
from sqlalchemy import text
from test_rls import refused, rows

from aap.aap_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    build_answer,
    load,
    submit_filled,
)
from ensemble.aap import exports
from ensemble.aap import operations as aap
from ensemble.aap.models import MAX_ATTACHMENT_BYTES, AapAttachment
from ensemble.aap.operations.attachments import clean_filename

from conftest import csrf_token, sign_in

CORPUS = Path(__file__).parent.parent / "corpus" / "attachments"
FRESNOY = "/c/fresnoy-mackellerie/aap"
ECHO = "/c/echo/aap"


def _file(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _count(db_session, as_user, email, agreement_id) -> int:
    with as_user(email):
        return rows(
            db_session,
            "SELECT count(*) FROM aap_attachments WHERE agreement_id = :a",
            a=agreement_id,
        )[0][0]


def _upload(client, url, token, kind, name, content):
    return client.post(
        url,
        data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_a_partner_joins_its_documents_and_every_member_downloads_them(
    app, demo, db_session, joint_answer, as_user
):
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/pieces/"
    token = csrf_token(fresnoy, url)
    statutes = _file("statuts.pdf")
    done = _upload(fresnoy, url, token, "statutes", "Statuts 2024.pdf", statutes)
    assert done.status_code == 302
    for kind, name in (("bank_details", "rib.odt"), ("support_letter", "lettre-de-soutien.png")):
        assert _upload(fresnoy, url, token, kind, name, _file(name)).status_code == 302
    listing = fresnoy.get(url).get_data(as_text=True)
    assert "Statuts 2024.pdf" in listing and "Relevé d’identité bancaire (RIB)" in listing
    assert listing.count("/supprimer") == 3  # its own, each removable
    with as_user(ECHO_DIRECTOR):
        attachment = next(
            a
            for a in aap.attachments(db_session, load(db_session, joint_answer.answer_id))
            if a.kind == "statutes"
        )
    # The lead's director reads it from its own centre's URL.
    echo = _client(app, ECHO_DIRECTOR)
    download = echo.get(f"{ECHO}/reponses/{joint_answer.answer_id}/pieces/{attachment.id}")
    assert download.status_code == 200
    assert download.data == statutes
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.mimetype == "application/pdf"
    # A member that is not the uploader never gets the link to remove it…
    echo_listing = echo.get(f"{ECHO}/reponses/{joint_answer.answer_id}/pieces/").get_data(
        as_text=True
    )
    assert "supprimer" not in echo_listing
    # …nor the page, nor the post.
    delete = f"{ECHO}/reponses/{joint_answer.answer_id}/pieces/{attachment.id}/supprimer"
    assert echo.get(delete).status_code == 404
    assert echo.post(delete, data={"csrf_token": csrf_token(echo, "/")}).status_code == 404
    # The outsider's director: a 404 on the list and the file, from any centre's URL.
    alma = _client(app, ALMA_DIRECTOR)
    for prefix in ("/c/alma/aap", ECHO, FRESNOY):
        assert alma.get(f"{prefix}/reponses/{joint_answer.answer_id}/pieces/").status_code == 404
        path = f"{prefix}/reponses/{joint_answer.answer_id}/pieces/{attachment.id}"
        assert alma.get(path).status_code == 404


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("statutes", "statuts.exe", b"MZ\x90\x00", "Type de fichier non accepté"),
        ("statutes", "image-deguisee.pdf", None, "n’est pas un vrai fichier .pdf"),
        ("statutes", "vide.pdf", b"", "Ce fichier est vide."),
        ("statutes", "lourd.pdf", b"%PDF-1.4" + b"0" * MAX_ATTACHMENT_BYTES, "Fichier trop lourd"),
        ("", "statuts.pdf", None, "Choisissez le type de pièce."),
        ("passport", "statuts.pdf", None, "Choisissez le type de pièce dans la liste."),
    ],
)
def test_a_refused_file_comes_back_with_a_french_error_and_nothing_is_stored(
    app, demo, db_session, joint_answer, as_user, kind, name, content, message
):
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/pieces/"
    body = _file(name) if content is None else content
    response = _upload(fresnoy, url, csrf_token(fresnoy, url), kind, name, body)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(db_session, as_user, FRESNOY_DIRECTOR, joint_answer.agreement_id) == 0


def test_only_the_uploading_party_removes_its_own_after_a_confirmation(
    app, demo, db_session, joint_answer, as_user
):
    with as_user(FRESNOY_DIRECTOR) as ctx:
        added = aap.add_attachment(
            db_session,
            load(db_session, joint_answer.answer_id),
            demo.centre("fresnoy-mackellerie"),
            kind="cv",
            filename="cv.pdf",
            content=_file("statuts.pdf"),
            user_id=ctx.user_id,
        )
        attachment_id = added.id
    # Basse Masure, a partner too, cannot delete it in SQL either.
    with as_user(BASSE_MASURE_DIRECTOR):
        db_session.execute(text("DELETE FROM aap_attachments WHERE id = :i"), {"i": attachment_id})
    assert _count(db_session, as_user, FRESNOY_DIRECTOR, joint_answer.agreement_id) == 1
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/pieces/{attachment_id}/supprimer"
    page = fresnoy.get(url)
    assert page.status_code == 200 and "Retirer « cv.pdf » du dossier" in page.get_data(
        as_text=True
    )
    assert _count(db_session, as_user, FRESNOY_DIRECTOR, joint_answer.agreement_id) == 1
    done = fresnoy.post(url, data={"csrf_token": csrf_token(fresnoy, url)})
    assert done.status_code == 302
    assert _count(db_session, as_user, FRESNOY_DIRECTOR, joint_answer.agreement_id) == 0


def test_an_invited_centre_sees_no_attachment_and_cannot_join_one(app, demo, db_session, as_user):
    invited = build_answer(demo, db_session, accept=False)
    with as_user(ECHO_DIRECTOR) as ctx:
        aap.add_attachment(
            db_session,
            load(db_session, invited.answer_id),
            demo.centre("echo"),
            kind="statutes",
            filename="statuts.pdf",
            content=_file("statuts.pdf"),
            user_id=ctx.user_id,
        )
    assert _count(db_session, as_user, ECHO_DIRECTOR, invited.agreement_id) == 1
    assert _count(db_session, as_user, FRESNOY_DIRECTOR, invited.agreement_id) == 0
    with as_user(FRESNOY_DIRECTOR) as ctx:
        assert refused(
            db_session,
            "INSERT INTO aap_attachments (answer_id, agreement_id, party_id, centre_id, kind,"
            " filename, content_type, size_bytes, content, uploaded_by_user_id)"
            " VALUES (:ans, :a, :p, :c, 'statutes', 'x.pdf', 'application/pdf', 4, 'abcd', :u)",
            ans=invited.answer_id,
            a=invited.agreement_id,
            p=invited.fresnoy_party_id,
            c=demo.centre("fresnoy-mackellerie").id,
            u=ctx.user_id,
        )
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    assert fresnoy.get(f"{FRESNOY}/reponses/{invited.answer_id}/pieces/").status_code == 404


def test_no_one_writes_in_another_centres_name(demo, db_session, joint_answer, as_user):
    with as_user(FRESNOY_DIRECTOR) as ctx:
        # Fresnoy's person, filing under ECHO's party and centre.
        assert refused(
            db_session,
            "INSERT INTO aap_attachments (answer_id, agreement_id, party_id, centre_id, kind,"
            " filename, content_type, size_bytes, content, uploaded_by_user_id)"
            " SELECT :ans, :a, p.id, p.centre_id, 'statutes', 'x.pdf', 'application/pdf', 4,"
            " 'abcd', :u FROM agreement_parties p WHERE p.agreement_id = :a AND p.is_owner",
            ans=joint_answer.answer_id,
            a=joint_answer.agreement_id,
            u=ctx.user_id,
        )


def test_missing_attachments_are_listed_before_submitting_and_the_export_lists_the_rest(
    app, demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR) as ctx:
        for kind, name in (("statutes", "statuts.pdf"), ("bank_details", "rib.pdf")):
            aap.add_attachment(
                db_session,
                load(db_session, joint_answer.answer_id),
                demo.centre("echo"),
                kind=kind,
                filename=name,
                content=_file("statuts.pdf"),
                user_id=ctx.user_id,
            )
    with as_user(FRESNOY_DIRECTOR) as ctx:
        aap.add_attachment(
            db_session,
            load(db_session, joint_answer.answer_id),
            demo.centre("fresnoy-mackellerie"),
            kind="statutes",
            filename="statuts-fresnoy.pdf",
            content=_file("statuts.pdf"),
            user_id=ctx.user_id,
        )
    echo = _client(app, ECHO_DIRECTOR)
    page = echo.get(f"{ECHO}/reponses/{joint_answer.answer_id}/deposer").get_data(as_text=True)
    missing = re.findall(r"Pièces jointes manquantes pour ([^:]+?)\s?: ([^<]+)", page)
    by_centre = {centre.strip(): kinds for centre, kinds in missing}
    echo_name, fresnoy_name, basse_name = (
        demo.centre(slug).name for slug in ("echo", "fresnoy-mackellerie", "basse-masure")
    )
    assert by_centre == {
        fresnoy_name: "Relevé d’identité bancaire (RIB).",
        basse_name: "Statuts et Relevé d’identité bancaire (RIB).",
    }
    with as_user(ECHO_DIRECTOR):
        listed = exports.attachments_of(load(db_session, joint_answer.answer_id))
    assert [(a.title, a.party, a.filename) for a in listed] == [
        ("Statuts", echo_name, "statuts.pdf"),
        ("Relevé d’identité bancaire (RIB)", echo_name, "rib.pdf"),
        ("Statuts", fresnoy_name, "statuts-fresnoy.pdf"),
    ]


def test_a_submitted_answer_keeps_its_attachments(app, demo, db_session, joint_answer, as_user):
    with as_user(FRESNOY_DIRECTOR) as ctx:
        attachment_id = aap.add_attachment(
            db_session,
            load(db_session, joint_answer.answer_id),
            demo.centre("fresnoy-mackellerie"),
            kind="statutes",
            filename="statuts.pdf",
            content=_file("statuts.pdf"),
            user_id=ctx.user_id,
        ).id
    submit_filled(demo, db_session, joint_answer)
    with as_user(FRESNOY_DIRECTOR):
        db_session.execute(text("DELETE FROM aap_attachments WHERE id = :i"), {"i": attachment_id})
    assert _count(db_session, as_user, FRESNOY_DIRECTOR, joint_answer.agreement_id) == 1
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/pieces/"
    token = csrf_token(fresnoy, url)
    assert "ne changent plus" in fresnoy.get(url).get_data(as_text=True)
    assert _upload(fresnoy, url, token, "cv", "cv.pdf", _file("statuts.pdf")).status_code == 404
    assert (
        fresnoy.post(f"{url}{attachment_id}/supprimer", data={"csrf_token": token}).status_code
        == 404
    )
    assert fresnoy.get(f"{url}{attachment_id}").status_code == 200  # still readable
    assert db_session.get(AapAttachment, attachment_id) is not None


def test_the_dossier_export_lists_each_partys_attachments(
    app, demo, db_session, joint_answer, as_user
):
    with as_user(FRESNOY_DIRECTOR) as ctx:
        aap.add_attachment(
            db_session,
            load(db_session, joint_answer.answer_id),
            demo.centre("fresnoy-mackellerie"),
            kind="support_letter",
            filename="Lettre de soutien — mairie.png",
            content=_file("lettre-de-soutien.png"),
            user_id=ctx.user_id,
        )
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    data = fresnoy.get(f"{FRESNOY}/reponses/{joint_answer.answer_id}/dossier.pdf").data
    text = flat(pdf_text(data))
    assert "Pièces jointes" in text and "Aucune pièce jointe" not in text
    assert "Lettre de soutien — mairie.png" in text
    assert demo.centre("fresnoy-mackellerie").name in text
    pages = to_png(data, "aap-attachments-pdf", dpi=60)
    assert pages


@given(st.text(max_size=400))
def test_a_stored_name_has_no_path_no_control_character_and_keeps_its_extension(name):
    cleaned = clean_filename(name + ".pdf")
    assert 0 < len(cleaned) <= 200
    assert "/" not in cleaned and "\\" not in cleaned
    assert all(c.isprintable() for c in cleaned)
    assert cleaned.endswith(".pdf")
    assert clean_filename("\u202e\t/") == "piece-jointe"
