"""HR rows are isolated per employer, in SQL (through the runtime role)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ensemble.hr import operations
from ensemble.hr.models import DocumentKind
from ensemble.tenancy import context

from .conftest import ALMA_DIRECTOR, ALMA_STAFF, HR_MANAGER, ICIELA_DIRECTOR

ISOLATED_TABLES = {
    "hr_staff_members",
    "hr_staff_centres",
    "hr_training_records",
    "hr_due_items",
    "hr_documents",
    "hr_toolbox_documents",
}

EMPLOYER_TABLES = sorted(ISOLATED_TABLES - {"hr_toolbox_documents"})


def rows(session, sql: str, **params) -> list:
    return session.execute(text(sql), params).all()


def refused(session, sql: str, **params) -> bool:
    nested = session.begin_nested()
    try:
        session.execute(text(sql), params)
    except DBAPIError as exc:
        nested.rollback()
        return "row-level security" in str(exc)
    nested.rollback()
    return False


@pytest.fixture
def both_registers(demo, db_session, alma, iciela, add_person):
    """One person at each employer, with a training, a centre and a document."""
    ids = {}
    for employer, name, centre in (
        (alma, "Alma-Person", "alma"),
        (iciela, "Iciela-Person", "pile-sainte-elisabeth"),
    ):
        person_id = add_person(employer, name, centre_ids=[demo.centre(centre).id])
        with (
            context.using(demo.context_of(HR_MANAGER), db_session),
            operations.employer_scope(db_session, employer.id),
        ):
            member = db_session.get(operations.StaffMember, person_id)
            operations.add_training(
                db_session,
                member,
                title="SST",
                completed_on=member.start_date,
                today=member.start_date,
            )
            operations.add_document(
                db_session,
                employer.id,
                title=f"Contrat {name}",
                kind=DocumentKind.CONTRACT,
                filename="contrat.pdf",
                content_type="application/pdf",
                content=b"%PDF-1.4",
                staff_member_id=person_id,
            )
        ids[employer.slug] = person_id
    return ids


@pytest.mark.parametrize("table", EMPLOYER_TABLES)
def test_alma_director_sees_none_of_icielas_rows(demo, db_session, both_registers, table, alma):
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        employers = {r[0] for r in rows(db_session, f"SELECT employer_id FROM {table}")}
    assert employers == {alma.id}


@pytest.mark.parametrize("table", EMPLOYER_TABLES)
def test_staff_see_no_hr_row_even_of_their_own_employer(demo, db_session, both_registers, table):
    with context.using(demo.context_of(ALMA_STAFF), db_session):
        assert rows(db_session, f"SELECT id FROM {table}") == []


def test_the_hr_manager_sees_both_but_a_scoped_statement_sees_one(
    demo, db_session, both_registers, alma, iciela
):
    union = (
        "SELECT employer_id FROM hr_staff_members WHERE employer_id = :a"
        " UNION ALL SELECT employer_id FROM hr_staff_members WHERE employer_id = :i"
    )
    join = (
        "SELECT a.id, i.id FROM hr_staff_members a"
        " CROSS JOIN hr_staff_members i WHERE a.employer_id = :a AND i.employer_id = :i"
    )
    with context.using(demo.context_of(HR_MANAGER), db_session):
        # Her own context spans both employers…
        assert {r[0] for r in rows(db_session, union, a=alma.id, i=iciela.id)} == {
            alma.id,
            iciela.id,
        }
        # …but every HR query runs narrowed to one, where no statement can see two.
        for employer in (alma, iciela):
            with operations.employer_scope(db_session, employer.id):
                seen = {r[0] for r in rows(db_session, union, a=alma.id, i=iciela.id)}
                assert seen == {employer.id}
                assert rows(db_session, join, a=alma.id, i=iciela.id) == []
                for table in EMPLOYER_TABLES:
                    found = {r[0] for r in rows(db_session, f"SELECT employer_id FROM {table}")}
                    assert found == {employer.id}, table


def test_scope_refuses_an_employer_one_does_not_serve(demo, db_session, iciela):
    with (
        context.using(demo.context_of(ALMA_DIRECTOR), db_session),
        pytest.raises(operations.NotServed),
        operations.employer_scope(db_session, iciela.id),
    ):
        pass


def test_writes_with_another_employers_id_are_refused(
    demo, db_session, both_registers, iciela, alma
):
    iciela_person = both_registers["iciela"]
    alma_person = both_registers["association-alma"]
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        assert refused(
            db_session,
            "INSERT INTO hr_staff_members (employer_id, last_name, first_name, email, job_title,"
            " category, contract_type, start_date, trial_renewed, fte, alisfa_job,"
            " health_follow_up, created_at) VALUES (:e, 'X', 'Y', '', 'Z', 'employee', 'cdi',"
            " '2026-01-01', false, 1, '', 'standard', now())",
            e=iciela.id,
        )
        assert refused(
            db_session,
            "INSERT INTO hr_due_items (employer_id, staff_member_id, kind, reference, due_on)"
            " VALUES (:e, :p, 'health_visit', 'x', '2026-01-01')",
            e=iciela.id,
            p=iciela_person,
        )
        assert refused(
            db_session,
            "INSERT INTO hr_documents (employer_id, title, kind, filename, content_type, size,"
            " content, created_at) VALUES (:e, 'x', 'other', 'x', 'x', 0, '', now())",
            e=iciela.id,
        )
        # A person of Alma cannot be placed in one of Iciela's centres.
        assert refused(
            db_session,
            "INSERT INTO hr_staff_centres (employer_id, staff_member_id, centre_id)"
            " VALUES (:e, :p, :c)",
            e=alma.id,
            p=alma_person,
            c=demo.centre("assia-djebar").id,
        )
        updated = rows(
            db_session, "UPDATE hr_staff_members SET job_title = 'x' RETURNING employer_id"
        )
        assert updated and {r[0] for r in updated} == {alma.id}
        assert (
            rows(
                db_session,
                "DELETE FROM hr_training_records WHERE employer_id = :e RETURNING id",
                e=iciela.id,
            )
            == []
        )


def test_rows_about_a_person_stay_on_the_persons_employer(demo, db_session, both_registers, alma):
    # Even the HR manager serving both cannot attach Iciela's person to an Alma row.
    with context.using(demo.context_of(HR_MANAGER), db_session):
        nested = db_session.begin_nested()
        with pytest.raises(DBAPIError, match="foreign key"):
            db_session.execute(
                text(
                    "INSERT INTO hr_training_records (employer_id, staff_member_id, title,"
                    " completed_on, mandatory, created_at)"
                    " VALUES (:e, :p, 'x', '2026-01-01', false, now())"
                ),
                {"e": alma.id, "p": both_registers["iciela"]},
            )
        nested.rollback()


def test_toolbox_is_shared_only_with_employers_the_author_serves(demo, db_session, alma, iciela):
    with context.using(demo.context_of(HR_MANAGER), db_session):
        both = operations.share_toolbox_document(
            db_session,
            [alma.id, iciela.id],
            title="Livret d’accueil",
            kind=DocumentKind.CHECKLIST,
            description="",
            filename="livret.odt",
            content_type="application/vnd.oasis.opendocument.text",
            content=b"x",
        )
        iciela_only = operations.share_toolbox_document(
            db_session,
            [iciela.id],
            title="Guide d’entretien",
            kind=DocumentKind.GUIDE,
            description="",
            filename="guide.odt",
            content_type="application/vnd.oasis.opendocument.text",
            content=b"x",
        )
        ids = (both.id, iciela_only.id)
    query = "SELECT id FROM hr_toolbox_documents WHERE id IN (:a, :b)"
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        assert rows(db_session, query, a=ids[0], b=ids[1]) == [(both.id,)]
        # A director may not share into another employer, nor edit her document.
        assert refused(
            db_session,
            "INSERT INTO hr_toolbox_documents (author_id, employer_ids, title, kind,"
            " description, filename, content_type, size, content, created_at)"
            " VALUES (:u, ARRAY[:e]::bigint[], 'x', 'other', '', 'x', 'x', 0, '', now())",
            u=demo.user(ALMA_DIRECTOR).id,
            e=iciela.id,
        )
        assert rows(db_session, "UPDATE hr_toolbox_documents SET title = 'x' RETURNING id") == []
    with context.using(demo.context_of(ICIELA_DIRECTOR), db_session):
        assert {r[0] for r in rows(db_session, query, a=ids[0], b=ids[1])} == set(ids)
    with context.using(demo.context_of(ALMA_STAFF), db_session):
        assert rows(db_session, query, a=ids[0], b=ids[1]) == []
