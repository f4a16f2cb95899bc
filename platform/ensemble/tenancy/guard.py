"""Fail closed: a process refuses to start on a connection that would bypass
row-level security.

The most common deployment mistake is a superuser DATABASE_URL: everything
works, and every policy is silently skipped. So the web app, the Celery worker
and beat (all built by `create_app`) check their own connections first:

- the runtime role (DATABASE_URL) must not be a superuser, must not have
  BYPASSRLS, directly or through any role it is a member of, and must own no
  table (an owner may switch row-level security off);
- the reporting role (DATABASE_REPORTING_URL, when it is set) obeys the same
  rules and may write only the tables consolidation writes, listed in
  REPORTING_WRITABLE (migration 0007_reporting says why).

The message names the variable, in French and English.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

from ensemble.config import ConfigurationError

# The only tables the reporting role may write: the outbox, run log, results and staging
# of consolidation (0007), and the releases the publication writes once disclosure
# control has checked them, with the campaign's pointer to its current release (0014),
# and the declarations' figures pre-filled from attendance, refreshed for every centre
# at once (0029).
REPORTING_WRITABLE = frozenset(
    {
        "activity_prefill",
        "reporting_dirty",
        "reporting_runs",
        "reporting_aggregates",
        "reporting_cooperation",
        "reporting_campaigns",
        "reporting_releases",
        "reporting_published",
    }
)

_ROLE = "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
# Roles reachable by membership (SET ROLE) that bypass row-level security.
_REACHABLE_BYPASS = """
WITH RECURSIVE reach(oid) AS (
    SELECT oid FROM pg_roles WHERE rolname = current_user
    UNION
    SELECT m.roleid FROM pg_auth_members m JOIN reach ON m.member = reach.oid
)
SELECT r.rolname FROM pg_roles r JOIN reach USING (oid)
WHERE (r.rolsuper OR r.rolbypassrls) AND r.rolname <> current_user
ORDER BY 1
"""
_USER_TABLES = """
SELECT c.relname, pg_has_role(current_user, c.relowner, 'MEMBER') AS owned,
       has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
           OR has_any_column_privilege(c.oid, 'INSERT, UPDATE') AS writable
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1
"""


class UnsafeDatabaseRole(ConfigurationError):
    """A configured connection would bypass row-level security."""


@dataclass(frozen=True)
class RoleFacts:
    name: str
    superuser: bool
    bypassrls: bool
    bypass_by_membership: tuple[str, ...]
    owned_tables: tuple[str, ...]
    writable_tables: tuple[str, ...]


def inspect(url: str) -> RoleFacts:
    """What the role behind `url` may do, read from the catalog."""
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, connect_timeout=10) as conn:
        role = conn.execute(_ROLE).fetchone()
        if role is None:  # pg_roles always shows the current role; fail closed if not
            raise psycopg.DataError("current_user is missing from pg_roles")
        name, superuser, bypass = role
        reachable = tuple(r[0] for r in conn.execute(_REACHABLE_BYPASS))
        tables = conn.execute(_USER_TABLES).fetchall()
    return RoleFacts(
        name=name,
        superuser=superuser,
        bypassrls=bypass,
        bypass_by_membership=reachable,
        owned_tables=tuple(t for t, owned, _ in tables if owned),
        writable_tables=tuple(t for t, _, writable in tables if writable),
    )


def problems(facts: RoleFacts, *, reporting: bool = False) -> list[tuple[str, str]]:
    """(French, English) reasons why this role must not serve the app."""
    if facts.superuser:  # everything else follows from it
        return [("est un superutilisateur", "is a superuser")]
    found = []
    if facts.bypassrls:
        found.append(("a l’attribut BYPASSRLS", "has BYPASSRLS"))
    if facts.bypass_by_membership:
        roles = ", ".join(facts.bypass_by_membership)
        found.append(
            (
                f"est membre de rôles qui contournent la RLS ({roles})",
                f"is a member of roles that bypass RLS ({roles})",
            )
        )
    if facts.owned_tables:
        tables = ", ".join(facts.owned_tables[:5]) + ("…" if len(facts.owned_tables) > 5 else "")
        found.append((f"possède des tables ({tables})", f"owns tables ({tables})"))
    if reporting:
        extra = sorted(set(facts.writable_tables) - REPORTING_WRITABLE)
        if extra:
            tables = ", ".join(extra[:5]) + ("…" if len(extra) > 5 else "")
            found.append(
                (
                    f"peut écrire dans des tables hors consolidation ({tables})",
                    f"may write tables outside consolidation ({tables})",
                )
            )
    return found


def message(variable: str, role: str, reasons: list[tuple[str, str]]) -> str:
    french = " ; ".join(r[0] for r in reasons)
    english = "; ".join(r[1] for r in reasons)
    return (
        f"Refus de démarrer : {variable} se connecte en tant que « {role} », qui {french}. "
        "La sécurité au niveau des lignes (RLS) serait contournée. Donnez l’URL du rôle "
        "prévu (voir README, Configuration).\n"
        f'Refusing to start: {variable} connects as "{role}", which {english}. '
        "Row-level security would be bypassed. Give the URL of the intended role "
        "(see README, Configuration)."
    )


def check(variable: str, url: str, *, reporting: bool = False) -> RoleFacts:
    """Raise UnsafeDatabaseRole, naming `variable`, if `url` must not serve the app."""
    try:
        facts = inspect(url)
    except psycopg.Error as exc:
        raise ConfigurationError(
            f"Impossible de vérifier le rôle de {variable} / cannot check the role of "
            f"{variable}: {exc}"
        ) from exc
    reasons = problems(facts, reporting=reporting)
    if reasons:
        raise UnsafeDatabaseRole(message(variable, facts.name, reasons))
    return facts


def check_app_connections(config: dict) -> None:
    """The checks `create_app` runs before anything else touches the database."""
    runtime = config.get("SQLALCHEMY_DATABASE_URI")
    if not runtime:
        return
    check("DATABASE_URL", runtime)
    reporting = (config.get("SQLALCHEMY_BINDS") or {}).get("reporting")
    if reporting and reporting != runtime:
        check("DATABASE_REPORTING_URL", reporting, reporting=True)
