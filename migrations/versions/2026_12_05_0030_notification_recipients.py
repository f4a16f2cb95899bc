"""Notification recipients across tenants: a centre's directors, a federation's analysts.

Revision ID: 0030_notification_recipients
Revises: 0029_activity_prefill_reporting
Create Date: 2026-12-05

Some waits cross a tenant boundary: the federation's analyst returns a
declaration with a question, or reminds a centre that has not declared; the
centre answers. Neither side may read the other's memberships or people, yet
each must reach the other. Two SECURITY DEFINER functions of the helper role
answer only « who are the directors of this centre » and « who are the analysts
of this federation », and only to a caller whose scopes cover the relation
(an analyst of the centre's federation, a member of the centre, a member of a
centre of the federation, or the platform admin); anyone else gets no row, so
nobody can enumerate another network's people.
"""

from alembic import op

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0030_notification_recipients"
down_revision = "0029_activity_prefill_reporting"
branch_labels = None
depends_on = None

DIRECTORS = "app_centre_directors(p_centre_id bigint)"
ANALYSTS = "app_federation_analysts(p_federation_id bigint)"
TABLES = ("users", "memberships", "centres")


def upgrade() -> None:
    for table in TABLES:
        rls.helper_reads(table)
    rls.definer_function(
        f"{DIRECTORS} RETURNS TABLE (user_id bigint, email text, email_digest boolean)",
        "SELECT u.id, u.email::text, u.email_digest FROM memberships m"
        " JOIN users u ON u.id = m.user_id"
        " JOIN centres c ON c.id = m.centre_id"
        " WHERE m.centre_id = p_centre_id AND m.role = 'director' AND u.is_active_account"
        " AND (app_is_admin() OR c.id = ANY(app_ids('app.centre_ids'))"
        " OR c.federation_id = ANY(app_ids('app.federation_ids')))"
        " ORDER BY u.id",
    )
    rls.definer_function(
        f"{ANALYSTS} RETURNS TABLE (user_id bigint, email text, email_digest boolean)",
        "SELECT u.id, u.email::text, u.email_digest FROM memberships m"
        " JOIN users u ON u.id = m.user_id"
        " WHERE m.federation_id = p_federation_id AND m.role = 'analyst'"
        " AND u.is_active_account"
        " AND (app_is_admin() OR p_federation_id = ANY(app_ids('app.federation_ids'))"
        " OR EXISTS (SELECT 1 FROM centres c WHERE c.federation_id = p_federation_id"
        " AND c.id = ANY(app_ids('app.centre_ids'))))"
        " ORDER BY u.id",
    )


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {ANALYSTS}")
    op.execute(f"DROP FUNCTION {DIRECTORS}")
    for table in TABLES:
        op.execute(f"DROP POLICY {table}_rls_helper ON {table}")
        op.execute(f"REVOKE SELECT ON {table} FROM {ROLES.rls_helper}")
