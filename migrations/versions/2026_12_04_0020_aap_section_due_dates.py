"""Joint answers: an internal due date per section, set by the lead (before the
call's deadline), shown in « Mes rubriques ».

Revision ID: 0020_aap_section_due_dates
Revises: 0020_aap_section_limits
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from ensemble.config import ROLES

revision = "0020_aap_section_due_dates"
down_revision = "0020_aap_section_limits"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("aap_sections", sa.Column("due_on", sa.Date(), nullable=True))
    op.execute(f"GRANT UPDATE (due_on) ON aap_sections TO {ROLES.runtime}")


def downgrade():
    op.execute(f"REVOKE UPDATE (due_on) ON aap_sections FROM {ROLES.runtime}")
    op.drop_column("aap_sections", "due_on")
