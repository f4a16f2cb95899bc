"""Federation reporting: a validated centre's figures by name only once a release names it.

Revision ID: 0034_reporting_named_by_release
Revises: 0033_aap_call_as_submitted
Create Date: 2026-12-05

The federation read a validated declaration's figures as soon as the centre
ticked consent, while disclosure control decides at each release which
consenting centres it may name (naming one may single out another). The red
team subtracted the three centres consent had revealed, but no release had
named, from the network total and recovered the only other centre exactly.
Now the figures follow the latest release of the campaign: consent and a
release that names the centre. Under review (submitted, returned) nothing
changes: the federation checks the figures, and the year before's for the
year-on-year check.
"""

from alembic import op

revision = "0034_reporting_named_by_release"
down_revision = "0033_aap_call_as_submitted"
branch_labels = None
depends_on = None

ADMIN = "app_is_admin()"
CENTRE = "centre_id = ANY(app_ids('app.centre_ids'))"
FEDERATION = "federation_id = ANY(app_ids('app.federation_ids'))"

UNDER_REVIEW_NEXT_YEAR = (
    "EXISTS (SELECT 1 FROM reporting_declarations n WHERE n.centre_id = d.centre_id"
    " AND n.year = d.year + 1 AND n.status IN ('submitted', 'returned'))"
)
CONSENTED = "d.share_centre_figures"
NAMED = (
    "d.share_centre_figures AND d.centre_id = ANY(COALESCE((SELECT r.named_centre_ids"
    " FROM reporting_releases r WHERE r.federation_id = d.federation_id AND r.year = d.year"
    " ORDER BY r.number DESC LIMIT 1), '{}'))"
)


def _values_read(validated_by_name: str) -> None:
    using = (
        f"{ADMIN} OR {CENTRE} OR ({FEDERATION} AND EXISTS (SELECT 1 FROM reporting_declarations d"
        " WHERE d.id = declaration_id AND (d.status IN ('submitted', 'returned')"
        f" OR (d.status = 'validated' AND (({validated_by_name}) OR {UNDER_REVIEW_NEXT_YEAR})))))"
    )
    op.execute("DROP POLICY reporting_values_read ON reporting_values")
    op.execute(
        "CREATE POLICY reporting_values_read ON reporting_values FOR SELECT TO PUBLIC"
        f" USING ({using})"
    )


def upgrade() -> None:
    _values_read(NAMED)


def downgrade() -> None:
    _values_read(CONSENTED)
