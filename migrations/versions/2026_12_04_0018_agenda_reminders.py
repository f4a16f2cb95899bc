"""Reminders of events: minutes before the start, on the series row.

At most five, between 0 and four weeks (ensemble.agenda.reminders). The
runtime may change them (the event form, a CalDAV PUT): an additive column
grant, so that it composes with other migrations' grants on the same table.

Revision ID: 0018_agenda_reminders
Revises: 0017_agenda_time
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.config import ROLES

revision = "0018_agenda_reminders"
down_revision = "0017_agenda_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "agenda_events",
        sa.Column(
            "reminders",
            postgresql.ARRAY(sa.Integer()),
            nullable=False,
            server_default=sa.text("'{}'"),
        ),
    )
    op.create_check_constraint(
        "ck_agenda_events_reminders",
        "agenda_events",
        "cardinality(reminders) <= 5 AND 0 <= ALL(reminders) AND 40320 >= ALL(reminders)",
    )
    op.execute(f"GRANT UPDATE (reminders) ON agenda_events TO {ROLES.runtime}")


def downgrade() -> None:
    op.execute(f"REVOKE UPDATE (reminders) ON agenda_events FROM {ROLES.runtime}")
    op.drop_constraint("ck_agenda_events_reminders", "agenda_events", type_="check")
    op.drop_column("agenda_events", "reminders")
