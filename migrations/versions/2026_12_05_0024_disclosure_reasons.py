"""Federation reporting: a secret cell says why it is secret.

Revision ID: 0024_disclosure_reasons
Revises: 0023_reporting_leaflet
Create Date: 2026-12-05

Campaigns of three or four centres showed « secret » everywhere without saying
why. Each published cell now records the rule that keeps it secret (0 when it is
published): fewer than the minimum of centres, too few people, one or two centres
weighing too much, a centre could deduce another's figure, every unknown centre
gave the same yes-or-no answer, or it protects another cell (secondary
suppression). The table keeps its row-level security and grants (same policies:
the column adds nothing a reader could not already read of the cell).
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_disclosure_reasons"
down_revision = "0023_reporting_leaflet"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "reporting_published",
        sa.Column("reason", sa.SmallInteger(), nullable=False, server_default="0"),
    )
    op.execute(
        "ALTER TABLE reporting_published ADD CONSTRAINT ck_reporting_published_reason"
        " CHECK (reason BETWEEN 0 AND 7)"
    )


def downgrade():
    op.execute("ALTER TABLE reporting_published DROP CONSTRAINT ck_reporting_published_reason")
    op.drop_column("reporting_published", "reason")
