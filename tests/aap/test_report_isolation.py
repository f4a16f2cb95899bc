"""The grant's financial report in SQL, through the runtime role: the members of
the answer read it, another centre and the federation read nothing, a partner
writes its own part and lines only, the lead alone writes the report, and a
signed report changes no more."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from test_rls import refused, rows

from aap.aap_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    MONTREUIL_DIRECTOR,
)
from aap.report_support import build_granted, fill_parts

ISOLATED_TABLES = {"aap_financial_reports", "aap_report_parts", "aap_report_lines"}
NORD_ANALYST = "paul.verhaeghe@federation-nord.demo"


@pytest.fixture
def filled(demo, db_session, frozen_clock):
    granted = build_granted(demo, db_session, frozen_clock)
    fill_parts(demo, db_session, granted)
    return granted


def _count(session, table, agreement_id):
    return rows(session, f"SELECT count(*) FROM {table} WHERE agreement_id = :a", a=agreement_id)[
        0
    ][0]


@pytest.mark.parametrize("outsider", [ALMA_DIRECTOR, MONTREUIL_DIRECTOR, NORD_ANALYST])
def test_an_outsider_reads_nothing_of_the_report(db_session, filled, as_user, outsider):
    with as_user(outsider):
        for table in sorted(ISOLATED_TABLES):
            assert _count(db_session, table, filled.agreement_id) == 0, (outsider, table)


def test_the_members_read_every_part(db_session, filled, as_user):
    for email in (ECHO_DIRECTOR, FRESNOY_DIRECTOR, BASSE_MASURE_DIRECTOR):
        with as_user(email):
            assert _count(db_session, "aap_financial_reports", filled.agreement_id) == 1
            assert _count(db_session, "aap_report_parts", filled.agreement_id) == 3
            assert _count(db_session, "aap_report_lines", filled.agreement_id) >= 5


def test_a_partner_writes_only_its_own_rows(demo, db_session, filled, as_user):
    fresnoy = demo.centre("fresnoy-mackellerie").id
    with as_user(BASSE_MASURE_DIRECTOR):
        # Another party's comment and amounts: the policy hides them from UPDATE.
        db_session.execute(
            text("UPDATE aap_report_parts SET comment = 'forgé' WHERE centre_id = :c"),
            {"c": fresnoy},
        )
        db_session.execute(
            text("UPDATE aap_report_lines SET amount = 1 WHERE centre_id = :c"),
            {"c": fresnoy},
        )
        assert refused(
            db_session,
            "UPDATE aap_financial_reports SET hourly_rate = 1 WHERE agreement_id = :a",
            a=filled.agreement_id,
        ) or (
            rows(
                db_session,
                "SELECT hourly_rate FROM aap_financial_reports WHERE agreement_id = :a",
                a=filled.agreement_id,
            )[0][0]
            != 1
        )
        assert refused(
            db_session,
            "INSERT INTO aap_report_lines (report_id, agreement_id, party_id, centre_id, account,"
            " label, amount, explanation, updated_at) SELECT report_id, agreement_id, party_id,"
            " centre_id, '606', 'forgé', 1, '', now() FROM aap_report_parts WHERE centre_id = :c",
            c=fresnoy,
        )
    with as_user(FRESNOY_DIRECTOR):
        comments = rows(
            db_session,
            "SELECT comment FROM aap_report_parts WHERE centre_id = :c AND agreement_id = :a",
            c=fresnoy,
            a=filled.agreement_id,
        )
        assert comments == [("Trois ateliers tenus sur quatre prévus.",)]
        assert rows(
            db_session,
            "SELECT count(*) FROM aap_report_lines WHERE centre_id = :c AND amount = 1",
            c=fresnoy,
        ) == [(0,)]
        assert rows(
            db_session,
            "SELECT count(*) FROM aap_report_parts WHERE comment = 'forgé'",
        ) == [(0,)]


def test_a_signed_report_changes_no_more(demo, db_session, filled, as_user):
    with as_user(ECHO_DIRECTOR) as ctx:
        db_session.execute(
            text(
                "UPDATE aap_financial_reports SET signatory_name = 'Martine Leroy',"
                " signatory_quality = 'Présidente', signed_on = '2027-01-20',"
                " signed_by_user_id = :u WHERE agreement_id = :a"
            ),
            {"u": ctx.user_id, "a": filled.agreement_id},
        )
        db_session.execute(
            text("UPDATE aap_financial_reports SET hourly_rate = 1 WHERE agreement_id = :a"),
            {"a": filled.agreement_id},
        )
        assert rows(
            db_session,
            "SELECT hourly_rate FROM aap_financial_reports WHERE agreement_id = :a",
            a=filled.agreement_id,
        ) == [(Decimal("12.02"),)]
    with as_user(FRESNOY_DIRECTOR):
        db_session.execute(
            text("UPDATE aap_report_parts SET comment = 'après' WHERE agreement_id = :a"),
            {"a": filled.agreement_id},
        )
        assert rows(
            db_session,
            "SELECT count(*) FROM aap_report_parts WHERE comment = 'après'",
        ) == [(0,)]
