"""Actions of a centre, their sessions with attendance, registered participants.

Everything here is the centre's alone: its members read and record, its
directors create and change actions and plan sessions. Partners of a joint
answer and the federation read none of it (no policy names them): the network
sees published aggregates, never a participant.

- An action may point at agreements (the joint answer that funds it, the shared
  post whose holder runs it): only at agreements its centre is a party to, on
  insert and on update.
- Members update only a session's attendance columns, as themselves
  (`recorded_by_user_id` is the writer); the session's centre, action and
  instants stay as the director planned them.
- Participants are updated (corrected, anonymised) by members, never moved to
  another centre; registrations and presences are inserted and deleted, never
  updated.

Revision ID: 0022_activity
Revises: 0020_aap_attachments
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from ensemble.tenancy import rls

revision = "0022_activity"
down_revision = "0020_aap_attachments"
branch_labels = None
depends_on = None

CENTRE = "centre_id = ANY(app_ids('app.centre_ids'))"
DIRECTOR = "centre_id = ANY(app_ids('app.director_centre_ids'))"
AGREEMENTS = (
    "(funding_agreement_id IS NULL OR app_is_agreement_party(funding_agreement_id))"
    " AND (post_agreement_id IS NULL OR app_is_agreement_party(post_agreement_id))"
)
RECORDER = "(recorded_by_user_id IS NULL OR recorded_by_user_id = app_user_id())"
TABLES = (
    "activity_actions",
    "activity_sessions",
    "activity_participants",
    "activity_registrations",
    "activity_presences",
)
ATTENDANCE = (
    "recorded_at",
    "recorded_by_user_id",
    "participants",
    "women",
    "men",
    "age_0_17",
    "age_18_25",
    "age_26_59",
    "age_60_plus",
    "volunteers",
    "volunteer_hours",
)


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True)


def _created() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "activity_actions",
        _id(),
        sa.Column(
            "centre_id",
            sa.BigInteger(),
            sa.ForeignKey("centres.id", name="fk_activity_actions_centre_id_centres"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sector", sa.String(40), nullable=False),
        sa.Column("public", sa.String(200), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column(
            "funding_agreement_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "agreements.id", name="fk_activity_actions_funding_agreement_id_agreements"
            ),
            nullable=True,
        ),
        sa.Column(
            "post_agreement_id",
            sa.BigInteger(),
            sa.ForeignKey("agreements.id", name="fk_activity_actions_post_agreement_id_agreements"),
            nullable=True,
        ),
        _created(),
        sa.UniqueConstraint("id", "centre_id", name="uq_activity_actions_id_centre"),
        sa.UniqueConstraint("centre_id", "name", name="uq_activity_actions_centre_name"),
    )
    op.create_index("ix_activity_actions_centre_id", "activity_actions", ["centre_id"])

    op.create_table(
        "activity_sessions",
        _id(),
        sa.Column(
            "centre_id",
            sa.BigInteger(),
            sa.ForeignKey("centres.id", name="fk_activity_sessions_centre_id_centres"),
            nullable=False,
        ),
        sa.Column("action_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("calendar_event_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "runner_user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", name="fk_activity_sessions_runner_user_id_users"),
            nullable=True,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "recorded_by_user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", name="fk_activity_sessions_recorded_by_user_id_users"),
            nullable=True,
        ),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in ATTENDANCE[2:-1]),
        sa.Column("volunteer_hours", sa.Numeric(8, 2), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id", "centre_id"],
            ["activity_actions.id", "activity_actions.centre_id"],
            name="fk_activity_sessions_action_id_activity_actions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("id", "centre_id", name="uq_activity_sessions_id_centre"),
        sa.UniqueConstraint("action_id", "starts_at", name="uq_activity_sessions_action_start"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_activity_sessions_period"),
        sa.CheckConstraint(
            "(recorded_at IS NULL) = (participants IS NULL)",
            name="ck_activity_sessions_recorded_with_a_count",
        ),
        sa.CheckConstraint(
            "participants IS NULL OR participants BETWEEN 0 AND 10000",
            name="ck_activity_sessions_participants",
        ),
        sa.CheckConstraint(
            "coalesce(women, 0) + coalesce(men, 0) <= coalesce(participants, 0)",
            name="ck_activity_sessions_sexes",
        ),
        sa.CheckConstraint(
            "coalesce(age_0_17, 0) + coalesce(age_18_25, 0) + coalesce(age_26_59, 0)"
            " + coalesce(age_60_plus, 0) <= coalesce(participants, 0)",
            name="ck_activity_sessions_ages",
        ),
        sa.CheckConstraint(
            "least(women, men, age_0_17, age_18_25, age_26_59, age_60_plus, volunteers) >= 0",
            name="ck_activity_sessions_non_negative",
        ),
        sa.CheckConstraint(
            "volunteer_hours IS NULL OR volunteer_hours BETWEEN 0 AND 2000",
            name="ck_activity_sessions_volunteer_hours",
        ),
    )
    op.create_index(
        "ix_activity_sessions_centre_start", "activity_sessions", ["centre_id", "starts_at"]
    )

    op.create_table(
        "activity_participants",
        _id(),
        sa.Column(
            "centre_id",
            sa.BigInteger(),
            sa.ForeignKey("centres.id", name="fk_activity_participants_centre_id_centres"),
            nullable=False,
        ),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("age_band", sa.String(10), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        _created(),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("id", "centre_id", name="uq_activity_participants_id_centre"),
        sa.CheckConstraint(
            "age_band IN ('', '0-17', '18-25', '26-59', '60+')",
            name="ck_activity_participants_age_band",
        ),
        sa.CheckConstraint("sex IN ('', 'femmes', 'hommes')", name="ck_activity_participants_sex"),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100",
            name="ck_activity_participants_birth",
        ),
        sa.CheckConstraint(
            "anonymised_at IS NULL OR display_name = ''",
            name="ck_activity_participants_anonymised",
        ),
    )
    op.create_index("ix_activity_participants_centre_id", "activity_participants", ["centre_id"])

    op.create_table(
        "activity_registrations",
        _id(),
        sa.Column(
            "centre_id",
            sa.BigInteger(),
            sa.ForeignKey("centres.id", name="fk_activity_registrations_centre_id_centres"),
            nullable=False,
        ),
        sa.Column("action_id", sa.BigInteger(), nullable=False),
        sa.Column("participant_id", sa.BigInteger(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(
            ["action_id", "centre_id"],
            ["activity_actions.id", "activity_actions.centre_id"],
            name="fk_activity_registrations_action_id_activity_actions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id", "centre_id"],
            ["activity_participants.id", "activity_participants.centre_id"],
            name="fk_activity_registrations_participant_id_activity_participants",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("action_id", "participant_id", name="uq_activity_registrations_pair"),
    )
    op.create_index(
        "ix_activity_registrations_participant", "activity_registrations", ["participant_id"]
    )

    op.create_table(
        "activity_presences",
        _id(),
        sa.Column(
            "centre_id",
            sa.BigInteger(),
            sa.ForeignKey("centres.id", name="fk_activity_presences_centre_id_centres"),
            nullable=False,
        ),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("participant_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id", "centre_id"],
            ["activity_sessions.id", "activity_sessions.centre_id"],
            name="fk_activity_presences_session_id_activity_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id", "centre_id"],
            ["activity_participants.id", "activity_participants.centre_id"],
            name="fk_activity_presences_participant_id_activity_participants",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("session_id", "participant_id", name="uq_activity_presences_pair"),
    )
    op.create_index("ix_activity_presences_participant", "activity_presences", ["participant_id"])

    for table in TABLES:
        rls.enable(table)
    rls.grant_runtime("activity_actions", sequence="activity_actions_id_seq")
    rls.grant_runtime("activity_sessions", sequence="activity_sessions_id_seq")
    rls.grant_runtime("activity_participants", sequence="activity_participants_id_seq")
    for table in ("activity_registrations", "activity_presences"):
        rls.grant_runtime(table, "SELECT, INSERT, DELETE", sequence=f"{table}_id_seq")
    rls.grant_update(
        "activity_actions",
        ("name", "sector", "public", "place", "funding_agreement_id", "post_agreement_id"),
    )
    rls.grant_update("activity_sessions", ATTENDANCE)
    rls.grant_update(
        "activity_participants",
        ("display_name", "birth_year", "age_band", "sex", "consent", "anonymised_at"),
    )

    for table in TABLES:
        rls.policy(table, f"{table}_read", "SELECT", using=CENTRE)

    rls.policy(
        "activity_actions",
        "activity_actions_insert",
        "INSERT",
        check=f"{DIRECTOR} AND {AGREEMENTS}",
    )
    rls.policy(
        "activity_actions",
        "activity_actions_update",
        "UPDATE",
        using=DIRECTOR,
        check=f"{DIRECTOR} AND {AGREEMENTS}",
    )
    rls.policy("activity_actions", "activity_actions_delete", "DELETE", using=DIRECTOR)

    rls.policy("activity_sessions", "activity_sessions_insert", "INSERT", check=DIRECTOR)
    rls.policy(
        "activity_sessions",
        "activity_sessions_update",
        "UPDATE",
        using=CENTRE,
        check=f"{CENTRE} AND {RECORDER}",
    )
    rls.policy("activity_sessions", "activity_sessions_delete", "DELETE", using=DIRECTOR)

    rls.policy("activity_participants", "activity_participants_insert", "INSERT", check=CENTRE)
    rls.policy(
        "activity_participants",
        "activity_participants_update",
        "UPDATE",
        using=CENTRE,
        check=CENTRE,
    )
    rls.policy("activity_participants", "activity_participants_delete", "DELETE", using=DIRECTOR)

    for table in ("activity_registrations", "activity_presences"):
        rls.policy(table, f"{table}_insert", "INSERT", check=CENTRE)
        rls.policy(table, f"{table}_delete", "DELETE", using=CENTRE)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
