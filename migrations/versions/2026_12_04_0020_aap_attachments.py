"""Joint answers: attachments (statutes, RIB, accounts, CVs, letters of support),
one party's each, kept in the database.

Every member of the answer (the lead and the active parties, not an invited
centre) reads them; a party's centre adds and removes its own while the answer
is open. No UPDATE: a document is replaced by removing it and adding another.

Revision ID: 0020_aap_attachments
Revises: 0020_aap_section_due_dates
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from ensemble.tenancy import rls

revision = "0020_aap_attachments"
down_revision = "0020_aap_section_due_dates"
branch_labels = None
depends_on = None

TABLE = "aap_attachments"
KINDS = ("statutes", "bank_details", "accounts", "cv", "support_letter")
TYPES = (
    "application/pdf",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/jpeg",
    "image/png",
)
MAX_BYTES = 5 * 1024 * 1024

MEMBER = "(aap_is_member(agreement_id) OR app_owns_agreement(agreement_id))"
OWN = (
    "centre_id = ANY(app_ids('app.centre_ids'))"
    " AND aap_is_active_party(party_id, centre_id) AND aap_is_open(agreement_id)"
)


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("answer_id", sa.BigInteger(), nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=f"fk_{TABLE}_agreement_id_agreements",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["answer_id", "agreement_id"],
            ["aap_answers.id", "aap_answers.agreement_id"],
            name=f"fk_{TABLE}_answer_id_aap_answers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["agreement_parties.id"],
            name=f"fk_{TABLE}_party_id_agreement_parties",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=f"fk_{TABLE}_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"], ["users.id"], name=f"fk_{TABLE}_uploaded_by_user_id_users"
        ),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name=f"ck_{TABLE}_kind"
        ),
        sa.CheckConstraint(
            f"size_bytes > 0 AND size_bytes <= {MAX_BYTES} AND octet_length(content) = size_bytes",
            name=f"ck_{TABLE}_size",
        ),
        sa.CheckConstraint(
            "content_type IN (" + ", ".join(f"'{t}'" for t in TYPES) + ")",
            name=f"ck_{TABLE}_content_type",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{TABLE}"),
    )
    op.create_index(f"ix_{TABLE}_answer_id", TABLE, ["answer_id"])
    op.create_index(f"ix_{TABLE}_party_id", TABLE, ["party_id"])
    rls.enable(TABLE)
    rls.grant_runtime(TABLE, "SELECT, INSERT, DELETE", sequence=f"{TABLE}_id_seq")
    rls.policy(TABLE, f"{TABLE}_read", "SELECT", using=MEMBER)
    rls.policy(
        TABLE,
        f"{TABLE}_insert",
        "INSERT",
        check=f"{OWN} AND {MEMBER} AND uploaded_by_user_id = app_user_id()",
    )
    rls.policy(TABLE, f"{TABLE}_delete", "DELETE", using=f"{OWN} AND {MEMBER}")


def downgrade():
    op.drop_table(TABLE)
