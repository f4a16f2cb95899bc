"""HR workspace: staff register, centres, trainings, due dates, documents, toolbox, with RLS.

Every table but the toolbox belongs to one employer and is visible only under
`app.employer_ids` (the employer's HR managers and its centres' directors);
platform admins get no clause: HR data is not theirs to read.

Revision ID: 0004_hr
Revises: 0002_notifications
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.tenancy import rls

revision = "0004_hr"
down_revision = "0002_notifications"
branch_labels = None
depends_on = None

CATEGORY = postgresql.ENUM(
    "employee", "supervisor", "executive", name="hr_category", create_type=False
)
CONTRACT_TYPE = postgresql.ENUM(
    "cdi", "cdd", "cddi", "apprenticeship", "assisted", name="hr_contract_type", create_type=False
)
HEALTH_FOLLOW_UP = postgresql.ENUM(
    "standard",
    "adapted",
    "night_or_minor",
    "reinforced",
    name="hr_health_follow_up",
    create_type=False,
)
DUE_KIND = postgresql.ENUM(
    "trial_period_end",
    "contract_end",
    "health_visit",
    "professional_review",
    "career_review",
    "training_renewal",
    "training_gap",
    name="hr_due_kind",
    create_type=False,
)
DOCUMENT_KIND = postgresql.ENUM(
    "checklist",
    "guide",
    "template",
    "contract",
    "other",
    name="hr_document_kind",
    create_type=False,
)
ENUMS = (CATEGORY, CONTRACT_TYPE, HEALTH_FOLLOW_UP, DUE_KIND, DOCUMENT_KIND)

EMPLOYER_TABLES = (
    "hr_staff_members",
    "hr_staff_centres",
    "hr_training_records",
    "hr_due_items",
    "hr_documents",
)
OWN_EMPLOYER = "employer_id = ANY(app_ids('app.employer_ids'))"


def _person_fk(table: str) -> sa.ForeignKeyConstraint:
    """Keeps a row about a person on that person's employer."""
    return sa.ForeignKeyConstraint(
        ["staff_member_id", "employer_id"],
        ["hr_staff_members.id", "hr_staff_members.employer_id"],
        ondelete="CASCADE",
        name=f"fk_{table}_staff_member_id_hr_staff_members",
    )


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade():
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=False)

    op.create_table(
        "hr_staff_members",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("job_title", sa.String(200), nullable=False),
        sa.Column("category", CATEGORY, nullable=False),
        sa.Column("contract_type", CONTRACT_TYPE, nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("trial_renewed", sa.Boolean(), nullable=False),
        sa.Column("fte", sa.Numeric(4, 3), nullable=False),
        sa.Column("alisfa_job", sa.String(120), nullable=False),
        sa.Column("alisfa_weighting", sa.Integer(), nullable=True),
        sa.Column("health_follow_up", HEALTH_FOLLOW_UP, nullable=False),
        sa.Column("last_health_visit_on", sa.Date(), nullable=True),
        sa.Column("last_review_on", sa.Date(), nullable=True),
        sa.Column("last_career_review_on", sa.Date(), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name="ck_hr_staff_members_dates_in_order"
        ),
        sa.CheckConstraint("fte > 0 AND fte <= 1", name="ck_hr_staff_members_fte_range"),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name="fk_hr_staff_members_employer_id_employers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_hr_staff_members"),
        sa.UniqueConstraint("id", "employer_id", name="uq_hr_staff_members_id_employer_id"),
    )
    op.create_index(
        "ix_hr_staff_members_employer_name",
        "hr_staff_members",
        ["employer_id", "last_name", "first_name"],
    )

    op.create_table(
        "hr_staff_centres",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_member_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_hr_staff_centres_centre_id_centres"
        ),
        _person_fk("hr_staff_centres"),
        sa.PrimaryKeyConstraint("id", name="pk_hr_staff_centres"),
        sa.UniqueConstraint(
            "staff_member_id", "centre_id", name="uq_hr_staff_centres_staff_member_id_centre_id"
        ),
    )
    op.create_index("ix_hr_staff_centres_centre_id", "hr_staff_centres", ["centre_id"])

    op.create_table(
        "hr_training_records",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_member_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(6, 2), nullable=True),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "hours IS NULL OR hours >= 0", name="ck_hr_training_records_hours_positive"
        ),
        _person_fk("hr_training_records"),
        sa.PrimaryKeyConstraint("id", name="pk_hr_training_records"),
    )
    op.create_index(
        "ix_hr_training_records_staff_member_id", "hr_training_records", ["staff_member_id"]
    )

    op.create_table(
        "hr_due_items",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_member_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", DUE_KIND, nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        _person_fk("hr_due_items"),
        sa.PrimaryKeyConstraint("id", name="pk_hr_due_items"),
        sa.UniqueConstraint(
            "staff_member_id",
            "kind",
            "reference",
            name="uq_hr_due_items_staff_member_id_kind_reference",
        ),
    )
    op.create_index("ix_hr_due_items_employer_due", "hr_due_items", ["employer_id", "due_on"])

    op.create_table(
        "hr_documents",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_member_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", DOCUMENT_KIND, nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.BigInteger(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name="fk_hr_documents_employer_id_employers"
        ),
        _person_fk("hr_documents"),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name="fk_hr_documents_uploaded_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_hr_documents"),
    )
    op.create_index("ix_hr_documents_employer_id", "hr_documents", ["employer_id"])
    op.create_index("ix_hr_documents_staff_member_id", "hr_documents", ["staff_member_id"])

    op.create_table(
        "hr_toolbox_documents",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("employer_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", DOCUMENT_KIND, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _created_at(),
        sa.CheckConstraint(
            "cardinality(employer_ids) > 0", name="ck_hr_toolbox_documents_shared_with_someone"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name="fk_hr_toolbox_documents_author_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_hr_toolbox_documents"),
    )
    op.create_index("ix_hr_toolbox_documents_author_id", "hr_toolbox_documents", ["author_id"])
    op.create_index(
        "ix_hr_toolbox_documents_employer_ids",
        "hr_toolbox_documents",
        ["employer_ids"],
        postgresql_using="gin",
    )

    _policies()


def _policies():
    for table in EMPLOYER_TABLES:
        rls.enable(table)
        rls.grant_runtime(table, sequence=f"{table}_id_seq")
    for table in ("hr_staff_members", "hr_training_records", "hr_due_items", "hr_documents"):
        rls.policy(table, f"{table}_own_employer", "ALL", using=OWN_EMPLOYER, check=OWN_EMPLOYER)
    # A person works only in centres of their own employer.
    rls.policy(
        "hr_staff_centres",
        "hr_staff_centres_own_employer",
        "ALL",
        using=OWN_EMPLOYER,
        check=f"{OWN_EMPLOYER} AND EXISTS (SELECT 1 FROM centres c"
        " WHERE c.id = hr_staff_centres.centre_id"
        " AND c.employer_id = hr_staff_centres.employer_id)",
    )

    # The toolbox: its author, and the employers it is shared with; an author
    # shares only with employers she serves.
    table = "hr_toolbox_documents"
    author = "author_id = app_user_id()"
    rls.enable(table)
    rls.grant_runtime(table, sequence=f"{table}_id_seq")
    rls.policy(
        table,
        f"{table}_read",
        "SELECT",
        using=f"{author} OR employer_ids && app_ids('app.employer_ids')",
    )
    served = f"{author} AND employer_ids <@ app_ids('app.employer_ids')"
    rls.policy(table, f"{table}_insert", "INSERT", check=served)
    rls.policy(table, f"{table}_update", "UPDATE", using=author, check=served)
    rls.policy(table, f"{table}_delete", "DELETE", using=author)


def downgrade():
    # The centres check reads another table: drop it before anything else.
    op.execute("DROP POLICY hr_staff_centres_own_employer ON hr_staff_centres")
    for table in (
        "hr_toolbox_documents",
        "hr_documents",
        "hr_due_items",
        "hr_training_records",
        "hr_staff_centres",
        "hr_staff_members",
    ):
        op.drop_table(table)
    bind = op.get_bind()
    for enum in reversed(ENUMS):
        enum.drop(bind, checkfirst=False)
