"""The yearly declaration pre-filled from attendance.

Each action names the catalogue line each of its figures pre-fills (four
columns its directors update). The workers store the figures they compute in
`activity_prefill`, acting for each centre (a context limited to it): members
of the centre read them, nobody updates them, a refresh deletes and inserts.
The director's corrections (`activity_corrections`) keep their reason and
their author, who is always the writer.

Revision ID: 0022_activity_prefill
Revises: 0022_activity
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from ensemble.tenancy import rls

revision = "0022_activity_prefill"
down_revision = "0022_activity"
branch_labels = None
depends_on = None

CENTRE = "centre_id = ANY(app_ids('app.centre_ids'))"
DIRECTOR = "centre_id = ANY(app_ids('app.director_centre_ids'))"
INDICATORS = ("participations_indicator", "people_indicator", "days_indicator", "hours_indicator")


def _cell(table: str) -> list:
    return [
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column(
            "centre_id",
            sa.BigInteger(),
            sa.ForeignKey("centres.id", name=f"fk_{table}_centre_id_centres"),
            nullable=False,
        ),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("indicator_code", sa.String(60), nullable=False),
        sa.Column("breakdown_key", sa.String(20), nullable=False),
        sa.Column("value", sa.Numeric(14, 2), nullable=False),
    ]


def upgrade() -> None:
    for column in INDICATORS:
        op.add_column("activity_actions", sa.Column(column, sa.String(60), nullable=True))
    rls.grant_update(
        "activity_actions",
        (
            "name",
            "sector",
            "public",
            "place",
            "funding_agreement_id",
            "post_agreement_id",
            *INDICATORS,
        ),
    )

    op.create_table(
        "activity_prefill",
        *_cell("activity_prefill"),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.UniqueConstraint(
            "centre_id", "year", "indicator_code", "breakdown_key", name="uq_activity_prefill_cell"
        ),
    )
    op.create_table(
        "activity_corrections",
        *_cell("activity_corrections"),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column(
            "created_by_user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", name="fk_activity_corrections_created_by_user_id_users"),
            nullable=True,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint(
            "centre_id",
            "year",
            "indicator_code",
            "breakdown_key",
            name="uq_activity_corrections_cell",
        ),
        sa.CheckConstraint("value >= 0", name="ck_activity_corrections_non_negative"),
        sa.CheckConstraint("reason <> ''", name="ck_activity_corrections_reason"),
    )

    rls.enable("activity_prefill")
    rls.grant_runtime(
        "activity_prefill", "SELECT, INSERT, DELETE", sequence="activity_prefill_id_seq"
    )
    rls.policy("activity_prefill", "activity_prefill_read", "SELECT", using=CENTRE)
    rls.policy("activity_prefill", "activity_prefill_insert", "INSERT", check=CENTRE)
    rls.policy("activity_prefill", "activity_prefill_delete", "DELETE", using=CENTRE)

    author = "created_by_user_id = app_user_id()"
    rls.enable("activity_corrections")
    rls.grant_runtime("activity_corrections", sequence="activity_corrections_id_seq")
    rls.grant_update("activity_corrections", ("value", "reason", "created_by_user_id"))
    rls.policy("activity_corrections", "activity_corrections_read", "SELECT", using=CENTRE)
    rls.policy(
        "activity_corrections",
        "activity_corrections_insert",
        "INSERT",
        check=f"{DIRECTOR} AND {author}",
    )
    rls.policy(
        "activity_corrections",
        "activity_corrections_update",
        "UPDATE",
        using=DIRECTOR,
        check=f"{DIRECTOR} AND {author}",
    )
    rls.policy("activity_corrections", "activity_corrections_delete", "DELETE", using=DIRECTOR)


def downgrade() -> None:
    op.drop_table("activity_corrections")
    op.drop_table("activity_prefill")
    rls.grant_update(
        "activity_actions",
        ("name", "sector", "public", "place", "funding_agreement_id", "post_agreement_id"),
    )
    for column in reversed(INDICATORS):
        op.drop_column("activity_actions", column)
