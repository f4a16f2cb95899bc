"""Creating the database and its roles, as a superuser, before migrations run.

Roles:
- owner (ensemble_owner): owns the schema, runs migrations; subject to FORCE RLS.
- runtime (ensemble_app): what the web app and workers use; owns nothing,
  NOBYPASSRLS, gets per-table grants from the migrations.
- reporting (ensemble_reporting): read-only, for cross-tenant consolidation.
- rls helper (ensemble_rls): NOLOGIN, NOBYPASSRLS; owns only the SECURITY
  DEFINER functions that policies call to check agreement membership without
  recursion. It reads the few tables those functions need through policies of
  its own (`…_rls_helper`, FOR SELECT TO ensemble_rls USING (true): see
  migration 0010_security_hardening), so no role bypasses row-level security:
  the owner, a member of it only to hand it those functions, reaches no
  BYPASSRLS role either.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from ensemble.config import ROLES


@dataclass(frozen=True)
class DatabaseUrls:
    runtime: str
    owner: str
    reporting: str
    admin: str

    def as_env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.runtime,
            "DATABASE_OWNER_URL": self.owner,
            "DATABASE_REPORTING_URL": self.reporting,
        }


def role_password(role: str) -> str:
    """Passwords come from the environment; development defaults to the role name."""
    return os.environ.get(f"{role.upper()}_PASSWORD", role)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def urls_for(admin_url: str, database: str) -> DatabaseUrls:
    base = make_url(admin_url).set(drivername="postgresql+psycopg", database=database)

    def as_role(role: str) -> str:
        return base.set(username=role, password=role_password(role)).render_as_string(
            hide_password=False
        )

    return DatabaseUrls(
        runtime=as_role(ROLES.runtime),
        owner=as_role(ROLES.owner),
        reporting=as_role(ROLES.reporting),
        admin=base.render_as_string(hide_password=False),
    )


def _ensure_role(cur, name: str, *attributes: str) -> None:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    verb = "ALTER" if cur.fetchone() else "CREATE"
    cur.execute(
        sql.SQL("{} ROLE {} " + " ".join(attributes)).format(sql.SQL(verb), sql.Identifier(name))
    )
    if "LOGIN" in attributes:
        cur.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(role_password(name))
            )
        )


def bootstrap(
    admin_url: str, database: str, *, recreate: bool = False, template: str | None = None
) -> DatabaseUrls:
    """Create roles and the database (idempotent). `recreate` drops it first."""
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn, conn.cursor() as cur:
        # Roles are shared by the whole server: two bootstraps at once (parallel test
        # runs) would collide on pg_authid ("tuple concurrently updated").
        cur.execute("SELECT pg_advisory_lock(hashtext('ensemble-bootstrap'))")
        _ensure_role(cur, ROLES.owner, "LOGIN", "NOSUPERUSER", "NOBYPASSRLS", "NOCREATEROLE")
        _ensure_role(cur, ROLES.runtime, "LOGIN", "NOSUPERUSER", "NOBYPASSRLS", "NOCREATEROLE")
        _ensure_role(cur, ROLES.reporting, "LOGIN", "NOSUPERUSER", "NOBYPASSRLS", "NOCREATEROLE")
        _ensure_role(cur, ROLES.rls_helper, "NOLOGIN", "NOSUPERUSER", "NOBYPASSRLS")
        # The owner hands helper functions over to the helper role in migrations.
        cur.execute(
            sql.SQL("GRANT {} TO {}").format(
                sql.Identifier(ROLES.rls_helper), sql.Identifier(ROLES.owner)
            )
        )
        if recreate:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if not cur.fetchone():
            create = sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(database), sql.Identifier(ROLES.owner)
            )
            if template:
                create = create + sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            cur.execute(create)
        cur.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
        )
        cur.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
                sql.Identifier(database),
                sql.Identifier(ROLES.runtime),
                sql.Identifier(ROLES.reporting),
            )
        )

    urls = urls_for(admin_url, database)
    with psycopg.connect(_libpq(urls.admin), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(ROLES.owner)))
        cur.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        cur.execute(
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}, {}, {}").format(
                sql.Identifier(ROLES.runtime),
                sql.Identifier(ROLES.reporting),
                sql.Identifier(ROLES.rls_helper),
            )
        )
        # Needed for ALTER FUNCTION … OWNER TO the helper role.
        cur.execute(
            sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(sql.Identifier(ROLES.rls_helper))
        )
    return urls
