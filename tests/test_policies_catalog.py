"""Policies that say everything, read from the catalog for every table (so a table
added later is covered):

- no table lets the runtime role UPDATE every column (a table-wide grant would
  also cover the columns added later); the columns it may update are granted
  one by one;
- among those, none places the row: no primary key, no tenant or parent column
  (foreign keys, `centre_id`, `agreement_id`…), no ownership flag (`is_owner`),
  no authorship — unless the database constrains the new value (every UPDATE
  policy's check names the column, or the only UPDATE policies are the platform
  admin's, or a BEFORE UPDATE OF that column trigger guards it), or it is a
  reference listed below with the reason it may change;
- no application role is, or can become by membership, a superuser or a role
  that bypasses row-level security.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ensemble.config import ROLES
from ensemble.sharing import operations as sharing
from ensemble.sharing.models import AgreementKind
from ensemble.tenancy import context

# Columns that place a row (its tenant, its parent, its owner, its author), by name.
PLACEMENT = re.compile(
    r"^(id|centre_id|employer_id|federation_id|agreement_id|user_id|party_id|post_id"
    r"|answer_id|call_id|section_id|calendar_id|declaration_id|staff_member_id|statement_id"
    r"|owner_.*|.*_owner|is_owner|is_carrier|created_at|created_by_user_id|author_.*"
    r"|uploaded_by.*|entered_by_user_id|employer_ids)$"
)

# Foreign keys that name a person or a row the owner side may legitimately point
# elsewhere; the isolation of the row does not depend on them.
REFERENCES = {
    ("aap_answers", "submitted_by_user_id"): "who submitted: set once, at submission",
    ("aap_budget_lines", "updated_by_user_id"): "who last changed the line",
    ("aap_comments", "resolved_by_user_id"): "who resolved the thread",
    ("aap_sections", "writer_user_id"): "the writer the lead assigns",
    ("agenda_requests", "event_id"): "the event an accepted request became",
    ("shared_posts", "holder_user_id"): "the person in the post",
    ("post_allocations", "site_centre_id"): "the carrier's centre where the time is spent",
    ("post_costs", "entered_by_user_id"): "who last entered the month's costs",
}


def rows(session, sql: str, **params) -> list:
    return session.execute(text(sql), params).all()


def _placement_columns(session) -> dict[str, set[str]]:
    """Per table: primary-key and foreign-key columns, and columns named like PLACEMENT."""
    found: dict[str, set[str]] = {}
    for table, column, keyed in rows(
        session,
        "SELECT c.relname, a.attname, EXISTS (SELECT 1 FROM pg_constraint k"
        "  WHERE k.conrelid = c.oid AND k.contype IN ('p', 'f') AND a.attnum = ANY(k.conkey))"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = 'public' AND c.relkind = 'r'",
    ):
        if keyed or PLACEMENT.match(column):
            found.setdefault(table, set()).add(column)
    return found


def _update_checks(session, role: str) -> dict[str, list[str]]:
    """Per table: the check of each UPDATE policy that applies to `role`."""
    checks: dict[str, list[str]] = {}
    for table, check in rows(
        session,
        "SELECT c.relname, coalesce(pg_get_expr(p.polwithcheck, p.polrelid),"
        " pg_get_expr(p.polqual, p.polrelid), '')"
        " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid"
        " WHERE p.polcmd IN ('w', '*') AND p.polpermissive"
        " AND (0 = ANY(p.polroles) OR (SELECT oid FROM pg_roles WHERE rolname = :role)"
        "      = ANY(p.polroles))",
        role=role,
    ):
        checks.setdefault(table, []).append(check)
    return checks


def _guarded(session) -> set[tuple[str, str]]:
    """(table, column) pairs a BEFORE UPDATE OF column trigger guards."""
    return {
        (table, column)
        for table, column in rows(
            session,
            "SELECT c.relname, a.attname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(t.tgattr)"
            " WHERE NOT t.tgisinternal AND t.tgtype & 2 = 2 AND t.tgtype & 16 = 16",
        )
    }


def _updatable(session, role: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for table, column in rows(
        session,
        "SELECT c.relname, a.attname FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        " AND has_column_privilege(:role, c.oid, a.attnum, 'UPDATE')",
        role=role,
    ):
        found.setdefault(table, set()).add(column)
    return found


def test_no_table_grants_update_on_every_column(db_session):
    table_wide = rows(
        db_session,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        " AND (has_table_privilege(:r, c.oid, 'UPDATE')"
        "      OR EXISTS (SELECT 1 FROM aclexplode(c.relacl) x"
        "                 WHERE x.grantee = (SELECT oid FROM pg_roles WHERE rolname = :r)"
        "                 AND x.privilege_type = 'UPDATE'))",
        r=ROLES.runtime,
    )
    assert table_wide == [], (
        "grant UPDATE column by column (ensemble.tenancy.rls.grant_update): "
        f"{[t for (t,) in table_wide]}"
    )


def test_no_update_can_move_a_row_or_change_its_owner(db_session):
    placement = _placement_columns(db_session)
    checks = _update_checks(db_session, ROLES.runtime)
    updatable = _updatable(db_session, ROLES.runtime)
    guarded = _guarded(db_session)
    assert updatable, "the runtime role updates nothing at all: the query is wrong"
    assert ("aap_sections", "owner_party_id") in guarded, "the trigger query is wrong"
    unconstrained = []
    for table, columns in updatable.items():
        policies = checks.get(table, [])
        admin_only = policies and all(c.strip("() ") == "app_is_admin" for c in policies)
        for column in sorted(columns & placement.get(table, set())):
            if (table, column) in REFERENCES or (table, column) in guarded or admin_only:
                continue
            named = policies and all(re.search(rf"\b{column}\b", c) for c in policies)
            if not named:
                unconstrained.append(f"{table}.{column}")
    assert unconstrained == [], (
        f"columns a tenant could change with an UPDATE that no policy constrains: {unconstrained}"
    )


def test_listed_references_exist_and_are_updatable(db_session):
    """The exceptions above stay true: a renamed column must be listed again."""
    updatable = _updatable(db_session, ROLES.runtime)
    stale = [f"{t}.{c}" for t, c in REFERENCES if c not in updatable.get(t, set())]
    assert stale == []


@pytest.mark.parametrize("role", [ROLES.owner, ROLES.runtime, ROLES.reporting, ROLES.rls_helper])
def test_no_application_role_reaches_a_role_that_bypasses_rls(db_session, role):
    reachable = rows(
        db_session,
        "WITH RECURSIVE reach(oid) AS ("
        "  SELECT oid FROM pg_roles WHERE rolname = :role"
        "  UNION SELECT m.roleid FROM pg_auth_members m JOIN reach ON m.member = reach.oid)"
        " SELECT r.rolname, r.rolsuper, r.rolbypassrls FROM pg_roles r JOIN reach USING (oid)",
        role=role,
    )
    assert reachable, f"role {role} does not exist"
    assert [name for name, superuser, bypass in reachable if superuser or bypass] == []


def test_security_definer_functions_run_as_a_role_that_cannot_bypass(db_session):
    owners = rows(
        db_session,
        "SELECT p.proname, r.rolname, r.rolsuper OR r.rolbypassrls FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles r ON r.oid = p.proowner"
        " WHERE n.nspname = 'public' AND p.prosecdef",
    )
    assert owners
    assert [f"{name} ({owner})" for name, owner, bypass in owners if bypass] == []


# --- What the catalog rules mean, in SQL -------------------------------------------------


def _refused(session, sql: str, **params) -> bool:
    nested = session.begin_nested()
    try:
        result = session.execute(text(sql), params)
    except DBAPIError as exc:
        nested.rollback()
        return "permission denied" in str(exc) or "row-level security" in str(exc)
    changed = result.rowcount
    nested.rollback()
    return changed == 0


@pytest.fixture
def fresnoy_answer_with_basse_masure(demo, db_session):
    fresnoy, basse_masure = demo.centre("fresnoy-mackellerie"), demo.centre("basse-masure")
    with context.using(demo.context_of("thomas.lefebvre@fresnoy.demo"), db_session):
        agreement = sharing.create_agreement(
            db_session, AgreementKind.JOINT_ANSWER, "Projet", owner=fresnoy
        )
        sharing.invite(db_session, agreement, basse_masure)
        db_session.flush()
        other = sharing.create_agreement(
            db_session, AgreementKind.JOINT_ANSWER, "Autre projet", owner=fresnoy
        )
        db_session.flush()
        return agreement.id, other.id, basse_masure.id


def test_a_party_cannot_make_itself_the_owner_or_move_to_another_agreement(
    demo, db_session, fresnoy_answer_with_basse_masure
):
    agreement_id, other_id, basse_masure_id = fresnoy_answer_with_basse_masure
    with context.using(demo.context_of("aicha.ouali@bassemasure.demo"), db_session):
        own_row = "agreement_id = :a AND centre_id = :c"
        # Its own row, which it may answer (status), but not take over.
        assert not _refused(
            db_session,
            f"UPDATE agreement_parties SET status = 'active' WHERE {own_row}",
            a=agreement_id,
            c=basse_masure_id,
        )
        for change in ("is_owner = true", "agreement_id = :o", "centre_id = NULL"):
            assert _refused(
                db_session,
                f"UPDATE agreement_parties SET {change} WHERE {own_row}",
                a=agreement_id,
                c=basse_masure_id,
                o=other_id,
            ), change


def test_a_party_that_left_cannot_make_itself_active_again(
    demo, db_session, fresnoy_answer_with_basse_masure
):
    agreement_id, _other, basse_masure_id = fresnoy_answer_with_basse_masure
    basse_masure = "aicha.ouali@bassemasure.demo"
    own_row = "agreement_id = :a AND centre_id = :c"
    with context.using(demo.context_of(basse_masure), db_session):
        db_session.execute(
            text(f"UPDATE agreement_parties SET status = 'active' WHERE {own_row}"),
            {"a": agreement_id, "c": basse_masure_id},
        )
        db_session.execute(
            text(f"UPDATE agreement_parties SET status = 'left' WHERE {own_row}"),
            {"a": agreement_id, "c": basse_masure_id},
        )
        for status in ("active", "invited"):
            assert _refused(
                db_session,
                f"UPDATE agreement_parties SET status = '{status}' WHERE {own_row}",
                a=agreement_id,
                c=basse_masure_id,
            ), status
    # The owner side may invite it back.
    with context.using(demo.context_of("thomas.lefebvre@fresnoy.demo"), db_session):
        assert not _refused(
            db_session,
            f"UPDATE agreement_parties SET status = 'invited' WHERE {own_row}",
            a=agreement_id,
            c=basse_masure_id,
        )


def test_a_partner_cannot_take_a_section_but_hands_its_own_back_to_the_lead(demo, db_session):
    from aap.aap_support import BASSE_MASURE_DIRECTOR, ECHO_DIRECTOR, build_answer, load

    from ensemble.aap import operations as aap

    answer = build_answer(demo, db_session)
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        sections = load(db_session, answer.answer_id).sections
        lead_section, handed = sections[0].id, sections[1].id
        aap.set_section_owner(db_session, sections[1], answer.basse_masure_party_id)
        lead_party = sections[0].owner_party_id
        db_session.flush()
    move = "UPDATE aap_sections SET owner_party_id = :p WHERE id = :s"
    with context.using(demo.context_of(BASSE_MASURE_DIRECTOR), db_session):
        # The lead's section, to itself: refused; to Fresnoy: refused.
        assert _refused(db_session, move, p=answer.basse_masure_party_id, s=lead_section)
        assert _refused(db_session, move, p=answer.fresnoy_party_id, s=handed)
        # Its own section back to the lead: allowed (what leaving does).
        assert not _refused(db_session, move, p=lead_party, s=handed)
