"""Joint answers in SQL, through the runtime role: the parties see the dossier,
a centre that is not a party (or no longer is) sees nothing of it, the network
sees only the call and its lead, and no one writes in another's name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from test_rls import refused, rows

from aap.aap_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    ECHO_STAFF,
    FRESNOY_DIRECTOR,
    MONTREUIL_DIRECTOR,
    load,
)
from ensemble.aap import operations as aap

ISOLATED_TABLES = {
    "aap_calls",
    "aap_answers",
    "aap_call_leads",
    "aap_sections",
    "aap_section_versions",
    "aap_comments",
    "aap_budget_lines",
    "aap_notes",
    "aap_attachments",
}
DOSSIER_TABLES = (
    "aap_attachments",
    "aap_answers",
    "aap_sections",
    "aap_section_versions",
    "aap_comments",
    "aap_budget_lines",
    "aap_notes",
)


@pytest.fixture
def full_answer(demo, db_session, joint_answer, as_user):
    """The answer with a saved section, a comment, budget lines and a note from each side."""
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        section = answer.sections[0]
        aap.set_section_owner(db_session, answer.sections[6], joint_answer.fresnoy_party_id)
        aap.save_section(
            db_session, section, base_version=0, body="<p>ECHO</p>", author_id=ctx.user_id
        )
        aap.add_comment(db_session, section, author=demo.user(ECHO_DIRECTOR), body="À relire")
        aap.add_budget_line(
            db_session,
            answer,
            demo.centre("echo"),
            account="641",
            label="Salaires",
            amount=Decimal("1000.00"),
        )
        aap.save_note(db_session, answer, demo.centre("echo"), "Note d’ECHO")
    with as_user(FRESNOY_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        aap.add_budget_line(
            db_session,
            answer,
            demo.centre("fresnoy-mackellerie"),
            account="74",
            label="Subvention",
            funder="CAF",
            amount=Decimal("1000.00"),
        )
        aap.save_note(db_session, answer, demo.centre("fresnoy-mackellerie"), "Note de Fresnoy")
        aap.add_attachment(
            db_session,
            answer,
            demo.centre("fresnoy-mackellerie"),
            kind="bank_details",
            filename="rib.pdf",
            content=b"%PDF-1.4 RIB",
            user_id=demo.user(FRESNOY_DIRECTOR).id,
        )
    db_session.flush()
    return joint_answer


def _count(session, table, agreement_id):
    return rows(session, f"SELECT count(*) FROM {table} WHERE agreement_id = :a", a=agreement_id)[
        0
    ][0]


@pytest.mark.parametrize("outsider", [ALMA_DIRECTOR, MONTREUIL_DIRECTOR])
def test_a_non_party_sees_no_row_of_the_dossier(db_session, full_answer, as_user, outsider):
    with as_user(outsider):
        for table in DOSSIER_TABLES:
            assert _count(db_session, table, full_answer.agreement_id) == 0, (outsider, table)


def test_the_network_sees_the_call_and_its_lead_and_another_network_nothing(
    db_session, full_answer, as_user
):
    with as_user(ALMA_DIRECTOR):
        assert (
            rows(db_session, "SELECT count(*) FROM aap_calls WHERE id = :c", c=full_answer.call_id)[
                0
            ][0]
            == 1
        )
        assert _count(db_session, "aap_call_leads", full_answer.agreement_id) == 1
    with as_user(MONTREUIL_DIRECTOR):
        assert (
            rows(db_session, "SELECT count(*) FROM aap_calls WHERE id = :c", c=full_answer.call_id)[
                0
            ][0]
            == 0
        )
        assert _count(db_session, "aap_call_leads", full_answer.agreement_id) == 0


def test_parties_see_the_dossier_but_only_their_own_notes(db_session, full_answer, as_user):
    for email in (ECHO_DIRECTOR, ECHO_STAFF, FRESNOY_DIRECTOR, BASSE_MASURE_DIRECTOR):
        with as_user(email):
            for table in ("aap_answers", "aap_sections", "aap_section_versions", "aap_comments"):
                assert _count(db_session, table, full_answer.agreement_id) >= 1, (email, table)
            assert _count(db_session, "aap_budget_lines", full_answer.agreement_id) == 2
            notes = rows(db_session, "SELECT body FROM aap_notes")
            expected = {
                ECHO_DIRECTOR: [("Note d’ECHO",)],
                ECHO_STAFF: [("Note d’ECHO",)],
                FRESNOY_DIRECTOR: [("Note de Fresnoy",)],
                BASSE_MASURE_DIRECTOR: [],
            }[email]
            assert notes == expected, email


def test_a_removed_partner_sees_nothing_any_more(db_session, full_answer, as_user):
    with as_user(ECHO_DIRECTOR):
        aap.remove_partner(
            db_session, load(db_session, full_answer.answer_id), full_answer.fresnoy_party_id
        )
        db_session.flush()
    with as_user(FRESNOY_DIRECTOR):
        for table in DOSSIER_TABLES:
            assert _count(db_session, table, full_answer.agreement_id) == 0, table
        # Not even its own budget line or note.
        assert rows(db_session, "SELECT count(*) FROM aap_notes")[0][0] == 0


def test_outsiders_cannot_insert_into_the_dossier(demo, db_session, full_answer, as_user):
    alma = demo.centre("alma").id
    with as_user(ALMA_DIRECTOR) as ctx:
        params = {"a": full_answer.agreement_id, "ans": full_answer.answer_id, "u": ctx.user_id}
        assert refused(
            db_session,
            "INSERT INTO aap_sections (answer_id, agreement_id, position, code, title, guidance,"
            " owner_party_id, status, current_version, body, updated_at)"
            " VALUES (:ans, :a, 99, '', 'x', '', :p, 'to_write', 0, '', now())",
            p=full_answer.fresnoy_party_id,
            **params,
        )
        assert refused(
            db_session,
            "INSERT INTO aap_budget_lines (answer_id, agreement_id, party_id, centre_id, account,"
            " label, funder, amount, version, updated_at)"
            " VALUES (:ans, :a, :p, :c, '606', 'x', '', 1, 1, now())",
            p=full_answer.fresnoy_party_id,
            c=alma,
            **params,
        )
        assert refused(
            db_session,
            "INSERT INTO aap_notes (answer_id, agreement_id, centre_id, body, updated_at)"
            " VALUES (:ans, :a, :c, 'x', now())",
            c=alma,
            **params,
        )
        assert refused(
            db_session,
            "INSERT INTO aap_answers (agreement_id, call_id, lead_centre_id, status,"
            " submitted_centre_ids) VALUES (:a, :call, :c, 'draft', '{}')",
            call=full_answer.call_id,
            c=alma,
            **params,
        )
        assert refused(
            db_session,
            "INSERT INTO aap_call_leads (call_id, federation_id, centre_id, agreement_id)"
            " SELECT :call, federation_id, :c, :a FROM centres WHERE id = :c",
            call=full_answer.call_id,
            c=alma,
            **params,
        )


def test_a_party_cannot_write_in_another_partys_name(demo, db_session, full_answer, as_user):
    echo, montreuil_federation = demo.centre("echo"), demo.centre("grand-air").federation_id
    with as_user(FRESNOY_DIRECTOR):
        # Another party's budget line: invisible to UPDATE and DELETE.
        changed = db_session.execute(
            text(
                "UPDATE aap_budget_lines SET amount = 5 WHERE agreement_id = :a AND centre_id = :c"
            ),
            {"a": full_answer.agreement_id, "c": echo.id},
        ).rowcount
        assert changed == 0
        # A line in the lead's name, a comment or a version under someone else's name.
        assert refused(
            db_session,
            "INSERT INTO aap_budget_lines (answer_id, agreement_id, party_id, centre_id, account,"
            " label, funder, amount, version, updated_at)"
            " SELECT :ans, :a, id, :c, '606', 'x', '', 1, 1, now() FROM agreement_parties"
            " WHERE agreement_id = :a AND is_owner",
            ans=full_answer.answer_id,
            a=full_answer.agreement_id,
            c=echo.id,
        )
        assert refused(
            db_session,
            "INSERT INTO aap_comments (section_id, agreement_id, author_user_id, body)"
            " SELECT id, agreement_id, :other, 'x' FROM aap_sections WHERE agreement_id = :a"
            " LIMIT 1",
            a=full_answer.agreement_id,
            other=demo.user(ECHO_DIRECTOR).id,
        )
        # Only the lead adds sections.
        assert refused(
            db_session,
            "INSERT INTO aap_sections (answer_id, agreement_id, position, code, title, guidance,"
            " owner_party_id, status, current_version, body, updated_at)"
            " VALUES (:ans, :a, 99, '', 'x', '', :p, 'to_write', 0, '', now())",
            ans=full_answer.answer_id,
            a=full_answer.agreement_id,
            p=full_answer.fresnoy_party_id,
        )
        # A call published in another network.
        assert refused(
            db_session,
            "INSERT INTO aap_calls (federation_id, centre_id, funder, title, link, theme,"
            " deadline, eligibility) VALUES (:f, :c, 'caf', 'x', '', '', '2027-01-01', '')",
            f=montreuil_federation,
            c=demo.centre("fresnoy-mackellerie").id,
        )


def test_versions_are_insert_only(db_session, full_answer, as_user):
    with as_user(ECHO_DIRECTOR):
        assert refused(db_session, "UPDATE aap_section_versions SET body = 'x'")
        assert refused(db_session, "DELETE FROM aap_section_versions")
