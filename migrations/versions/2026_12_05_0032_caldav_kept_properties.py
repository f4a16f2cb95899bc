"""CalDAV: what a client wrote that Ensemble does not model is kept, not lost.

Revision ID: 0032_caldav_kept_properties
Revises: 0031_posts_holder_visible
Create Date: 2026-12-05

A phone that saved « Mairie de Roubaix, salle 3 » as the place got back the
centre's address; its URL, ORGANIZER, ATTENDEE and X- properties and the alarms
Ensemble cannot send (at a fixed instant, relative to the end) were dropped, and
the client synced the poorer copy back. Two columns on the events: `place`, the
free-text place the person wrote (shown instead of the centre's address), and
`client_properties`, the iCalendar lines Ensemble does not model, kept verbatim
and written back in the person's own CalDAV objects. No new table: the events'
row-level security and audit cover both.
"""

import sqlalchemy as sa
from alembic import op

from ensemble.config import ROLES

revision = "0032_caldav_kept_properties"
down_revision = "0031_posts_holder_visible"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "agenda_events",
        sa.Column("place", sa.String(500), nullable=False, server_default=""),
    )
    op.add_column(
        "agenda_events",
        sa.Column("client_properties", sa.Text(), nullable=False, server_default=""),
    )
    op.execute(f"GRANT UPDATE (place, client_properties) ON agenda_events TO {ROLES.runtime}")


def downgrade() -> None:
    op.execute(f"REVOKE UPDATE (place, client_properties) ON agenda_events FROM {ROLES.runtime}")
    op.drop_column("agenda_events", "client_properties")
    op.drop_column("agenda_events", "place")
