"""Shared posts: parties' shares, legal documents, time, costs and statements, with RLS.

Revision ID: 0003_posts
Revises: 0004_hr (relinked after the HR workspace merged into main)
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0003_posts"
down_revision = "0004_hr"
branch_labels = None
depends_on = None

ARRANGEMENT = postgresql.ENUM(
    "temps_partage", "mise_a_disposition", "groupement", name="post_arrangement", create_type=False
)
SHARE_UNIT = postgresql.ENUM("percent", "hours_per_week", name="post_share_unit", create_type=False)
DOCUMENT_KIND = postgresql.ENUM(
    "agreement", "amendment", "consent", name="post_document_kind", create_type=False
)
ENUMS = (ARRANGEMENT, SHARE_UNIT, DOCUMENT_KIND)
DOCUMENT_TYPES = (
    "application/pdf",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/jpeg",
    "image/png",
)
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

# Visible to every party of the post's agreement (and to its owner side).
PARTY = "app_is_agreement_party(agreement_id) OR app_owns_agreement(agreement_id)"
# Managed by the carrying employer's directors and HR managers.
OWNER = "app_owns_agreement(agreement_id)"
# Salary figures: the parties' directors and HR managers only, never staff.
MANAGER = "app_is_post_manager(agreement_id)"

STATEMENT_TABLES = ("post_statements", "post_statement_costs", "post_statement_lines")


def _money(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(12, 2), nullable=False)


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def _agreement(table: str) -> list:
    """The agreement_id column and its foreign key, carried by every post table."""
    return [
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_agreement_id_agreements",
        ),
    ]


def _post(table: str) -> list:
    return [
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        *_agreement(table),
        sa.ForeignKeyConstraint(
            ["post_id", "agreement_id"],
            ["shared_posts.id", "shared_posts.agreement_id"],
            ondelete="CASCADE",
            name=f"fk_{table}_post_id_shared_posts",
        ),
    ]


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users")


def upgrade():
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=False)

    op.create_table(
        "shared_posts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_agreement("shared_posts"),
        sa.Column("arrangement", ARRANGEMENT, nullable=False),
        sa.Column("holder_user_id", sa.BigInteger(), nullable=False),
        sa.Column("weekly_hours", sa.Numeric(5, 2), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("insurance", sa.Text(), nullable=False),
        sa.Column("drift_threshold_percent", sa.Numeric(5, 2), nullable=False),
        _created_at(),
        _user_fk("shared_posts", "holder_user_id"),
        sa.CheckConstraint(
            "weekly_hours > 0 AND weekly_hours <= 48", name="ck_shared_posts_weekly_hours"
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name="ck_shared_posts_period"
        ),
        sa.CheckConstraint(
            "drift_threshold_percent > 0 AND drift_threshold_percent <= 100",
            name="ck_shared_posts_threshold",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_shared_posts"),
        sa.UniqueConstraint("agreement_id", name="uq_shared_posts_agreement_id"),
        sa.UniqueConstraint("id", "agreement_id", name="uq_shared_posts_id_agreement"),
    )
    op.create_index("ix_shared_posts_holder_user_id", "shared_posts", ["holder_user_id"])

    op.create_table(
        "post_allocations",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_post("post_allocations"),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("site_centre_id", sa.BigInteger(), nullable=False),
        sa.Column("unit", SHARE_UNIT, nullable=False),
        sa.Column("share", sa.Numeric(7, 2), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["agreement_parties.id"],
            ondelete="CASCADE",
            name="fk_post_allocations_party_id_agreement_parties",
        ),
        sa.ForeignKeyConstraint(
            ["site_centre_id"], ["centres.id"], name="fk_post_allocations_site_centre_id_centres"
        ),
        sa.CheckConstraint("share > 0", name="ck_post_allocations_positive_share"),
        sa.CheckConstraint(
            "unit <> 'percent' OR share <= 100", name="ck_post_allocations_percent_at_most_100"
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name="ck_post_allocations_period"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_post_allocations"),
    )
    for column in ("post_id", "party_id", "site_centre_id"):
        op.create_index(f"ix_post_allocations_{column}", "post_allocations", [column])

    op.create_table(
        "post_documents",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_post("post_documents"),
        sa.Column("kind", DOCUMENT_KIND, nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_user_id", sa.BigInteger(), nullable=True),
        _created_at(),
        _user_fk("post_documents", "uploaded_by_user_id"),
        sa.CheckConstraint(
            f"size_bytes > 0 AND size_bytes <= {MAX_DOCUMENT_BYTES}"
            " AND octet_length(content) = size_bytes",
            name="ck_post_documents_size",
        ),
        sa.CheckConstraint(
            "content_type IN (" + ", ".join(f"'{t}'" for t in DOCUMENT_TYPES) + ")",
            name="ck_post_documents_content_type",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_post_documents"),
    )
    op.create_index("ix_post_documents_post_id", "post_documents", ["post_id"])

    op.create_table(
        "post_time_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_post("post_time_entries"),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(5, 2), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column("entered_by_user_id", sa.BigInteger(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_post_time_entries_centre_id_centres"
        ),
        _user_fk("post_time_entries", "entered_by_user_id"),
        sa.CheckConstraint("hours > 0 AND hours <= 24", name="ck_post_time_entries_hours"),
        sa.PrimaryKeyConstraint("id", name="pk_post_time_entries"),
    )
    op.create_index("ix_post_time_entries_post_date", "post_time_entries", ["post_id", "work_date"])
    op.create_index(
        "ix_post_time_entries_centre_date", "post_time_entries", ["centre_id", "work_date"]
    )

    op.create_table(
        "post_costs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_post("post_costs"),
        sa.Column("valid_from", sa.Date(), nullable=False),
        _money("gross_salary"),
        _money("employer_charges"),
        _money("travel_expenses"),
        _money("employment_aid"),
        sa.Column("entered_by_user_id", sa.BigInteger(), nullable=True),
        _created_at(),
        _user_fk("post_costs", "entered_by_user_id"),
        sa.CheckConstraint("extract(day FROM valid_from) = 1", name="ck_post_costs_first_of_month"),
        sa.CheckConstraint(
            "gross_salary >= 0 AND employer_charges >= 0 AND travel_expenses >= 0"
            " AND employment_aid >= 0",
            name="ck_post_costs_non_negative",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_post_costs"),
        sa.UniqueConstraint("post_id", "valid_from", name="uq_post_costs_post_month"),
    )

    op.create_table(
        "post_statements",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_post("post_statements"),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("supersedes_id", sa.BigInteger(), nullable=True),
        sa.Column("correction_note", sa.Text(), nullable=False),
        _user_fk("post_statements", "issued_by_user_id"),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["post_statements.id"],
            name="fk_post_statements_supersedes_id_post_statements",
        ),
        sa.CheckConstraint("extract(day FROM month) = 1", name="ck_post_statements_first_of_month"),
        sa.CheckConstraint("version >= 1", name="ck_post_statements_version"),
        sa.PrimaryKeyConstraint("id", name="pk_post_statements"),
        sa.UniqueConstraint("post_id", "month", "version", name="uq_post_statements_version"),
    )

    op.create_table(
        "post_statement_costs",
        sa.Column("statement_id", sa.BigInteger(), nullable=False),
        *_agreement("post_statement_costs"),
        _money("gross_salary"),
        _money("employer_charges"),
        _money("travel_expenses"),
        _money("employment_aid"),
        _money("real_cost"),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("rounding_rule", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["post_statements.id"],
            ondelete="CASCADE",
            name="fk_post_statement_costs_statement_id_post_statements",
        ),
        sa.CheckConstraint(
            "real_cost = gross_salary + employer_charges + travel_expenses - employment_aid",
            name="ck_post_statement_costs_real_cost",
        ),
        sa.PrimaryKeyConstraint("statement_id", name="pk_post_statement_costs"),
    )

    op.create_table(
        "post_statement_lines",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("statement_id", sa.BigInteger(), nullable=False),
        *_agreement("post_statement_lines"),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("party_name", sa.String(200), nullable=False),
        sa.Column("is_carrier", sa.Boolean(), nullable=False),
        sa.Column("share", sa.Numeric(9, 6), nullable=False),
        _money("amount"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["post_statements.id"],
            ondelete="CASCADE",
            name="fk_post_statement_lines_statement_id_post_statements",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["agreement_parties.id"],
            name="fk_post_statement_lines_party_id_agreement_parties",
        ),
        sa.CheckConstraint("share >= 0 AND share <= 1", name="ck_post_statement_lines_share"),
        sa.PrimaryKeyConstraint("id", name="pk_post_statement_lines"),
    )
    op.create_index(
        "ix_post_statement_lines_statement_id", "post_statement_lines", ["statement_id"]
    )

    _policies()
    _immutable_statements()


def _policies():
    rls.definer_function(
        "app_is_post_manager(p_agreement_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM agreement_parties p"
        " WHERE p.agreement_id = p_agreement_id AND p.status IN ('invited', 'active')"
        " AND (p.centre_id = ANY(app_ids('app.director_centre_ids'))"
        " OR p.employer_id = ANY(app_ids('app.employer_ids'))))",
    )
    sequences = {
        "shared_posts": "shared_posts_id_seq",
        "post_allocations": "post_allocations_id_seq",
        "post_documents": "post_documents_id_seq",
        "post_time_entries": "post_time_entries_id_seq",
        "post_costs": "post_costs_id_seq",
    }
    for table, sequence in sequences.items():
        rls.enable(table)
        rls.grant_runtime(table, sequence=sequence)

    # The post, its shares and its documents: every party reads, the carrier writes.
    for table in ("shared_posts", "post_allocations", "post_documents"):
        rls.policy(table, f"{table}_read", "SELECT", using=PARTY)
        rls.policy(table, f"{table}_insert", "INSERT", check=OWNER)
        rls.policy(table, f"{table}_update", "UPDATE", using=OWNER, check=OWNER)
        rls.policy(table, f"{table}_delete", "DELETE", using=OWNER)

    # Time: parties read; the carrier, the parties' managers and the holder record.
    holder = (
        "EXISTS (SELECT 1 FROM shared_posts s WHERE s.id = post_id"
        " AND s.holder_user_id = app_user_id())"
    )
    recorder = f"{OWNER} OR {MANAGER} OR {holder}"
    rls.policy("post_time_entries", "post_time_entries_read", "SELECT", using=PARTY)
    rls.policy("post_time_entries", "post_time_entries_insert", "INSERT", check=recorder)
    rls.policy(
        "post_time_entries", "post_time_entries_update", "UPDATE", using=recorder, check=recorder
    )
    rls.policy("post_time_entries", "post_time_entries_delete", "DELETE", using=recorder)

    # Cost inputs: salary figures, read by managers only, written by the carrier.
    rls.policy("post_costs", "post_costs_read", "SELECT", using=MANAGER)
    rls.policy("post_costs", "post_costs_insert", "INSERT", check=OWNER)
    rls.policy("post_costs", "post_costs_update", "UPDATE", using=OWNER, check=OWNER)
    rls.policy("post_costs", "post_costs_delete", "DELETE", using=OWNER)

    # Statements: insert and read only (no UPDATE or DELETE grant, and a trigger).
    for table in STATEMENT_TABLES:
        rls.enable(table)
        rls.grant_runtime(
            table,
            "SELECT, INSERT",
            sequence=None if table == "post_statement_costs" else f"{table}_id_seq",
        )
        rls.policy(table, f"{table}_insert", "INSERT", check=OWNER)
    rls.policy("post_statements", "post_statements_read", "SELECT", using=PARTY)
    rls.policy("post_statement_costs", "post_statement_costs_read", "SELECT", using=MANAGER)
    rls.policy("post_statement_lines", "post_statement_lines_read", "SELECT", using=MANAGER)

    # Cooperation figures (federation reporting): aggregates of shares and hours,
    # so the reporting role reads those columns only, never a person's.
    for table, columns in (
        ("shared_posts", "id, weekly_hours"),
        ("post_allocations", "post_id, site_centre_id, unit, share, starts_on, ends_on"),
        ("post_time_entries", "post_id, centre_id, work_date, hours"),
    ):
        op.execute(f"GRANT SELECT ({columns}) ON {table} TO {ROLES.reporting}")
        rls.policy(table, f"{table}_reporting_read", "SELECT", using="true", role=ROLES.reporting)


def _immutable_statements():
    op.execute(
        """
        CREATE FUNCTION posts_refuse_statement_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'Un état de refacturation émis ne se modifie pas :'
                ' établissez une nouvelle version.'
                USING ERRCODE = 'integrity_constraint_violation';
        END
        $$
        """
    )
    for table in STATEMENT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION posts_refuse_statement_change()"
        )


def downgrade():
    # The holder clause of post_time_entries reads shared_posts: drop it first.
    for policy_name in (
        "post_time_entries_insert",
        "post_time_entries_update",
        "post_time_entries_delete",
    ):
        op.execute(f"DROP POLICY {policy_name} ON post_time_entries")
    for table in (
        "post_statement_lines",
        "post_statement_costs",
        "post_statements",
        "post_costs",
        "post_time_entries",
        "post_documents",
        "post_allocations",
        "shared_posts",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION posts_refuse_statement_change()")
    op.execute("DROP FUNCTION app_is_post_manager(bigint)")
    bind = op.get_bind()
    for enum in reversed(ENUMS):
        enum.drop(bind, checkfirst=False)
