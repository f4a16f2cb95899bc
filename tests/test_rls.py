"""Isolation proven in SQL: row-level security, table by table.

Every table of the schema must appear in ISOLATION_CASES, so a table added
later without an isolation test fails `test_every_table_has_an_isolation_case`.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ensemble.audit.models import AuditAction
from ensemble.people.models import Membership, Role
from ensemble.sharing import operations as sharing
from ensemble.sharing.models import AgreementKind, PartyStatus
from ensemble.tenancy import context

ALMA_DIRECTOR = "claire.vasseur@alma.demo"
FRESNOY_DIRECTOR = "thomas.lefebvre@fresnoy.demo"
MONTREUIL_DIRECTOR = "fatou.diallo@montreuil.demo"


def rows(session, sql: str, **params) -> list:
    return session.execute(text(sql), params).all()


def refused(session, sql: str, **params) -> bool:
    """True if the statement is rejected by the database (the savepoint is rolled back)."""
    nested = session.begin_nested()
    try:
        session.execute(text(sql), params)
    except DBAPIError as exc:
        nested.rollback()
        return "row-level security" in str(exc) or "permission denied" in str(exc)
    nested.rollback()
    return False


def schema_tables(session) -> set[str]:
    return {
        r[0]
        for r in rows(
            session,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'",
        )
    }


# Tables whose isolation this module proves. Each capability's tests declare
# their own ISOLATED_TABLES; the guard below collects them from every test file.
ISOLATED_TABLES = {
    "federations",
    "employers",
    "centres",
    "users",
    "credentials",
    "memberships",
    "audit_entries",
    "agreements",
    "agreement_parties",
}


def declared_isolated_tables() -> set[str]:
    import ast
    from pathlib import Path

    tables: set[str] = set()
    for path in Path(__file__).parent.rglob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "ISOLATED_TABLES"
            ):
                tables |= set(ast.literal_eval(node.value))
    return tables


def test_every_table_has_an_isolation_case(db_session):
    missing = schema_tables(db_session) - declared_isolated_tables()
    assert not missing, f"tables without an isolation test (ISOLATED_TABLES): {missing}"


def test_every_table_forces_row_level_security_and_has_policies(db_session):
    tables = rows(
        db_session,
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
        " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'",
    )
    assert tables
    for name, enabled, forced, policies in tables:
        assert enabled and forced, name
        assert policies > 0, name


def test_runtime_role_owns_nothing_and_cannot_bypass(db_session):
    ((role, superuser, bypass),) = rows(
        db_session,
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    assert role == "ensemble_app"
    assert not superuser and not bypass
    owned = rows(
        db_session,
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user",
    )
    assert owned == []


def test_missing_context_sees_no_row_of_any_table(db_session):
    with context.using(context.ANONYMOUS, db_session):
        for table in schema_tables(db_session):
            assert rows(db_session, f"SELECT count(*) FROM {table}")[0][0] == 0, table  # noqa: S608


@pytest.fixture
def shared_between_fresnoy_and_basse_masure(demo, db_session):
    fresnoy, basse_masure = demo.centre("fresnoy-mackellerie"), demo.centre("basse-masure")
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        agreement = sharing.create_agreement(
            db_session,
            AgreementKind.JOINT_ANSWER,
            "Projet inter-centres",
            owner=fresnoy,
        )
        sharing.invite(db_session, agreement, basse_masure)
        db_session.flush()
        return agreement.id


def test_directory_is_limited_to_ones_network(demo, db_session):
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        centres = {r[0] for r in rows(db_session, "SELECT slug FROM centres")}
        federations = {r[0] for r in rows(db_session, "SELECT slug FROM federations")}
        employers = {r[0] for r in rows(db_session, "SELECT slug FROM employers")}
    assert "alma" in centres and "fresnoy-mackellerie" in centres
    assert not {"grand-air", "esperanto", "lounes-matoub", "sfm-montreuil"} & centres
    assert federations == {"nord"}
    assert "ville-de-montreuil" not in employers and "iciela" in employers


def test_directory_is_written_by_admins_only(demo, db_session):
    alma = demo.centre("alma")
    nord = demo.federation("nord")
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        assert refused(
            db_session, "INSERT INTO federations (slug, name, territory) VALUES ('x', 'X', '')"
        )
        assert refused(
            db_session,
            "INSERT INTO centres (slug, name, employer_id, federation_id,"
            " address, postcode, city) VALUES ('x', 'X', :e, :f, '', '', '')",
            e=alma.employer_id,
            f=nord.id,
        )
        assert (
            rows(db_session, "UPDATE centres SET name = 'piraté' WHERE slug = 'echo' RETURNING id")
            == []
        )
        assert refused(
            db_session,
            "INSERT INTO employers (slug, name, kind, city) VALUES ('x', 'X', 'association', '')",
        )


def test_people_see_only_colleagues_and_never_other_hashes(demo, db_session):
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        emails = {r[0] for r in rows(db_session, "SELECT email FROM users")}
        credentials = rows(db_session, "SELECT user_id FROM credentials")
        memberships = rows(db_session, "SELECT centre_id, employer_id FROM memberships")
    assert {ALMA_DIRECTOR, "ines.mercier@alma.demo", "hugo.carpentier@alma.demo"} <= emails
    assert FRESNOY_DIRECTOR not in emails and MONTREUIL_DIRECTOR not in emails
    assert credentials == [(demo.user(ALMA_DIRECTOR).id,)]
    alma = demo.centre("alma")
    # Alma's centre memberships, and those of its employer (the shared HR manager).
    assert memberships
    assert all(c == alma.id or e == alma.employer_id for c, e in memberships)


def test_memberships_and_accounts_cannot_be_created_for_another_tenant(demo, db_session):
    fresnoy = demo.centre("fresnoy-mackellerie")
    me = demo.user(ALMA_DIRECTOR)
    other = demo.user(FRESNOY_DIRECTOR)
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        assert refused(
            db_session,
            "INSERT INTO memberships (user_id, role, centre_id, job_title)"
            " VALUES (:u, 'director', :c, '')",
            u=me.id,
            c=fresnoy.id,
        )
        assert refused(
            db_session,
            "INSERT INTO users (email, full_name, is_active_account, locale)"
            " VALUES ('x@y.demo', 'X', true, 'fr')",
        )
        assert refused(
            db_session,
            "INSERT INTO credentials (user_id, password_hash) VALUES (:u, 'x')",
            u=other.id,
        )
        assert (
            rows(
                db_session,
                "UPDATE credentials SET password_hash = 'x' WHERE user_id = :u RETURNING user_id",
                u=other.id,
            )
            == []
        )


def test_audit_log_is_isolated_and_append_only(demo, db_session):
    alma, fresnoy = demo.centre("alma"), demo.centre("fresnoy-mackellerie")
    from ensemble.audit.operations import record

    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        record(db_session, AuditAction.READ, "centres", fresnoy.id, centre_id=fresnoy.id)
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        record(db_session, AuditAction.READ, "centres", alma.id, centre_id=alma.id)
        seen = {r[0] for r in rows(db_session, "SELECT centre_id FROM audit_entries")}
        assert fresnoy.id not in seen and alma.id in seen
        me = demo.user(ALMA_DIRECTOR).id
        assert refused(
            db_session,
            "INSERT INTO audit_entries (user_id, action, object_type,"
            " centre_id, details, ip_address)"
            " VALUES (:u, 'read', 'x', :c, '{}', '')",
            u=me,
            c=fresnoy.id,
        )
        # Forging an entry in someone else's name is refused too.
        other = demo.user(FRESNOY_DIRECTOR).id
        assert refused(
            db_session,
            "INSERT INTO audit_entries (user_id, action, object_type,"
            " details, ip_address) VALUES (:u, 'read', 'x', '{}', '')",
            u=other,
        )
        assert refused(db_session, "UPDATE audit_entries SET object_type = 'x'")
        assert refused(db_session, "DELETE FROM audit_entries")


def test_shared_agreement_is_seen_by_its_parties_only(
    demo, db_session, shared_between_fresnoy_and_basse_masure
):
    agreement_id = shared_between_fresnoy_and_basse_masure
    query = "SELECT id FROM agreements WHERE id = :a"
    parties = "SELECT id FROM agreement_parties WHERE agreement_id = :a"
    with context.using(demo.context_of("aicha.ouali@bassemasure.demo"), db_session):
        assert rows(db_session, query, a=agreement_id)
        assert len(rows(db_session, parties, a=agreement_id)) == 2
    for outsider in (ALMA_DIRECTOR, MONTREUIL_DIRECTOR, "marion.delattre@rh.demo"):
        with context.using(demo.context_of(outsider), db_session):
            assert rows(db_session, query, a=agreement_id) == [], outsider
            assert rows(db_session, parties, a=agreement_id) == [], outsider


def test_non_owner_cannot_add_parties_or_take_over(
    demo, db_session, shared_between_fresnoy_and_basse_masure
):
    agreement_id = shared_between_fresnoy_and_basse_masure
    alma = demo.centre("alma")
    with context.using(demo.context_of("aicha.ouali@bassemasure.demo"), db_session):
        assert refused(
            db_session,
            "INSERT INTO agreement_parties (agreement_id, centre_id,"
            " is_owner, status) VALUES (:a, :c, false, 'active')",
            a=agreement_id,
            c=alma.id,
        )
        assert (
            rows(
                db_session,
                "UPDATE agreements SET title = 'x' WHERE id = :a RETURNING id",
                a=agreement_id,
            )
            == []
        )
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        assert refused(
            db_session,
            "INSERT INTO agreement_parties (agreement_id, centre_id,"
            " is_owner, status) VALUES (:a, :c, false, 'active')",
            a=agreement_id,
            c=alma.id,
        )
        assert refused(
            db_session,
            "INSERT INTO agreements (kind, title, owner_centre_id)"
            " VALUES ('joint_answer', 'x', :c)",
            c=demo.centre("echo").id,
        )


def test_a_party_that_leaves_loses_access(
    demo, db_session, shared_between_fresnoy_and_basse_masure
):
    agreement_id = shared_between_fresnoy_and_basse_masure
    basse_masure = demo.centre("basse-masure")
    director = "aicha.ouali@bassemasure.demo"
    with context.using(demo.context_of(director), db_session):
        party = sharing.party_of(db_session, agreement_id, basse_masure)
        sharing.set_status(db_session, party, PartyStatus.LEFT)
        db_session.flush()
        assert rows(db_session, "SELECT id FROM agreements WHERE id = :a", a=agreement_id) == []


def test_reporting_role_is_read_only(database):
    import psycopg

    from ensemble.devstack.bootstrap import _libpq

    with psycopg.connect(_libpq(database.reporting)) as conn:
        assert conn.execute("SELECT count(*) FROM centres").fetchone()[0] >= 10
        for statement in (
            "SELECT count(*) FROM users",
            "SELECT count(*) FROM audit_entries",
            "UPDATE centres SET name = name",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()


def test_staff_role_cannot_be_forged_into_membership(demo, db_session):
    # Even the membership check constraint refuses a role without its scope.
    with context.using(context.system_context(is_admin=True), db_session):
        nested = db_session.begin_nested()
        db_session.add(Membership(user_id=demo.user(ALMA_DIRECTOR).id, role=Role.DIRECTOR))
        with pytest.raises(DBAPIError):
            db_session.flush()
        nested.rollback()
