"""Federation reporting: the full consolidation rebuilds the aggregates' index once.

Revision ID: 0009_reporting_full_run
Revises: 0008_reporting_consent
Create Date: 2026-11-21

A full run replaces every consolidated cell (about half a million at national
scale). Inserting them one by one into the primary-key index cost more than the
aggregation itself; building the index once over the new rows costs a fraction
of that. The reporting role owns no table, so two functions, run with the
owner's rights and granted to that role only, empty the table and drop its
primary key (`reporting_aggregates_replace_begin`) and put the key back
(`reporting_aggregates_replace_end`). Both run inside the consolidation's
transaction: TRUNCATE and ALTER TABLE are transactional in PostgreSQL, so a
worker killed at any point leaves the previous cells and their key untouched.
Readers of the aggregates wait for the end of a full run (ACCESS EXCLUSIVE
lock) instead of reading the previous cells meanwhile. The key is built by the
worker's own process (no parallel maintenance workers): half a million rows sort
in memory in about a second, and the nightly run leaves the other cores to the
web requests.
"""

from alembic import op

from ensemble.config import ROLES

revision = "0009_reporting_full_run"
down_revision = "0008_reporting_consent"
branch_labels = None
depends_on = None

KEY = "federation_id, year, indicator_code, breakdown_key, departement, city"

FUNCTIONS = f"""
CREATE FUNCTION reporting_aggregates_replace_begin() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    TRUNCATE reporting_aggregates;
    ALTER TABLE reporting_aggregates DROP CONSTRAINT pk_reporting_aggregates;
END
$$;
CREATE FUNCTION reporting_aggregates_replace_end() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET maintenance_work_mem = '256MB' SET max_parallel_maintenance_workers = 0 AS $$
BEGIN
    ALTER TABLE reporting_aggregates
        ADD CONSTRAINT pk_reporting_aggregates PRIMARY KEY ({KEY});
END
$$;
REVOKE ALL ON FUNCTION reporting_aggregates_replace_begin() FROM PUBLIC;
REVOKE ALL ON FUNCTION reporting_aggregates_replace_end() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reporting_aggregates_replace_begin() TO {ROLES.reporting};
GRANT EXECUTE ON FUNCTION reporting_aggregates_replace_end() TO {ROLES.reporting};
"""


def upgrade():
    op.execute(FUNCTIONS)


def downgrade():
    op.execute("DROP FUNCTION reporting_aggregates_replace_end()")
    op.execute("DROP FUNCTION reporting_aggregates_replace_begin()")
