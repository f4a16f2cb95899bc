"""Federation reporting: runs per federation, campaigns that close, releases audited
for statistical disclosure.

Revision ID: 0014_disclosure_releases
Revises: 0009_reporting_full_run
Create Date: 2026-12-03

Runs. A run and its log belong to one federation (`federation_id`); its
analysts see their federations' runs only, the platform admin all of them. Runs
recorded before carry no federation: only the admin sees them. A run ends after
it starts (a check; the workers stamp both with clock_timestamp()). `error` is
the French reason shown to the federation, `detail` the technical one.

Outbox. A federation's request for a full run is a row of `reporting_dirty`
(`full_run`, no year), inserted under the analyst's context: the row-level
policy already lets a federation insert for itself only, so an analyst can start
runs of her own federations only, whatever reaches the workers.

Campaigns. The federation closes a campaign year (`reporting_campaigns`); its
figures are published then, and a trigger refuses any later submission or
validation for that year: the published set of centres never grows, so no two
releases of a campaign differ by a centre (the difference would be that centre).

Releases. `reporting_releases` and `reporting_published` hold what the workers
published after statistical disclosure control (values, or secret), read by
the federation's members; pages and exports read nothing else. The raw
aggregates are no longer readable at runtime (platform admin only). The workers
read memberships to know which centres one person or one employer reads together.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0014_disclosure_releases"
down_revision = "0016_notifications_subjects"
branch_labels = None
depends_on = None

ADMIN = "app_is_admin()"
FEDERATION = "federation_id = ANY(app_ids('app.federation_ids'))"
NETWORK = "federation_id = ANY(app_ids('app.network_ids'))"

CLOSED_GUARD = """
CREATE FUNCTION reporting_declarations_campaign_open() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Once a campaign is closed its figures are published: no declaration of
    -- that year may join them (a new release would differ by that centre).
    -- Whoever updates (a director, an analyst, a worker) and whatever they may read.
    IF NEW.status IN ('submitted', 'validated') AND NEW.status IS DISTINCT FROM OLD.status
       AND app_campaign_closed(NEW.federation_id, NEW.year)
    THEN
        RAISE EXCEPTION 'campaign % is closed', NEW.year USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER reporting_declarations_campaign_open
BEFORE UPDATE OF status ON reporting_declarations
FOR EACH ROW EXECUTE FUNCTION reporting_declarations_campaign_open();
"""


def upgrade():
    reporting = ROLES.reporting

    # --- Runs: one federation each ------------------------------------------------
    op.add_column("reporting_runs", sa.Column("federation_id", sa.BigInteger(), nullable=True))
    op.add_column(
        "reporting_runs", sa.Column("detail", sa.Text(), nullable=False, server_default="")
    )
    op.create_foreign_key(
        "fk_reporting_runs_federation_id_federations",
        "reporting_runs",
        "federations",
        ["federation_id"],
        ["id"],
    )
    op.create_index("ix_reporting_runs_federation_id", "reporting_runs", ["federation_id", "id"])
    op.execute(
        "UPDATE reporting_runs SET finished_at = started_at"
        " WHERE finished_at IS NOT NULL AND finished_at < started_at"
    )
    op.create_check_constraint(
        "ck_reporting_runs_ends_after",
        "reporting_runs",
        "finished_at IS NULL OR finished_at >= started_at",
    )
    op.execute("DROP POLICY reporting_runs_read ON reporting_runs")
    rls.policy("reporting_runs", "reporting_runs_read", "SELECT", using=f"{ADMIN} OR {FEDERATION}")

    # --- Outbox: a federation's request for a full run ---------------------------
    op.add_column(
        "reporting_dirty",
        sa.Column("full_run", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.alter_column("reporting_dirty", "year", existing_type=sa.SmallInteger(), nullable=True)
    op.create_check_constraint(
        "ck_reporting_dirty_year_or_full", "reporting_dirty", "full_run OR year IS NOT NULL"
    )
    op.execute(f"GRANT INSERT ON reporting_dirty TO {reporting}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE reporting_dirty_id_seq TO {reporting}")

    # --- Campaigns ------------------------------------------------------------------
    op.create_table(
        "reporting_campaigns",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column(
            "closed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("closed_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("refused_fingerprint", sa.Text(), nullable=False, server_default=""),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_reason", sa.Text(), nullable=False, server_default=""),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_reporting_campaigns_year"),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name="fk_reporting_campaigns_federation_id_federations",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_user_id"],
            ["users.id"],
            name="fk_reporting_campaigns_closed_by_user_id_users",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_campaigns"),
        sa.UniqueConstraint("federation_id", "year", name="uq_reporting_campaigns_federation_year"),
    )
    rls.enable("reporting_campaigns")
    rls.grant_runtime(
        "reporting_campaigns", "SELECT, INSERT", sequence="reporting_campaigns_id_seq"
    )
    rls.policy(
        "reporting_campaigns", "reporting_campaigns_read", "SELECT", using=f"{ADMIN} OR {NETWORK}"
    )
    # The federation closes its own campaigns, in its analyst's name.
    rls.policy(
        "reporting_campaigns",
        "reporting_campaigns_close",
        "INSERT",
        check=f"{FEDERATION} AND closed_by_user_id = app_user_id()",
    )

    # --- Releases and their cells ---------------------------------------------------
    op.create_table(
        "reporting_releases",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("run_id", sa.BigInteger(), nullable=True),
        sa.Column("centres", sa.Integer(), nullable=False),
        sa.Column("named_centre_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("secret_cells", sa.Integer(), nullable=False),
        sa.Column("audited_cells", sa.Integer(), nullable=False),
        sa.Column("certified_cells", sa.Integer(), nullable=False),
        sa.Column("linear_programs", sa.Integer(), nullable=False),
        sa.Column("readers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name="fk_reporting_releases_federation_id_federations",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["reporting_runs.id"], name="fk_reporting_releases_run_id_reporting_runs"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_releases"),
        sa.UniqueConstraint(
            "federation_id", "year", "number", name="uq_reporting_releases_federation_year_number"
        ),
    )
    op.create_table(
        "reporting_published",
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("indicator_code", sa.String(60, collation="C"), nullable=False),
        sa.Column("breakdown_key", sa.String(20, collation="C"), nullable=False),
        sa.Column("departement", sa.String(3, collation="C"), nullable=False),
        sa.Column("city", sa.String(120, collation="C"), nullable=False),
        sa.Column("value", sa.Numeric(18, 2), nullable=True),
        sa.Column("centres", sa.Integer(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("change", sa.Numeric(9, 1), nullable=True),
        sa.Column("change_centres", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "secret = (value IS NULL)", name="ck_reporting_published_secret_has_no_value"
        ),
    )
    # No five-column key and no foreign key: one row per cell holds by construction, a
    # release is never deleted, and per-row checks would cost more than deciding the
    # cells (see the model).
    op.create_index("ix_reporting_published_release_id", "reporting_published", ["release_id"])
    for table in ("reporting_releases", "reporting_published"):
        rls.enable(table)
        op.execute(f"GRANT SELECT ON {table} TO {ROLES.runtime}")
        rls.policy(table, f"{table}_read", "SELECT", using=f"{ADMIN} OR {NETWORK}")

    # The workers write publications and the campaigns' refusals (see 0007).
    for table, privileges in (
        ("reporting_campaigns", "SELECT, UPDATE"),
        ("reporting_releases", "SELECT, INSERT, UPDATE, DELETE"),
        ("reporting_published", "SELECT, INSERT, UPDATE, DELETE"),
    ):
        op.execute(f"GRANT {privileges} ON {table} TO {reporting}")
        rls.policy(table, f"{table}_workers", "ALL", using="true", check="true", role=reporting)
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE reporting_releases_id_seq TO {reporting}")
    rls.grant_reporting("memberships")

    # The raw aggregates are the workers' and the admin's: pages read releases.
    op.execute("DROP POLICY reporting_aggregates_read ON reporting_aggregates")
    rls.policy("reporting_aggregates", "reporting_aggregates_read", "SELECT", using=ADMIN)

    # Whether a campaign is closed, whoever asks: a definer function of the helper role,
    # which has no BYPASSRLS (0010) and reads the campaigns through a policy of its own.
    rls.helper_reads("reporting_campaigns")
    rls.definer_function(
        "app_campaign_closed(p_federation_id bigint, p_year integer) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM reporting_campaigns k"
        " WHERE k.federation_id = p_federation_id AND k.year = p_year)",
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION app_campaign_closed(bigint, integer) TO {reporting}")
    op.execute(CLOSED_GUARD)


def downgrade():
    reporting = ROLES.reporting
    op.execute("DROP TRIGGER reporting_declarations_campaign_open ON reporting_declarations")
    op.execute("DROP FUNCTION reporting_declarations_campaign_open()")
    op.execute("DROP FUNCTION app_campaign_closed(bigint, integer)")
    op.execute("DROP POLICY reporting_campaigns_rls_helper ON reporting_campaigns")
    op.execute(f"REVOKE SELECT ON reporting_campaigns FROM {ROLES.rls_helper}")
    op.execute("DROP POLICY reporting_aggregates_read ON reporting_aggregates")
    rls.policy(
        "reporting_aggregates",
        "reporting_aggregates_read",
        "SELECT",
        using=f"{ADMIN} OR federation_id = ANY(app_ids('app.network_ids'))",
    )
    op.execute("DROP POLICY memberships_reporting_read ON memberships")
    op.execute(f"REVOKE SELECT ON memberships FROM {reporting}")
    op.drop_table("reporting_published")
    op.drop_table("reporting_releases")
    op.execute(f"REVOKE SELECT ON reporting_campaigns FROM {ROLES.rls_helper}")
    op.drop_table("reporting_campaigns")

    op.execute(f"REVOKE INSERT ON reporting_dirty FROM {reporting}")
    op.execute(f"REVOKE USAGE, SELECT ON SEQUENCE reporting_dirty_id_seq FROM {reporting}")
    op.drop_constraint("ck_reporting_dirty_year_or_full", "reporting_dirty", type_="check")
    op.execute("DELETE FROM reporting_dirty WHERE year IS NULL")
    op.alter_column("reporting_dirty", "year", existing_type=sa.SmallInteger(), nullable=False)
    op.drop_column("reporting_dirty", "full_run")

    op.execute("DROP POLICY reporting_runs_read ON reporting_runs")
    rls.policy(
        "reporting_runs",
        "reporting_runs_read",
        "SELECT",
        using=f"{ADMIN} OR cardinality(app_ids('app.federation_ids')) > 0",
    )
    op.drop_constraint("ck_reporting_runs_ends_after", "reporting_runs", type_="check")
    op.drop_index("ix_reporting_runs_federation_id", table_name="reporting_runs")
    op.drop_constraint(
        "fk_reporting_runs_federation_id_federations", "reporting_runs", type_="foreignkey"
    )
    op.drop_column("reporting_runs", "detail")
    op.drop_column("reporting_runs", "federation_id")
