"""The nightly pre-fill of every centre runs on the reporting role.

The runtime role reads attendance through row-level security: each row of
sessions, presences and participants is checked against the context's list of
centres, and with the platform's 2,300 centres in that list the check costs far
more than the count itself (the full refresh did not end in 7 minutes over
5 million presences; bench/activity.py). The full refresh is a cross-tenant
aggregation like consolidation, so it runs on the reporting role, whose
policies are `true`:

- it reads, of the presences, only which person was at which session of which
  centre, and of the participants only what the catalogue breaks people down by
  (centre, sex, year of birth, age band): never a name, a consent or a
  retention date, and nothing of the registrations;
- it writes `activity_prefill` (per-centre counts, no person), as it writes the
  consolidation tables: delete a year's figures and insert them again.

The per-centre refresh after a session's attendance stays on the runtime role,
under the centre's own context.

Revision ID: 0029_activity_prefill_reporting
Revises: 0028_aap_financial_reports
Create Date: 2026-12-05
"""

from alembic import op

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0029_activity_prefill_reporting"
down_revision = "0028_aap_financial_reports"
branch_labels = None
depends_on = None

COLUMNS = {
    "activity_presences": "id, centre_id, session_id, participant_id",
    "activity_participants": "id, centre_id, sex, birth_year, age_band",
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        op.execute(f"GRANT SELECT ({columns}) ON {table} TO {ROLES.reporting}")
        rls.policy(table, f"{table}_reporting_read", "SELECT", using="true", role=ROLES.reporting)
    op.execute(f"GRANT SELECT, INSERT, DELETE ON activity_prefill TO {ROLES.reporting}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE activity_prefill_id_seq TO {ROLES.reporting}")
    for command, clause in (("SELECT", "USING"), ("INSERT", "WITH CHECK"), ("DELETE", "USING")):
        op.execute(
            f"CREATE POLICY activity_prefill_reporting_{command.lower()} ON activity_prefill"
            f" FOR {command} TO {ROLES.reporting} {clause} (true)"
        )


def downgrade() -> None:
    for command in ("select", "insert", "delete"):
        op.execute(f"DROP POLICY activity_prefill_reporting_{command} ON activity_prefill")
    op.execute(f"REVOKE USAGE, SELECT ON SEQUENCE activity_prefill_id_seq FROM {ROLES.reporting}")
    op.execute(f"REVOKE SELECT, INSERT, DELETE ON activity_prefill FROM {ROLES.reporting}")
    for table in COLUMNS:
        op.execute(f"DROP POLICY {table}_reporting_read ON {table}")
        op.execute(f"REVOKE SELECT ON {table} FROM {ROLES.reporting}")
