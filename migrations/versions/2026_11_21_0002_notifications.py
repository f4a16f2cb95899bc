"""Notifications: one row per recipient, read only by that person.

Revision ID: 0002_notifications
Revises: 0001_foundation
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from ensemble.tenancy import rls

revision = "0002_notifications"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=True),
        sa.Column("employer_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_notifications_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_notifications_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name="fk_notifications_employer_id_employers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_user_unread", "notifications", ["user_id", "read_at"])
    op.create_index(
        "uq_notifications_user_dedup", "notifications", ["user_id", "dedup_key"], unique=True
    )

    rls.enable("notifications")
    rls.grant_runtime("notifications", sequence="notifications_id_seq")
    own = "user_id = app_user_id()"
    rls.policy("notifications", "notifications_read", "SELECT", using=own)
    rls.policy("notifications", "notifications_update", "UPDATE", using=own, check=own)
    rls.policy("notifications", "notifications_delete", "DELETE", using=own)
    # Anyone acting in the platform (a person, or a task under a system context)
    # may notify someone; only the recipient can read it.
    rls.policy(
        "notifications",
        "notifications_insert",
        "INSERT",
        check="app_user_id() IS NOT NULL OR app_is_admin()"
        " OR cardinality(app_ids('app.centre_ids')) > 0"
        " OR cardinality(app_ids('app.employer_ids')) > 0"
        " OR cardinality(app_ids('app.federation_ids')) > 0",
    )


def downgrade():
    op.drop_table("notifications")
