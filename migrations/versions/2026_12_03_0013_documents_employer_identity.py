"""Employers' legal identity: registered address and SIRET.

Revision ID: 0013_documents_employer_identity
Revises: 0009_reporting_full_run
Create Date: 2026-12-03

A cost statement serves as the annex of an invoice between two employers, and a
joint answer's attestation names the lead's legal entity: both must carry the
parties' legal identity (name, address, SIRET). The directory knew only an
employer's name and city. The SIRET is fourteen digits or empty (« SIRET non
renseigné » is printed then); its Luhn key is checked where it is entered, not
here (La Poste's establishments follow another rule).

The employers table keeps its policies: the directory is readable by everyone
signed in, written by administrators only.
"""

import sqlalchemy as sa
from alembic import op

from ensemble.tenancy import rls

revision = "0013_documents_employer_identity"
down_revision = "0010_security_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "employers", sa.Column("address", sa.String(200), nullable=False, server_default="")
    )
    op.add_column(
        "employers", sa.Column("postcode", sa.String(10), nullable=False, server_default="")
    )
    op.add_column("employers", sa.Column("siret", sa.String(14), nullable=False, server_default=""))
    op.create_check_constraint(op.f("ck_employers_siret"), "employers", "siret ~ '^([0-9]{14})?$'")
    # The defaults stay: an employer may be recorded before its legal identity is known.
    # Administrators correct an employer's legal identity like its name (policies decide
    # who); the columns that place the row stay as 0010 left them.
    rls.grant_update("employers", ("slug", "name", "kind", "city", "address", "postcode", "siret"))


def downgrade() -> None:
    rls.grant_update("employers", ("slug", "name", "kind", "city"))
    op.drop_constraint(op.f("ck_employers_siret"), "employers", type_="check")
    for column in ("siret", "postcode", "address"):
        op.drop_column("employers", column)
