"""Shared posts: every party who sees a post sees its holder's name.

Revision ID: 0031_posts_holder_visible
Revises: 0030_notification_recipients
Create Date: 2026-12-05

A person's account was readable only to those sharing a tenant with one of
their memberships. The carrier's HR manager works at employer level and shares
no centre with the officer she manages, so his post showed a blank « Personne ».
Whoever may read a post (its parties, through the post's own policy, which this
subquery runs under) may read its holder's account: no one else gains anything.
"""

from alembic import op

from ensemble.tenancy import rls

revision = "0031_posts_holder_visible"
down_revision = "0030_notification_recipients"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.policy(
        "users",
        "users_read_post_holder",
        "SELECT",
        using="EXISTS (SELECT 1 FROM shared_posts p WHERE p.holder_user_id = users.id)",
    )


def downgrade() -> None:
    op.execute("DROP POLICY users_read_post_holder ON users")
