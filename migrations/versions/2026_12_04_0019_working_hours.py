"""Working hours per person (agenda_working_hours), read by the slot finder.

Revision ID: 0019_working_hours
Revises: 0017_agenda_time
Create Date: 2026-12-04

A person writes only their own week. It is read by the person and by whoever
may read one of the person's calendars (the parties of the agreements the
person is booked under): the subquery on `agenda_calendars` runs under that
table's own policy, so it names exactly those calendars. An UPDATE changes
hours only: a row keeps its person and its weekday for life.
"""

import sqlalchemy as sa
from alembic import op

from ensemble.tenancy import rls

revision = "0019_working_hours"
down_revision = "0017_agenda_time"
branch_labels = None
depends_on = None

OWN = "user_id = app_user_id()"
READ = (
    f"{OWN} OR EXISTS (SELECT 1 FROM agenda_calendars c"
    " WHERE c.user_id = agenda_working_hours.user_id)"
)


def upgrade() -> None:
    op.create_table(
        "agenda_working_hours",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=True),
        sa.Column("ends", sa.Time(), nullable=True),
        sa.Column("break_starts", sa.Time(), nullable=True),
        sa.Column("break_ends", sa.Time(), nullable=True),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_agenda_working_hours_weekday"),
        sa.CheckConstraint(
            "(starts IS NULL) = (ends IS NULL) AND ends > starts",
            name="ck_agenda_working_hours_hours",
        ),
        sa.CheckConstraint(
            "(break_starts IS NULL) = (break_ends IS NULL)"
            " AND (break_starts IS NULL OR (starts IS NOT NULL AND starts < break_starts"
            " AND break_starts < break_ends AND break_ends < ends))",
            name="ck_agenda_working_hours_break",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_agenda_working_hours_user_id_users",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_working_hours"),
        sa.UniqueConstraint("user_id", "weekday", name="uq_agenda_working_hours_user_weekday"),
    )
    rls.enable("agenda_working_hours")
    rls.grant_runtime("agenda_working_hours", sequence="agenda_working_hours_id_seq")
    rls.policy("agenda_working_hours", "agenda_working_hours_read", "SELECT", using=READ)
    rls.policy("agenda_working_hours", "agenda_working_hours_insert", "INSERT", check=OWN)
    rls.policy(
        "agenda_working_hours", "agenda_working_hours_update", "UPDATE", using=OWN, check=OWN
    )
    rls.policy("agenda_working_hours", "agenda_working_hours_delete", "DELETE", using=OWN)
    rls.grant_update("agenda_working_hours", ("starts", "ends", "break_starts", "break_ends"))


def downgrade() -> None:
    op.drop_table("agenda_working_hours")
