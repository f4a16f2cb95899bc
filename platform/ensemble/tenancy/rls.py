"""Row-level security building blocks for migrations.

Every tenant table gets ENABLE + FORCE ROW LEVEL SECURITY (FORCE so that even
the owner is filtered), explicit grants to the runtime role, and policies that
read the transaction's context through the `app_*` SQL functions below. A
missing setting reads as empty, so a missing context sees nothing.
"""

from __future__ import annotations

from alembic import op

from ensemble.config import ROLES

# SQL functions the policies use. Plain SQL, inlinable, STABLE.
CONTEXT_FUNCTIONS = """
CREATE FUNCTION app_ids(setting text) RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_to_array(nullif(current_setting(setting, true), ''), ',')::bigint[],
                    '{}'::bigint[])
$$;

CREATE FUNCTION app_user_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('app.user_id', true), '')::bigint
$$;

CREATE FUNCTION app_is_admin() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('app.is_admin', true), '') = 'on'
$$;

CREATE FUNCTION app_login_email() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('app.login_email', true), '')
$$;
"""

DROP_CONTEXT_FUNCTIONS = """
DROP FUNCTION app_login_email();
DROP FUNCTION app_is_admin();
DROP FUNCTION app_user_id();
DROP FUNCTION app_ids(text);
"""


def enable(table: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def policy(
    table: str,
    name: str,
    command: str,
    *,
    using: str | None = None,
    check: str | None = None,
    role: str = "PUBLIC",
) -> None:
    clauses = [f"CREATE POLICY {name} ON {table} FOR {command} TO {role}"]
    if using:
        clauses.append(f"USING ({using})")
    if check:
        clauses.append(f"WITH CHECK ({check})")
    op.execute("\n".join(clauses))


def grant_runtime(
    table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE", sequence: str | None = None
) -> None:
    op.execute(f"GRANT {privileges} ON {table} TO {ROLES.runtime}")
    if sequence:
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {ROLES.runtime}")


def grant_update(table: str, columns: tuple[str, ...] | list[str]) -> None:
    """UPDATE on these columns only: the columns that place a row (its tenant, its
    parent, its owner) stay as inserted, and a column added later is not writable
    until someone says so (tests/test_policies_catalog.py checks every table)."""
    op.execute(f"REVOKE UPDATE ON {table} FROM {ROLES.runtime}")
    if columns:
        op.execute(f"GRANT UPDATE ({', '.join(columns)}) ON {table} TO {ROLES.runtime}")


def helper_reads(table: str) -> None:
    """Let the helper role's SECURITY DEFINER functions read `table`: it has no
    BYPASSRLS, so it reads through a policy of its own (SELECT only)."""
    op.execute(f"GRANT SELECT ON {table} TO {ROLES.rls_helper}")
    policy(table, f"{table}_rls_helper", "SELECT", using="true", role=ROLES.rls_helper)


def grant_reporting(table: str) -> None:
    """Read-only access for cross-tenant consolidation, with a policy of its own."""
    op.execute(f"GRANT SELECT ON {table} TO {ROLES.reporting}")
    policy(table, f"{table}_reporting_read", "SELECT", using="true", role=ROLES.reporting)


def definer_function(signature: str, body: str) -> None:
    """A SECURITY DEFINER helper owned by the helper role: lets a policy check
    agreement membership without recursing into the same policy. The helper
    role has no BYPASSRLS: each table such a function reads needs
    `helper_reads(table)`."""
    op.execute(
        f"CREATE FUNCTION {signature} LANGUAGE sql STABLE SECURITY DEFINER "
        f"SET search_path = public, pg_temp AS $$ {body} $$"
    )
    op.execute(f"ALTER FUNCTION {signature.split(' RETURNS')[0]} OWNER TO {ROLES.rls_helper}")
    op.execute(f"REVOKE ALL ON FUNCTION {signature.split(' RETURNS')[0]} FROM PUBLIC")
    op.execute(
        f"GRANT EXECUTE ON FUNCTION {signature.split(' RETURNS')[0]} "
        f"TO {ROLES.runtime}, {ROLES.owner}"
    )
