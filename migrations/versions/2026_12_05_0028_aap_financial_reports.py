"""Joint answers: the grant's financial report (compte rendu financier, Cerfa
nº 15059*02), its parties' parts and the real amounts they enter.

- The report is the lead's: its directors create it for a granted answer and
  change it until it is signed (then it is frozen: no UPDATE policy lets a
  signed row change, and there is no DELETE grant).
- A part and its real amounts are their party's: the party's centre writes
  them while the report is unsigned, as an active party of the answer.
- Every member of the answer (the lead and the active parties) reads all of
  it; another centre, a centre that left, the federation read nothing.

Revision ID: 0028_aap_financial_reports
Revises: 0024_disclosure_reasons
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.tenancy import rls

revision = "0028_aap_financial_reports"
down_revision = "0024_disclosure_reasons"
branch_labels = None
depends_on = None

MEMBER = "(aap_is_member(agreement_id) OR app_owns_agreement(agreement_id))"
LEAD = (
    "lead_centre_id = ANY(app_ids('app.director_centre_ids'))"
    " AND app_owns_agreement(agreement_id) AND aap_is_granted(agreement_id)"
)
SIGNER = "(signed_by_user_id IS NULL OR signed_by_user_id = app_user_id())"
OWN = (
    "centre_id = ANY(app_ids('app.centre_ids'))"
    " AND aap_is_active_party(party_id, centre_id) AND aap_report_is_open(report_id)"
)
ACCOUNT = "account ~ '^(6[0-8]|7[0-5]|8[67])[0-9]{0,4}$'"


def _created(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=f"fk_{table}_{column}_{target}",
        ondelete=ondelete,
    )


def _party_columns(table: str) -> list:
    return [
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        _fk(table, "agreement_id", "agreements", "CASCADE"),
        _fk(table, "party_id", "agreement_parties", "CASCADE"),
        _fk(table, "centre_id", "centres"),
        sa.ForeignKeyConstraint(
            ["report_id", "agreement_id"],
            ["aap_financial_reports.id", "aap_financial_reports.agreement_id"],
            name=f"fk_{table}_report_id_aap_financial_reports",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade():
    table = "aap_financial_reports"
    op.create_table(
        table,
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("answer_id", sa.BigInteger(), nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("lead_centre_id", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("hourly_rate", sa.Numeric(6, 2), nullable=False),
        sa.Column("gap_threshold", sa.Numeric(5, 2), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("signatory_name", sa.String(200), nullable=False),
        sa.Column("signatory_quality", sa.String(200), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_by_user_id", sa.BigInteger(), nullable=True),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk(table, "agreement_id", "agreements", "CASCADE"),
        _fk(table, "lead_centre_id", "centres"),
        _fk(table, "signed_by_user_id", "users"),
        sa.ForeignKeyConstraint(
            ["answer_id", "agreement_id"],
            ["aap_answers.id", "aap_answers.agreement_id"],
            name=f"fk_{table}_answer_id_aap_answers",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("period_end > period_start", name=f"ck_{table}_period"),
        sa.CheckConstraint(
            "hourly_rate >= 0 AND hourly_rate <= 1000", name=f"ck_{table}_hourly_rate"
        ),
        sa.CheckConstraint(
            "gap_threshold > 0 AND gap_threshold <= 100", name=f"ck_{table}_gap_threshold"
        ),
        sa.CheckConstraint(
            "(signed_on IS NULL) OR (signatory_name <> '' AND signatory_quality <> '')",
            name=f"ck_{table}_signed",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("answer_id", name=f"uq_{table}_answer_id"),
        sa.UniqueConstraint("id", "agreement_id", name=f"uq_{table}_id_agreement"),
    )

    table = "aap_report_parts"
    op.create_table(
        table,
        *_party_columns(table),
        sa.Column("actions", postgresql.JSONB(), nullable=False),
        sa.Column("volunteer_hours", sa.Numeric(10, 2), nullable=False),
        sa.Column("post_title", sa.String(200), nullable=False),
        sa.Column("post_account", sa.String(6), nullable=False),
        sa.Column("post_hours", sa.Numeric(10, 2), nullable=False),
        sa.Column("post_cost", sa.Numeric(12, 2), nullable=False),
        sa.Column("post_unvalued_hours", sa.Numeric(10, 2), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "volunteer_hours >= 0 AND post_hours >= 0 AND post_cost >= 0"
            " AND post_unvalued_hours >= 0",
            name=f"ck_{table}_non_negative",
        ),
        sa.CheckConstraint("post_account IN ('', '621', '641')", name=f"ck_{table}_post_account"),
        sa.UniqueConstraint("report_id", "party_id", name=f"uq_{table}_party"),
    )
    op.create_index(f"ix_{table}_report_id", table, ["report_id"])

    table = "aap_report_lines"
    op.create_table(
        table,
        *_party_columns(table),
        sa.Column("budget_line_id", sa.BigInteger(), nullable=True),
        sa.Column("account", sa.String(6), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk(table, "budget_line_id", "aap_budget_lines", "CASCADE"),
        sa.CheckConstraint(ACCOUNT, name=f"ck_{table}_chart_of_accounts"),
        sa.CheckConstraint("amount >= 0", name=f"ck_{table}_amount"),
        sa.CheckConstraint("length(label) > 0", name=f"ck_{table}_label"),
        sa.UniqueConstraint("report_id", "budget_line_id", name=f"uq_{table}_budget_line"),
    )
    op.create_index(f"ix_{table}_report_id", table, ["report_id"])
    _policies()


def _policies():
    rls.definer_function(
        "aap_is_granted(p_agreement_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM aap_answers a"
        " WHERE a.agreement_id = p_agreement_id AND a.status = 'granted')",
    )
    rls.helper_reads("aap_financial_reports")
    rls.definer_function(
        "aap_report_is_open(p_report_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM aap_financial_reports r"
        " WHERE r.id = p_report_id AND r.signed_on IS NULL)",
    )

    table = "aap_financial_reports"
    rls.enable(table)
    rls.grant_runtime(table, "SELECT, INSERT, UPDATE", sequence=f"{table}_id_seq")
    rls.grant_update(
        table,
        (
            "period_start",
            "period_end",
            "hourly_rate",
            "gap_threshold",
            "summary",
            "signatory_name",
            "signatory_quality",
            "signed_on",
            "signed_by_user_id",
            "updated_at",
        ),
    )
    rls.policy(table, f"{table}_read", "SELECT", using=MEMBER)
    rls.policy(table, f"{table}_insert", "INSERT", check=f"{LEAD} AND signed_on IS NULL")
    # A signed report is frozen: the row being changed must be unsigned.
    rls.policy(
        table,
        f"{table}_update",
        "UPDATE",
        using=f"{LEAD} AND signed_on IS NULL",
        check=f"{LEAD} AND {SIGNER}",
    )

    table = "aap_report_parts"
    rls.enable(table)
    rls.grant_runtime(table, "SELECT, INSERT, UPDATE", sequence=f"{table}_id_seq")
    rls.grant_update(
        table,
        (
            "actions",
            "volunteer_hours",
            "post_title",
            "post_account",
            "post_hours",
            "post_cost",
            "post_unvalued_hours",
            "comment",
            "refreshed_at",
        ),
    )
    rls.policy(table, f"{table}_read", "SELECT", using=MEMBER)
    rls.policy(table, f"{table}_insert", "INSERT", check=f"{OWN} AND {MEMBER}")
    rls.policy(table, f"{table}_update", "UPDATE", using=OWN, check=OWN)

    table = "aap_report_lines"
    rls.enable(table)
    rls.grant_runtime(table, "SELECT, INSERT, UPDATE, DELETE", sequence=f"{table}_id_seq")
    rls.grant_update(table, ("account", "label", "amount", "explanation", "updated_at"))
    rls.policy(table, f"{table}_read", "SELECT", using=MEMBER)
    rls.policy(table, f"{table}_insert", "INSERT", check=f"{OWN} AND {MEMBER}")
    rls.policy(table, f"{table}_update", "UPDATE", using=OWN, check=OWN)
    rls.policy(table, f"{table}_delete", "DELETE", using=OWN)


def downgrade():
    op.drop_table("aap_report_lines")
    op.drop_table("aap_report_parts")
    op.execute("DROP FUNCTION aap_report_is_open(bigint)")
    op.execute("DROP POLICY aap_financial_reports_rls_helper ON aap_financial_reports")
    op.drop_table("aap_financial_reports")
    op.execute("DROP FUNCTION aap_is_granted(bigint)")
