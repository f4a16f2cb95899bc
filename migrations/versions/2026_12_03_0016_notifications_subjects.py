"""Notifications that lead somewhere and end when their object is handled.

Each notification may name its subject (``agenda_request:42``): when the object
is handled, every notification about it is marked read, whoever received it
(two directors notified of one request: the one who answers ends both). The
recipients' rows are not readable by the person who handles the object, so
the marking goes through a SECURITY DEFINER function of the helper role, which
changes nothing but ``read_at`` and only for that subject.

People choose immediate e-mails or one daily digest (``users.email_digest``):
a notification whose mail waits for the digest carries ``email_pending``.

Revision ID: 0016_notifications_subjects
Revises: 0015_caldav_sync
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0016_notifications_subjects"
down_revision = "0015_caldav_sync"
branch_labels = None
depends_on = None

RESOLVE = "app_resolve_notifications(p_subject text)"


def upgrade() -> None:
    op.add_column("notifications", sa.Column("subject", sa.String(120), nullable=True))
    op.add_column(
        "notifications",
        sa.Column("email_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_notifications_subject_unread",
        "notifications",
        ["subject"],
        postgresql_where=sa.text("read_at IS NULL AND subject IS NOT NULL"),
    )
    op.create_index(
        "ix_notifications_user_email_pending",
        "notifications",
        ["user_id"],
        postgresql_where=sa.text("email_pending"),
    )
    op.add_column(
        "users",
        sa.Column("email_digest", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    rls.grant_update("users", ("email", "full_name", "is_active_account", "locale", "email_digest"))
    rls.grant_update("notifications", ("read_at", "email_pending"))

    # The helper role marks read, nothing else, through policies of its own.
    op.execute(f"GRANT SELECT, UPDATE (read_at) ON notifications TO {ROLES.rls_helper}")
    rls.policy(
        "notifications",
        "notifications_rls_helper_read",
        "SELECT",
        using="true",
        role=ROLES.rls_helper,
    )
    rls.policy(
        "notifications",
        "notifications_rls_helper_resolve",
        "UPDATE",
        using="true",
        check="true",
        role=ROLES.rls_helper,
    )
    # Returns the recipients whose unread count changed (their cached pages are bumped).
    op.execute(
        f"CREATE FUNCTION {RESOLVE} RETURNS SETOF bigint LANGUAGE sql VOLATILE"
        " SECURITY DEFINER SET search_path = public, pg_temp AS $$"
        " UPDATE notifications SET read_at = now()"
        " WHERE subject = p_subject AND read_at IS NULL RETURNING user_id $$"
    )
    op.execute(f"ALTER FUNCTION {RESOLVE} OWNER TO {ROLES.rls_helper}")
    op.execute(f"REVOKE ALL ON FUNCTION {RESOLVE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {RESOLVE} TO {ROLES.runtime}, {ROLES.owner}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {RESOLVE}")
    op.execute("DROP POLICY notifications_rls_helper_resolve ON notifications")
    op.execute("DROP POLICY notifications_rls_helper_read ON notifications")
    op.execute(f"REVOKE ALL ON notifications FROM {ROLES.rls_helper}")
    rls.grant_update("notifications", ("read_at",))
    rls.grant_update("users", ("email", "full_name", "is_active_account", "locale"))
    op.drop_column("users", "email_digest")
    op.drop_index("ix_notifications_user_email_pending", table_name="notifications")
    op.drop_index("ix_notifications_subject_unread", table_name="notifications")
    op.drop_column("notifications", "email_pending")
    op.drop_column("notifications", "subject")
