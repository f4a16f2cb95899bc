"""The network sees activity: the consolidation workers read sessions.

The reporting role reads `activity_sessions` (counts per session, no person)
and `activity_actions` (their sector) to add each centre's activity to the
cooperation figures, which publication then puts under the disclosure control
of every other figure. It reads no participant, registration or presence.

Revision ID: 0022_activity_network
Revises: 0022_activity_prefill
Create Date: 2026-12-04
"""

from alembic import op

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0022_activity_network"
down_revision = "0022_activity_prefill"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.grant_reporting("activity_actions")
    rls.grant_reporting("activity_sessions")


def downgrade() -> None:
    for table in ("activity_sessions", "activity_actions"):
        op.execute(f"DROP POLICY {table}_reporting_read ON {table}")
        op.execute(f"REVOKE SELECT ON {table} FROM {ROLES.reporting}")
