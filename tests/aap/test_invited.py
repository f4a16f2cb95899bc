"""An invited centre is not yet a partner: until it accepts, it sees the call, the
lead, the deadline and the sections it is asked to write — not the dossier, over
HTTP (404) and in SQL (the policies)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from aap.aap_support import (
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    build_answer,
    load,
    submit_filled,
)
from ensemble.aap import operations as aap

from conftest import sign_in

FRESNOY = "/c/fresnoy-mackellerie/aap"


@pytest.fixture
def invited(demo, db_session, as_user):
    """ECHO's answer: Fresnoy and Basse Masure invited, neither accepted; the lead asks
    Fresnoy to write « Projet : public visé » and writes a section and a budget line."""
    joint = build_answer(demo, db_session, accept=False)
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint.answer_id)
        public = next(s for s in answer.sections if s.code == "public")
        aap.set_section_owner(db_session, public, joint.fresnoy_party_id)
        besoins = next(s for s in answer.sections if s.code == "besoins")
        aap.save_section(
            db_session,
            besoins,
            base_version=0,
            body="<p>Diagnostic confidentiel</p>",
            author_id=ctx.user_id,
        )
        aap.add_comment(db_session, besoins, author=demo.user(ECHO_DIRECTOR), body="Chiffres ?")
        aap.add_budget_line(
            db_session,
            answer,
            demo.centre("echo"),
            account="641",
            label="Salaires",
            amount=Decimal("20000"),
        )
        ids = {"besoins": besoins.id, "public": public.id}
    db_session.expire_all()
    return joint, ids


def test_an_invited_centre_sees_the_invitation_not_the_dossier(app, db_session, invited):
    joint, ids = invited
    client = app.test_client()
    assert sign_in(client, FRESNOY_DIRECTOR).status_code == 302
    base = f"{FRESNOY}/reponses/{joint.answer_id}/"
    page = client.get(base)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Invitation de Centre Social ECHO" in html
    assert "Bien vieillir dans son quartier" in html and "2027" in html
    assert "Projet : public visé" in html  # what it is asked to write
    assert "Diagnostic confidentiel" not in html and "Projet : besoins" not in html
    for path in (
        f"rubriques/{ids['besoins']}/",
        f"rubriques/{ids['public']}/",
        f"rubriques/{ids['besoins']}/historique",
        "budget",
        "notes",
        "dossier.pdf",
        "dossier.docx",
        "dossier.odt",
    ):
        assert client.get(base + path).status_code == 404, path


def test_an_invited_centre_reads_no_dossier_row_in_sql(demo, db_session, invited, as_user):
    joint, ids = invited
    with as_user(FRESNOY_DIRECTOR):

        def rows(table: str) -> int:
            return db_session.execute(
                text(f"SELECT count(*) FROM {table} WHERE agreement_id = :a"),  # noqa: S608
                {"a": joint.agreement_id},
            ).scalar_one()

        assert rows("aap_answers") == 1  # the call, the lead, the deadline
        assert rows("aap_section_versions") == 0
        assert rows("aap_comments") == 0
        assert rows("aap_budget_lines") == 0
        visible = (
            db_session.execute(
                text("SELECT id FROM aap_sections WHERE agreement_id = :a"),
                {"a": joint.agreement_id},
            )
            .scalars()
            .all()
        )
        assert visible == [ids["public"]]
        # Nor does it write: not a section, not a comment, not a note.
        changed = db_session.execute(
            text("UPDATE aap_sections SET body = 'x' WHERE agreement_id = :a"),
            {"a": joint.agreement_id},
        ).rowcount
        assert changed == 0
        with pytest.raises(DBAPIError), db_session.begin_nested():
            db_session.execute(
                text(
                    "INSERT INTO aap_notes (answer_id, agreement_id, centre_id, body, updated_at)"
                    " VALUES (:answer, :a, :c, 'x', now())"
                ),
                {
                    "answer": joint.answer_id,
                    "a": joint.agreement_id,
                    "c": demo.centre("fresnoy-mackellerie").id,
                },
            )
    with as_user(FRESNOY_DIRECTOR):
        aap.respond(
            db_session,
            load(db_session, joint.answer_id),
            demo.centre("fresnoy-mackellerie"),
            accept=True,
        )
        db_session.expire_all()
        assert len(load(db_session, joint.answer_id).sections) == 11


def test_a_declined_centre_no_longer_sees_what_it_was_asked(
    app, demo, db_session, invited, as_user
):
    joint, ids = invited
    with as_user(FRESNOY_DIRECTOR):
        aap.respond(
            db_session,
            load(db_session, joint.answer_id),
            demo.centre("fresnoy-mackellerie"),
            accept=False,
        )
        assert load(db_session, joint.answer_id) is None
    # The lead sees who declined the section it had asked for, and hands it out again.
    lead = app.test_client()
    assert sign_in(lead, ECHO_DIRECTOR).status_code == 302
    page = lead.get(f"/c/echo/aap/reponses/{joint.answer_id}/").get_data(as_text=True)
    assert "Centre Social Fresnoy Mackellerie (a décliné)" in page


def test_the_parties_of_a_submitted_answer_cannot_change_in_sql(
    demo, db_session, joint_answer, as_user
):
    submit_filled(demo, db_session, joint_answer)
    for email, party_id in (
        (ECHO_DIRECTOR, joint_answer.fresnoy_party_id),
        (FRESNOY_DIRECTOR, joint_answer.fresnoy_party_id),
    ):
        with (
            as_user(email),
            pytest.raises(DBAPIError, match="keeps its parties"),
            db_session.begin_nested(),
        ):
            db_session.execute(
                text("UPDATE agreement_parties SET status = 'left' WHERE id = :p"),
                {"p": party_id},
            )
