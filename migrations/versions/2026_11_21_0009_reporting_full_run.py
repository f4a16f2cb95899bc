"""Federation reporting: the aggregates are keyed by construction, indexed by
federation and year, and a full run rebuilds that index once.

Revision ID: 0009_reporting_full_run
Revises: 0008_reporting_consent
Create Date: 2026-11-21

A full run replaces every consolidated cell (about half a million at national
scale). Maintaining a six-column unique key over them cost half as much as the
aggregation itself (measured in bench/reporting.py), whether built once or row
by row. That key only re-checked what the writer already guarantees: cells are
written by one consolidation at a time (an advisory lock), always as the whole
GROUP BY result of a (federation, year) — unique per key by construction — and
the tests check one row per key after every kind of run. So the table keeps no
unique key; readers look cells up by federation (and year), which a two-integer
index serves, and that index costs a fraction of the key to build.

The reporting role owns no table, so two functions, run with the owner's rights
and granted to that role only, empty the table and drop its index
(`reporting_aggregates_replace_begin`) and build it again
(`reporting_aggregates_replace_end`). Both run inside the consolidation's
transaction: TRUNCATE and DROP/CREATE INDEX are transactional in PostgreSQL, so
a worker killed at any point leaves the previous cells and their index
untouched. Readers of the aggregates wait for the end of a full run (ACCESS
EXCLUSIVE lock, a few seconds at national scale) instead of reading the previous
cells meanwhile. The index is built by the worker's own process (no parallel
maintenance workers), leaving the other cores to the web requests.
"""

from alembic import op

from ensemble.config import ROLES

revision = "0009_reporting_full_run"
down_revision = "0008_reporting_consent"
branch_labels = None
depends_on = None

INDEX = "ix_reporting_aggregates_federation_id_year"
KEY = "federation_id, year, indicator_code, breakdown_key, departement, city"

FUNCTIONS = f"""
CREATE FUNCTION reporting_aggregates_replace_begin() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    TRUNCATE reporting_aggregates;
    DROP INDEX {INDEX};
END
$$;
CREATE FUNCTION reporting_aggregates_replace_end() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET maintenance_work_mem = '256MB' SET max_parallel_maintenance_workers = 0 AS $$
BEGIN
    CREATE INDEX {INDEX} ON reporting_aggregates (federation_id, year);
END
$$;
REVOKE ALL ON FUNCTION reporting_aggregates_replace_begin() FROM PUBLIC;
REVOKE ALL ON FUNCTION reporting_aggregates_replace_end() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reporting_aggregates_replace_begin() TO {ROLES.reporting};
GRANT EXECUTE ON FUNCTION reporting_aggregates_replace_end() TO {ROLES.reporting};
"""


def upgrade():
    op.execute("ALTER TABLE reporting_aggregates DROP CONSTRAINT pk_reporting_aggregates")
    op.execute(f"CREATE INDEX {INDEX} ON reporting_aggregates (federation_id, year)")
    op.execute(FUNCTIONS)


def downgrade():
    op.execute("DROP FUNCTION reporting_aggregates_replace_end()")
    op.execute("DROP FUNCTION reporting_aggregates_replace_begin()")
    op.execute(f"DROP INDEX {INDEX}")
    op.execute(
        "ALTER TABLE reporting_aggregates"
        f" ADD CONSTRAINT pk_reporting_aggregates PRIMARY KEY ({KEY})"
    )
