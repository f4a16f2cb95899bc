"""Shared posts in SQL, through the runtime role: parties see the post, a
non-party sees nothing of it, salary figures reach only the parties' directors
and HR managers, and nobody outside the carrier writes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from test_rls import refused, rows

from ensemble.posts import operations as posts
from ensemble.posts.models import DocumentKind
from posts.posts_support import (
    ALMA_DIRECTOR,
    ALMA_STAFF,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    HR_MANAGER,
    MONTREUIL_DIRECTOR,
    OFFICER,
    build_officer_post,
    load_post,
)

ISOLATED_TABLES = {
    "shared_posts",
    "post_allocations",
    "post_documents",
    "post_time_entries",
    "post_costs",
    "post_statements",
    "post_statement_costs",
    "post_statement_lines",
}
PARTY_TABLES = ("shared_posts", "post_allocations", "post_documents", "post_time_entries")
SALARY_TABLES = ("post_costs", "post_statement_costs", "post_statement_lines")
PDF = b"%PDF-1.4 test"


@pytest.fixture
def full_post(demo, db_session, officer_post, as_user):
    """The officer's post with a document, a time entry and an issued statement."""
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, officer_post.post_id)
        posts.add_document(
            db_session,
            post,
            kind=DocumentKind.AGREEMENT,
            signed_on=date(2025, 12, 15),
            filename="convention.pdf",
            data=PDF,
        )
        posts.add_time_entry(
            db_session,
            post,
            centre_id=demo.centre("fresnoy-mackellerie").id,
            work_date=date(2026, 2, 3),
            hours=Decimal("3.5"),
        )
        posts.issue_statement(db_session, post, date(2026, 2, 1))
        db_session.flush()
    return officer_post


def _count(session, table, agreement_id):
    return rows(session, f"SELECT count(*) FROM {table} WHERE agreement_id = :a", a=agreement_id)[
        0
    ][0]


@pytest.mark.parametrize("outsider", [ECHO_DIRECTOR, MONTREUIL_DIRECTOR, ALMA_STAFF])
def test_a_non_party_sees_no_row_of_the_post(db_session, full_post, as_user, outsider):
    with as_user(outsider):
        for table in ISOLATED_TABLES:
            assert _count(db_session, table, full_post.agreement_id) == 0, (outsider, table)


@pytest.mark.parametrize("director", [ALMA_DIRECTOR, FRESNOY_DIRECTOR, BASSE_MASURE_DIRECTOR])
def test_every_party_director_sees_the_post_and_its_salary_figures(
    db_session, full_post, as_user, director
):
    with as_user(director):
        for table in ISOLATED_TABLES:
            assert _count(db_session, table, full_post.agreement_id) > 0, (director, table)


def test_staff_of_a_party_sees_the_post_but_no_salary_figure(db_session, full_post, as_user):
    # The officer is staff at Fresnoy Mackellerie and Basse Masure, both parties.
    with as_user(OFFICER):
        for table in (*PARTY_TABLES, "post_statements"):
            assert _count(db_session, table, full_post.agreement_id) > 0, table
        for table in SALARY_TABLES:
            assert _count(db_session, table, full_post.agreement_id) == 0, table
        assert rows(db_session, "SELECT gross_salary FROM post_costs") == []


def test_the_hr_manager_of_a_non_party_employer_sees_nothing(db_session, full_post, as_user):
    # Marion serves Alma and Iciela: Alma carries the post, so she sees it...
    with as_user(HR_MANAGER):
        assert _count(db_session, "post_costs", full_post.agreement_id) == 1
    # ...but Iciela's director does not.
    with as_user("sophie.lambrecht@iciela.demo"):
        for table in ISOLATED_TABLES:
            assert _count(db_session, table, full_post.agreement_id) == 0, table


def test_a_non_party_cannot_write_into_the_post(demo, db_session, full_post, as_user):
    a, p = full_post.agreement_id, full_post.post_id
    echo = demo.centre("echo").id
    with as_user(ECHO_DIRECTOR):
        assert refused(
            db_session,
            "INSERT INTO post_time_entries (post_id, agreement_id, centre_id, work_date, hours,"
            " source, note) VALUES (:p, :a, :c, '2026-02-02', 2, 'manual', '')",
            p=p,
            a=a,
            c=echo,
        )
        assert refused(
            db_session,
            "INSERT INTO post_costs (post_id, agreement_id, valid_from, gross_salary,"
            " employer_charges, travel_expenses, employment_aid)"
            " VALUES (:p, :a, '2026-03-01', 1, 1, 0, 0)",
            p=p,
            a=a,
        )
        assert refused(
            db_session,
            "INSERT INTO post_statements (post_id, agreement_id, month, version, issued_at,"
            " correction_note) VALUES (:p, :a, '2026-03-01', 9, now(), '')",
            p=p,
            a=a,
        )
        assert rows(db_session, "UPDATE shared_posts SET tasks = 'x' RETURNING id") == []


def test_a_host_director_records_time_but_does_not_manage_the_post(
    demo, db_session, full_post, as_user
):
    a, p = full_post.agreement_id, full_post.post_id
    with as_user(FRESNOY_DIRECTOR):
        rows(
            db_session,
            "INSERT INTO post_time_entries (post_id, agreement_id, centre_id, work_date, hours,"
            " source, note) VALUES (:p, :a, :c, '2026-02-04', 2, 'manual', '') RETURNING id",
            p=p,
            a=a,
            c=demo.centre("fresnoy-mackellerie").id,
        )
        assert refused(
            db_session,
            "INSERT INTO post_costs (post_id, agreement_id, valid_from, gross_salary,"
            " employer_charges, travel_expenses, employment_aid)"
            " VALUES (:p, :a, '2026-03-01', 1, 1, 0, 0)",
            p=p,
            a=a,
        )
        assert rows(db_session, "UPDATE post_costs SET gross_salary = 0 RETURNING id") == []
        assert rows(db_session, "DELETE FROM post_allocations RETURNING id") == []


def test_a_row_cannot_borrow_another_posts_agreement(demo, db_session, full_post, as_user):
    """Policies read agreement_id: the composite key keeps it the post's own."""
    other = build_officer_post(demo, db_session, title="Autre poste")
    with as_user(FRESNOY_DIRECTOR):
        nested = db_session.begin_nested()
        with pytest.raises(DBAPIError, match="foreign key"):
            db_session.execute(
                text(
                    "INSERT INTO post_time_entries (post_id, agreement_id, centre_id, work_date,"
                    " hours, source, note) VALUES (:p, :a, :c, '2026-02-04', 2, 'manual', '')"
                ),
                {"p": other.post_id, "a": full_post.agreement_id, "c": demo.centre("alma").id},
            )
        nested.rollback()


def test_issued_statements_cannot_be_changed_or_deleted(db_session, full_post, as_user):
    with as_user(ALMA_DIRECTOR):
        for table in ("post_statements", "post_statement_costs", "post_statement_lines"):
            assert refused(db_session, f"UPDATE {table} SET agreement_id = agreement_id")
            assert refused(db_session, f"DELETE FROM {table}")


def test_the_trigger_refuses_changes_even_to_a_superuser(database):
    """Beyond grants and policies: a role that bypasses row-level security (the
    superuser) is stopped by the trigger too."""
    import psycopg

    from ensemble.devstack.bootstrap import _libpq

    with psycopg.connect(_libpq(database.admin)) as conn:
        for table in ("post_statements", "post_statement_costs", "post_statement_lines"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 1
            with pytest.raises(
                psycopg.errors.IntegrityConstraintViolation, match="nouvelle version"
            ):
                conn.execute(f"UPDATE {table} SET agreement_id = agreement_id")
            conn.rollback()
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation):
                conn.execute(f"DELETE FROM {table}")
            conn.rollback()


def test_reporting_reads_shares_and_hours_but_no_person(database):
    import psycopg

    from ensemble.devstack.bootstrap import _libpq

    with psycopg.connect(_libpq(database.reporting)) as conn:
        assert conn.execute("SELECT count(*) FROM post_allocations").fetchone()[0] >= 1
        for statement in (
            "SELECT holder_user_id FROM shared_posts",
            "SELECT entered_by_user_id FROM post_time_entries",
            "SELECT * FROM post_costs",
            "SELECT * FROM post_statement_lines",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()


def _holder_rows(session, demo):
    return rows(session, "SELECT full_name FROM users WHERE id = :u", u=demo.user(OFFICER).id)


def test_the_holders_account_is_read_by_the_posts_parties_only(
    db_session, demo, full_post, as_user
):
    # The carrier's HR manager shares no centre with the holder: the post makes him visible.
    with as_user(HR_MANAGER):
        assert _holder_rows(db_session, demo) == [("Hugo Carpentier",)]
    for outsider in (ECHO_DIRECTOR, MONTREUIL_DIRECTOR):
        with as_user(outsider):
            assert _holder_rows(db_session, demo) == [], outsider
