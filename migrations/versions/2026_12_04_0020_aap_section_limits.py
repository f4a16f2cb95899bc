"""Joint answers: a section's length limit, as the call sets it (characters or
words), shown with a live counter in the editor and warned about before submitting.

Revision ID: 0020_aap_section_limits
Revises: 0020_aap_members_and_freeze
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from ensemble.config import ROLES

revision = "0020_aap_section_limits"
down_revision = "0020_aap_members_and_freeze"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "aap_sections",
        sa.Column("limit_unit", sa.String(10), nullable=False, server_default=""),
    )
    op.add_column("aap_sections", sa.Column("limit_value", sa.Integer(), nullable=True))
    op.create_check_constraint(
        "ck_aap_sections_length_limit",
        "aap_sections",
        "(limit_unit = '' AND limit_value IS NULL)"
        " OR (limit_unit IN ('characters', 'words') AND limit_value BETWEEN 1 AND 1000000)",
    )
    # The lead sets it while the answer is open (the update policy says so).
    op.execute(f"GRANT UPDATE (limit_unit, limit_value) ON aap_sections TO {ROLES.runtime}")


def downgrade():
    op.execute(f"REVOKE UPDATE (limit_unit, limit_value) ON aap_sections FROM {ROLES.runtime}")
    op.drop_constraint("ck_aap_sections_length_limit", "aap_sections", type_="check")
    op.drop_column("aap_sections", "limit_value")
    op.drop_column("aap_sections", "limit_unit")
