"""Joint answers to calls for projects: calls, answers, sections and their
versions, comments, budget lines, private notes, with RLS.

Revision ID: 0006_aap
Revises: 0005_agenda
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0006_aap"
down_revision = "0005_agenda"
branch_labels = None
depends_on = None

FUNDER = postgresql.ENUM(
    "caf",
    "departement",
    "region",
    "carsat",
    "etat",
    "europe",
    "commune",
    "fondation",
    "autre",
    name="aap_funder",
    create_type=False,
)
ANSWER_STATUS = postgresql.ENUM(
    "draft", "submitted", "granted", "refused", name="aap_answer_status", create_type=False
)
SECTION_STATUS = postgresql.ENUM(
    "to_write",
    "in_progress",
    "to_review",
    "approved",
    name="aap_section_status",
    create_type=False,
)
ENUMS = (FUNDER, ANSWER_STATUS, SECTION_STATUS)

# Visible to the parties of the answer's agreement (invited or active) and its lead.
PARTY = "(app_is_agreement_party(agreement_id) OR app_owns_agreement(agreement_id))"
# Managed by the lead centre's directors.
OWNER = "app_owns_agreement(agreement_id)"
# A submitted answer is frozen: no write reaches its dossier any more.
OPEN = "aap_is_open(agreement_id)"
NETWORK = "(federation_id = ANY(app_ids('app.network_ids')) OR app_is_admin())"
OWN_CENTRE = "centre_id = ANY(app_ids('app.centre_ids'))"

TABLES = (
    "aap_notes",
    "aap_budget_lines",
    "aap_comments",
    "aap_section_versions",
    "aap_sections",
    "aap_call_leads",
    "aap_answers",
    "aap_calls",
)


def _created_at(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=f"fk_{table}_{column}_{target}",
        ondelete=ondelete,
    )


def _agreement(table: str) -> list:
    return [
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        _fk(table, "agreement_id", "agreements", "CASCADE"),
    ]


def _answer(table: str) -> list:
    return [
        sa.Column("answer_id", sa.BigInteger(), nullable=False),
        *_agreement(table),
        sa.ForeignKeyConstraint(
            ["answer_id", "agreement_id"],
            ["aap_answers.id", "aap_answers.agreement_id"],
            ondelete="CASCADE",
            name=f"fk_{table}_answer_id_aap_answers",
        ),
    ]


def _section(table: str) -> list:
    return [
        sa.Column("section_id", sa.BigInteger(), nullable=False),
        *_agreement(table),
        sa.ForeignKeyConstraint(
            ["section_id", "agreement_id"],
            ["aap_sections.id", "aap_sections.agreement_id"],
            ondelete="CASCADE",
            name=f"fk_{table}_section_id_aap_sections",
        ),
    ]


def upgrade():
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=False)

    op.create_table(
        "aap_calls",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("funder", FUNDER, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("envelope", sa.Numeric(12, 2), nullable=True),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=True),
        _created_at(),
        _fk("aap_calls", "federation_id", "federations"),
        _fk("aap_calls", "centre_id", "centres"),
        _fk("aap_calls", "created_by_user_id", "users"),
        sa.CheckConstraint("envelope IS NULL OR envelope >= 0", name="ck_aap_calls_envelope"),
        sa.CheckConstraint("link = '' OR link ~ '^https?://'", name="ck_aap_calls_link"),
        sa.PrimaryKeyConstraint("id", name="pk_aap_calls"),
    )
    op.create_index("ix_aap_calls_federation_id", "aap_calls", ["federation_id"])
    op.create_index("ix_aap_calls_centre_id", "aap_calls", ["centre_id"])

    op.create_table(
        "aap_answers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_agreement("aap_answers"),
        sa.Column("call_id", sa.BigInteger(), nullable=False),
        sa.Column("lead_centre_id", sa.BigInteger(), nullable=False),
        sa.Column("status", ANSWER_STATUS, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("submitted_centre_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("granted_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        _created_at(),
        _fk("aap_answers", "call_id", "aap_calls"),
        _fk("aap_answers", "lead_centre_id", "centres"),
        _fk("aap_answers", "submitted_by_user_id", "users"),
        sa.CheckConstraint(
            "(status = 'granted') = (granted_amount IS NOT NULL)",
            name="ck_aap_answers_granted_amount",
        ),
        sa.CheckConstraint(
            "granted_amount IS NULL OR granted_amount > 0", name="ck_aap_answers_positive_grant"
        ),
        sa.CheckConstraint(
            "(status = 'draft') = (submitted_at IS NULL)", name="ck_aap_answers_submitted"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_aap_answers"),
        sa.UniqueConstraint("agreement_id", name="uq_aap_answers_agreement_id"),
        sa.UniqueConstraint("id", "agreement_id", name="uq_aap_answers_id_agreement"),
    )
    op.create_index("ix_aap_answers_call_id", "aap_answers", ["call_id"])
    op.create_index("ix_aap_answers_lead_centre_id", "aap_answers", ["lead_centre_id"])

    op.create_table(
        "aap_call_leads",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.BigInteger(), nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        *_agreement("aap_call_leads"),
        _fk("aap_call_leads", "call_id", "aap_calls"),
        _fk("aap_call_leads", "federation_id", "federations"),
        _fk("aap_call_leads", "centre_id", "centres"),
        sa.PrimaryKeyConstraint("id", name="pk_aap_call_leads"),
        sa.UniqueConstraint("agreement_id", name="uq_aap_call_leads_agreement_id"),
    )
    op.create_index("ix_aap_call_leads_call_id", "aap_call_leads", ["call_id"])
    op.create_index("ix_aap_call_leads_federation_id", "aap_call_leads", ["federation_id"])

    op.create_table(
        "aap_sections",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_answer("aap_sections"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.Column("owner_party_id", sa.BigInteger(), nullable=False),
        sa.Column("writer_user_id", sa.BigInteger(), nullable=True),
        sa.Column("status", SECTION_STATUS, nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("aap_sections", "owner_party_id", "agreement_parties", "CASCADE"),
        _fk("aap_sections", "writer_user_id", "users"),
        sa.CheckConstraint("current_version >= 0", name="ck_aap_sections_version"),
        sa.PrimaryKeyConstraint("id", name="pk_aap_sections"),
        sa.UniqueConstraint("id", "agreement_id", name="uq_aap_sections_id_agreement"),
    )
    op.create_index("ix_aap_sections_answer_id", "aap_sections", ["answer_id"])
    op.create_index("ix_aap_sections_owner_party_id", "aap_sections", ["owner_party_id"])

    op.create_table(
        "aap_section_versions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_section("aap_section_versions"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_user_id", sa.BigInteger(), nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        _created_at(),
        _fk("aap_section_versions", "author_user_id", "users"),
        sa.CheckConstraint("number >= 1", name="ck_aap_section_versions_number"),
        sa.PrimaryKeyConstraint("id", name="pk_aap_section_versions"),
        sa.UniqueConstraint("section_id", "number", name="uq_aap_section_versions_number"),
    )

    op.create_table(
        "aap_comments",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_section("aap_comments"),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("author_user_id", sa.BigInteger(), nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_user_id", sa.BigInteger(), nullable=True),
        _created_at(),
        _fk("aap_comments", "parent_id", "aap_comments", "CASCADE"),
        _fk("aap_comments", "author_user_id", "users"),
        _fk("aap_comments", "resolved_by_user_id", "users"),
        sa.CheckConstraint("length(body) > 0", name="ck_aap_comments_body"),
        sa.PrimaryKeyConstraint("id", name="pk_aap_comments"),
    )
    op.create_index("ix_aap_comments_section_id", "aap_comments", ["section_id"])

    op.create_table(
        "aap_budget_lines",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_answer("aap_budget_lines"),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(6), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("funder", sa.String(200), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("aap_budget_lines", "party_id", "agreement_parties", "CASCADE"),
        _fk("aap_budget_lines", "centre_id", "centres"),
        _fk("aap_budget_lines", "updated_by_user_id", "users"),
        sa.CheckConstraint(
            "account ~ '^(6[0-8]|7[0-5]|8[67])[0-9]{0,4}$'",
            name="ck_aap_budget_lines_chart_of_accounts",
        ),
        sa.CheckConstraint("amount >= 0", name="ck_aap_budget_lines_amount"),
        sa.CheckConstraint(
            "account NOT LIKE '74%' OR funder <> ''", name="ck_aap_budget_lines_subsidy_funder"
        ),
        sa.CheckConstraint("version >= 1", name="ck_aap_budget_lines_version"),
        sa.PrimaryKeyConstraint("id", name="pk_aap_budget_lines"),
    )
    op.create_index("ix_aap_budget_lines_answer_id", "aap_budget_lines", ["answer_id"])
    op.create_index("ix_aap_budget_lines_party_id", "aap_budget_lines", ["party_id"])

    op.create_table(
        "aap_notes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_answer("aap_notes"),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("aap_notes", "centre_id", "centres"),
        sa.PrimaryKeyConstraint("id", name="pk_aap_notes"),
        sa.UniqueConstraint("answer_id", "centre_id", name="uq_aap_notes_answer_centre"),
    )
    op.create_index("ix_aap_notes_answer_id", "aap_notes", ["answer_id"])

    _policies()


def _policies():
    op.execute(f"GRANT SELECT ON aap_answers TO {ROLES.rls_helper}")
    rls.definer_function(
        "aap_is_open(p_agreement_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM aap_answers a"
        " WHERE a.agreement_id = p_agreement_id AND a.status = 'draft')",
    )
    rls.definer_function(
        "aap_is_active_party(p_party_id bigint, p_centre_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM agreement_parties p"
        " WHERE p.id = p_party_id AND p.centre_id = p_centre_id AND p.status = 'active')",
    )

    for table in TABLES:
        rls.enable(table)
        if table == "aap_section_versions":
            # Versions are history: inserted, never changed.
            rls.grant_runtime(table, "SELECT, INSERT", sequence=f"{table}_id_seq")
        else:
            rls.grant_runtime(table, sequence=f"{table}_id_seq")

    # Calls: the whole network reads them; a director of one of its centres publishes.
    publisher = (
        "centre_id = ANY(app_ids('app.director_centre_ids'))"
        " AND EXISTS (SELECT 1 FROM centres c WHERE c.id = centre_id"
        " AND c.federation_id = aap_calls.federation_id)"
    )
    rls.policy("aap_calls", "aap_calls_read", "SELECT", using=NETWORK)
    rls.policy("aap_calls", "aap_calls_insert", "INSERT", check=publisher)
    rls.policy("aap_calls", "aap_calls_update", "UPDATE", using=publisher, check=publisher)
    rls.policy("aap_calls", "aap_calls_delete", "DELETE", using=publisher)

    # Answers: the parties read; the lead's directors create and manage.
    lead = f"{OWNER} AND lead_centre_id = ANY(app_ids('app.director_centre_ids'))"
    rls.policy("aap_answers", "aap_answers_read", "SELECT", using=PARTY)
    rls.policy("aap_answers", "aap_answers_insert", "INSERT", check=lead)
    rls.policy("aap_answers", "aap_answers_update", "UPDATE", using=OWNER, check=lead)
    rls.policy("aap_answers", "aap_answers_delete", "DELETE", using=f"{OWNER} AND status = 'draft'")

    # Who leads what: the network reads it (titles, deadlines and leads, never the dossier).
    rls.policy("aap_call_leads", "aap_call_leads_read", "SELECT", using=f"{NETWORK} OR {PARTY}")
    rls.policy(
        "aap_call_leads",
        "aap_call_leads_insert",
        "INSERT",
        check=f"{OWNER} AND centre_id = ANY(app_ids('app.director_centre_ids'))",
    )
    rls.policy("aap_call_leads", "aap_call_leads_delete", "DELETE", using=OWNER)

    # Sections: every party reads and writes while the answer is open; the lead adds
    # and removes them.
    rls.policy("aap_sections", "aap_sections_read", "SELECT", using=PARTY)
    rls.policy("aap_sections", "aap_sections_insert", "INSERT", check=f"{OWNER} AND {OPEN}")
    rls.policy(
        "aap_sections",
        "aap_sections_update",
        "UPDATE",
        using=f"{PARTY} AND {OPEN}",
        check=f"{PARTY} AND {OPEN}",
    )
    rls.policy("aap_sections", "aap_sections_delete", "DELETE", using=f"{OWNER} AND {OPEN}")

    rls.policy("aap_section_versions", "aap_section_versions_read", "SELECT", using=PARTY)
    rls.policy(
        "aap_section_versions",
        "aap_section_versions_insert",
        "INSERT",
        check=f"{PARTY} AND {OPEN} AND author_user_id = app_user_id()",
    )

    # Comments: parties discuss while the answer is open; one writes under one's own name.
    rls.policy("aap_comments", "aap_comments_read", "SELECT", using=PARTY)
    rls.policy(
        "aap_comments",
        "aap_comments_insert",
        "INSERT",
        check=f"{PARTY} AND {OPEN} AND author_user_id = app_user_id()",
    )
    rls.policy(
        "aap_comments",
        "aap_comments_update",
        "UPDATE",
        using=f"{PARTY} AND {OPEN}",
        check=f"{PARTY} AND {OPEN}",
    )
    rls.policy(
        "aap_comments",
        "aap_comments_delete",
        "DELETE",
        using=f"{PARTY} AND {OPEN} AND author_user_id = app_user_id()",
    )

    # Budget lines: every party reads the whole budget; each writes its own lines only.
    own_lines = (
        f"{OWN_CENTRE} AND app_is_agreement_party(agreement_id)"
        f" AND aap_is_active_party(party_id, centre_id) AND {OPEN}"
    )
    rls.policy("aap_budget_lines", "aap_budget_lines_read", "SELECT", using=PARTY)
    rls.policy("aap_budget_lines", "aap_budget_lines_insert", "INSERT", check=own_lines)
    rls.policy(
        "aap_budget_lines", "aap_budget_lines_update", "UPDATE", using=own_lines, check=own_lines
    )
    rls.policy("aap_budget_lines", "aap_budget_lines_delete", "DELETE", using=own_lines)

    # Private notes: one party's own, read and written by its centre only.
    own_notes = f"{OWN_CENTRE} AND app_is_agreement_party(agreement_id)"
    for command in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        rls.policy(
            "aap_notes",
            f"aap_notes_{command.lower()}",
            command,
            using=None if command == "INSERT" else own_notes,
            check=own_notes if command in ("INSERT", "UPDATE") else None,
        )

    # Network figures (joint answers submitted and won): the lifecycle columns only.
    op.execute(
        "GRANT SELECT (id, status, submitted_at, lead_centre_id, submitted_centre_ids,"
        f" granted_amount) ON aap_answers TO {ROLES.reporting}"
    )
    rls.policy(
        "aap_answers", "aap_answers_reporting_read", "SELECT", using="true", role=ROLES.reporting
    )


def downgrade():
    for table in TABLES:
        op.drop_table(table)
    op.execute("DROP FUNCTION aap_is_active_party(bigint, bigint)")
    op.execute("DROP FUNCTION aap_is_open(bigint)")
    bind = op.get_bind()
    for enum in reversed(ENUMS):
        enum.drop(bind, checkfirst=False)
