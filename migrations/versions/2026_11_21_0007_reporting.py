"""Federation reporting: catalogue, declarations, threads, consolidation tables, with RLS.

Revision ID: 0007_reporting
Revises: 0006_aap
Create Date: 2026-11-21

Roles. Declarations are written by the runtime role under each person's
context. Consolidation reads across tenants as the read-only reporting role
(`ensemble_reporting`), and must write its results in the same statement
(INSERT … SELECT … GROUP BY … ON CONFLICT), or the rows would travel through
Python, which is what made consolidation slow. So the reporting role is granted
writes on exactly four tables that hold no person's data and no centre's raw
figures beyond the per-centre cooperation staging: the outbox of keys to
consolidate, the run log, the aggregates and that staging table. It still
cannot write any tenant table.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0007_reporting"
down_revision = "0006_aap"
branch_labels = None
depends_on = None

STATUS = postgresql.ENUM(
    "draft", "submitted", "returned", "validated", name="reporting_status", create_type=False
)
SIDE = postgresql.ENUM("centre", "federation", name="reporting_side", create_type=False)
RUN_STATUS = postgresql.ENUM(
    "running", "done", "failed", name="reporting_run_status", create_type=False
)
ENUMS = (STATUS, SIDE, RUN_STATUS)

ADMIN = "app_is_admin()"


def _any(setting: str, column: str) -> str:
    return f"{column} = ANY(app_ids('app.{setting}'))"


# The catalogue as the campaigns asked it: (code, sector, label, unit, breakdown,
# aggregation, counts_people, min, max, first_year, last_year). Sectors follow
# Alma's 2021 activity report; a yearly theme is valid for its campaign only.
CORE = 2012
CATALOGUE = [
    (
        "va.administrateurs",
        "vie_associative",
        "Membres du conseil d’administration",
        "count",
        "",
        "sum",
        True,
        0,
        200,
        CORE,
        None,
    ),
    (
        "va.bureaux",
        "vie_associative",
        "Réunions de bureau",
        "count",
        "",
        "sum",
        False,
        0,
        365,
        CORE,
        None,
    ),
    (
        "va.conseils",
        "vie_associative",
        "Conseils d’administration réunis",
        "count",
        "",
        "sum",
        False,
        0,
        365,
        CORE,
        None,
    ),
    (
        "va.benevoles",
        "vie_associative",
        "Bénévoles",
        "count",
        "sex",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "pe.enfants",
        "petite_enfance",
        "Enfants accueillis en halte-garderie",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "pe.familles",
        "petite_enfance",
        "Familles accueillies en halte-garderie",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "pe.participation_horaire",
        "petite_enfance",
        "Participation moyenne des familles (€ par heure)",
        "euros",
        "",
        "mean",
        False,
        0,
        10,
        CORE,
        None,
    ),
    (
        "en.enfants_scolarite",
        "enfance",
        "Enfants en accompagnement à la scolarité",
        "count",
        "sex",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "en.familles_scolarite",
        "enfance",
        "Familles de l’accompagnement à la scolarité",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "je.jeunes",
        "jeunesse",
        "Jeunes accompagnés (11-17 ans)",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "je.familles",
        "jeunesse",
        "Familles des jeunes accompagnés",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "je.colos",
        "jeunesse",
        "Enfants et jeunes partis en colo apprenante",
        "count",
        "sex",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "je.prevention",
        "jeunesse",
        "Jeunes en accompagnement individuel de prévention",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "asf.passages",
        "adultes_familles",
        "Passages aux permanences d’écrivains publics",
        "count",
        "",
        "sum",
        False,
        0,
        100000,
        CORE,
        None,
    ),
    (
        "asf.personnes",
        "adultes_familles",
        "Personnes reçues par les écrivains publics",
        "count",
        "sex",
        "sum",
        True,
        0,
        50000,
        CORE,
        None,
    ),
    (
        "asf.dossiers",
        "adultes_familles",
        "Dossiers administratifs traités",
        "count",
        "",
        "sum",
        False,
        0,
        100000,
        CORE,
        None,
    ),
    (
        "asf.ateliers_sante",
        "adultes_familles",
        "Ateliers santé collectifs",
        "count",
        "",
        "sum",
        False,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "isp.rsa",
        "insertion",
        "Allocataires du RSA accompagnés",
        "count",
        "",
        "sum",
        True,
        0,
        10000,
        CORE,
        None,
    ),
    (
        "isp.qualification",
        "insertion",
        "Part des personnes accompagnées de niveau CAP ou infra",
        "percent",
        "",
        "mean",
        False,
        0,
        100,
        CORE,
        None,
    ),
    (
        "isp.professionnels",
        "insertion",
        "Professionnels de l’insertion",
        "count",
        "",
        "sum",
        True,
        0,
        500,
        CORE,
        None,
    ),
    (
        "pa.familles",
        "parentalite",
        "Familles accompagnées (parentalité)",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "pa.adultes",
        "parentalite",
        "Adultes accompagnés (parentalité)",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "pa.enfants",
        "parentalite",
        "Enfants accompagnés (parentalité)",
        "count",
        "",
        "sum",
        True,
        0,
        5000,
        CORE,
        None,
    ),
    (
        "pa.jours_accueil",
        "parentalite",
        "Jours d’accueil du lieu parents-enfants",
        "count",
        "",
        "sum",
        False,
        0,
        366,
        CORE,
        None,
    ),
    (
        "rh.salaries",
        "ressources_humaines",
        "Salariés au 31 décembre",
        "count",
        "sex",
        "sum",
        True,
        0,
        1000,
        CORE,
        None,
    ),
    (
        "rh.etp",
        "ressources_humaines",
        "Équivalents temps plein (hors postes mutualisés)",
        "fte",
        "",
        "sum",
        False,
        0,
        1000,
        CORE,
        None,
    ),
    (
        "rh.heures_benevoles",
        "ressources_humaines",
        "Heures de bénévolat",
        "hours",
        "",
        "sum",
        False,
        0,
        1000000,
        CORE,
        None,
    ),
    (
        "fi.produits",
        "finances",
        "Total des produits",
        "euros",
        "",
        "sum",
        False,
        0,
        100000000,
        CORE,
        None,
    ),
    (
        "fi.charges",
        "finances",
        "Total des charges",
        "euros",
        "",
        "sum",
        False,
        0,
        100000000,
        CORE,
        None,
    ),
    (
        "fi.prestation_caf",
        "finances",
        "Prestations de service de la CAF",
        "euros",
        "",
        "sum",
        False,
        0,
        100000000,
        CORE,
        None,
    ),
    (
        "th.numerique",
        "adultes_familles",
        "Thème 2021 : habitants accompagnés face à la fracture numérique",
        "count",
        "",
        "sum",
        True,
        0,
        50000,
        2021,
        2021,
    ),
    (
        "th.climat",
        "adultes_familles",
        "Thème 2025 : actions de transition écologique",
        "count",
        "",
        "sum",
        False,
        0,
        5000,
        2025,
        2025,
    ),
]

INDICATOR_COLUMNS = (
    "code", "sector", "label", "unit", "breakdown", "aggregation", "counts_people",
    "min_value", "max_value", "first_year", "last_year",
)  # fmt: skip


def _tenant_columns(table: str) -> list:
    return [
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=f"fk_{table}_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"], ["federations.id"], name=f"fk_{table}_federation_id_federations"
        ),
    ]


def _declaration_fk(table: str) -> list:
    return [
        sa.Column("declaration_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["reporting_declarations.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_declaration_id_reporting_declarations",
        ),
    ]


def _federation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["federation_id"], ["federations.id"], name=f"fk_{table}_federation_id_federations"
    )


def upgrade():
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=False)

    indicators = op.create_table(
        "reporting_indicators",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("sector", sa.String(40), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(10), nullable=False),
        sa.Column("breakdown", sa.String(10), nullable=False),
        sa.Column("aggregation", sa.String(10), nullable=False),
        sa.Column("counts_people", sa.Boolean(), nullable=False),
        sa.Column("min_value", sa.Numeric(14, 2), nullable=True),
        sa.Column("max_value", sa.Numeric(14, 2), nullable=True),
        sa.Column("first_year", sa.SmallInteger(), nullable=False),
        sa.Column("last_year", sa.SmallInteger(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "unit IN ('count', 'hours', 'euros', 'percent', 'fte')",
            name="ck_reporting_indicators_unit",
        ),
        sa.CheckConstraint(
            "breakdown IN ('', 'sex', 'age')", name="ck_reporting_indicators_breakdown"
        ),
        sa.CheckConstraint(
            "aggregation IN ('sum', 'mean')", name="ck_reporting_indicators_aggregation"
        ),
        sa.CheckConstraint(
            "last_year IS NULL OR last_year >= first_year", name="ck_reporting_indicators_years"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_indicators"),
        sa.UniqueConstraint("code", "first_year", name="uq_reporting_indicators_code_first_year"),
    )
    op.bulk_insert(
        indicators,
        [
            {**dict(zip(INDICATOR_COLUMNS, row, strict=True)), "position": i}
            for i, row in enumerate(CATALOGUE)
        ],
    )

    op.create_table(
        "reporting_declarations",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_tenant_columns("reporting_declarations"),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("share_centre_figures", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_reporting_declarations_year"),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_declarations"),
        sa.UniqueConstraint("centre_id", "year", name="uq_reporting_declarations_centre_year"),
    )
    op.create_index(
        "ix_reporting_declarations_federation_year",
        "reporting_declarations",
        ["federation_id", "year"],
    )

    op.create_table(
        "reporting_values",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_declaration_fk("reporting_values"),
        *_tenant_columns("reporting_values"),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("indicator_code", sa.String(60), nullable=False),
        sa.Column("breakdown_key", sa.String(20), nullable=False),
        sa.Column("value", sa.Numeric(14, 2), nullable=False),
        sa.Column("comment", sa.String(1000), nullable=False),
        sa.CheckConstraint("value >= 0", name="ck_reporting_values_non_negative"),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_values"),
        sa.UniqueConstraint(
            "declaration_id", "indicator_code", "breakdown_key", name="uq_reporting_values_cell"
        ),
    )
    op.create_index("ix_reporting_values_declaration_id", "reporting_values", ["declaration_id"])
    op.create_index(
        "ix_reporting_values_federation_year", "reporting_values", ["federation_id", "year"]
    )

    op.create_table(
        "reporting_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_declaration_fk("reporting_messages"),
        *_tenant_columns("reporting_messages"),
        sa.Column("author_user_id", sa.BigInteger(), nullable=True),
        sa.Column("side", SIDE, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name="fk_reporting_messages_author_user_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_messages"),
    )
    op.create_index(
        "ix_reporting_messages_declaration_id", "reporting_messages", ["declaration_id"]
    )

    op.create_table(
        "reporting_dirty",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        _federation_fk("reporting_dirty"),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_dirty"),
    )

    op.create_table(
        "reporting_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", RUN_STATUS, nullable=False),
        sa.Column("keys", sa.Integer(), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("steps_total", sa.Integer(), nullable=False),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_runs"),
    )

    op.create_table(
        "reporting_aggregates",
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("indicator_code", sa.String(60), nullable=False),
        sa.Column("breakdown_key", sa.String(20), nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.Column("total", sa.Numeric(18, 2), nullable=False),
        sa.Column("centres", sa.Integer(), nullable=False),
        sa.Column("max_centre", sa.Numeric(18, 2), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        _federation_fk("reporting_aggregates"),
        sa.PrimaryKeyConstraint(
            "federation_id",
            "year",
            "indicator_code",
            "breakdown_key",
            "departement",
            "city",
            name="pk_reporting_aggregates",
        ),
    )

    op.create_table(
        "reporting_cooperation",
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(10), nullable=False),
        sa.Column("value", sa.Numeric(18, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_reporting_cooperation_centre_id_centres"
        ),
        _federation_fk("reporting_cooperation"),
        sa.PrimaryKeyConstraint("centre_id", "year", "code", name="pk_reporting_cooperation"),
    )

    _policies()


def _policies():
    reporting = ROLES.reporting

    # Catalogue: changed by migrations only.
    rls.enable("reporting_indicators")
    op.execute(f"GRANT SELECT ON reporting_indicators TO {ROLES.runtime}")
    # Reference data, read by anyone signed in (any context); nothing without a context.
    rls.policy(
        "reporting_indicators",
        "reporting_indicators_read",
        "SELECT",
        using="app_user_id() IS NOT NULL OR app_is_admin()"
        " OR cardinality(app_ids('app.centre_ids')) > 0"
        " OR cardinality(app_ids('app.federation_ids')) > 0",
    )
    rls.grant_reporting("reporting_indicators")

    centre = _any("centre_ids", "centre_id")
    director = _any("director_centre_ids", "centre_id")
    federation = _any("federation_ids", "federation_id")

    # Declarations: the centre's members read, its directors write while it is
    # theirs (draft or returned); the federation reads and reviews what was submitted.
    rls.enable("reporting_declarations")
    rls.grant_runtime(
        "reporting_declarations", "SELECT, INSERT, UPDATE", sequence="reporting_declarations_id_seq"
    )
    reviewable = f"({federation} AND status <> 'draft')"
    rls.policy(
        "reporting_declarations",
        "reporting_declarations_read",
        "SELECT",
        using=f"{ADMIN} OR {centre} OR {reviewable}",
    )
    rls.policy(
        "reporting_declarations",
        "reporting_declarations_insert",
        "INSERT",
        check=f"{director} AND status = 'draft'",
    )
    rls.policy(
        "reporting_declarations",
        "reporting_declarations_update",
        "UPDATE",
        using=f"({director} AND status IN ('draft', 'returned')) OR {reviewable}",
        check=f"({director} AND status IN ('draft', 'returned', 'submitted')) OR {reviewable}",
    )
    rls.grant_reporting("reporting_declarations")

    # Values: same readers; written by the centre's directors while the declaration is theirs.
    open_declaration = (
        "EXISTS (SELECT 1 FROM reporting_declarations d WHERE d.id = declaration_id"
        " AND d.status IN ('draft', 'returned'))"
    )
    submitted = (
        "EXISTS (SELECT 1 FROM reporting_declarations d WHERE d.id = declaration_id"
        " AND d.status <> 'draft')"
    )
    rls.enable("reporting_values")
    rls.grant_runtime("reporting_values", sequence="reporting_values_id_seq")
    rls.policy(
        "reporting_values",
        "reporting_values_read",
        "SELECT",
        using=f"{ADMIN} OR {centre} OR ({federation} AND {submitted})",
    )
    writer = f"{director} AND {open_declaration}"
    rls.policy("reporting_values", "reporting_values_insert", "INSERT", check=writer)
    rls.policy("reporting_values", "reporting_values_update", "UPDATE", using=writer, check=writer)
    rls.policy("reporting_values", "reporting_values_delete", "DELETE", using=writer)
    rls.grant_reporting("reporting_values")

    # Thread: the centre and its federation; each writes as itself.
    rls.enable("reporting_messages")
    rls.grant_runtime("reporting_messages", "SELECT, INSERT", sequence="reporting_messages_id_seq")
    rls.policy(
        "reporting_messages",
        "reporting_messages_read",
        "SELECT",
        using=f"{ADMIN} OR {centre} OR {federation}",
    )
    rls.policy(
        "reporting_messages",
        "reporting_messages_insert",
        "INSERT",
        check="author_user_id = app_user_id() AND ("
        f"(side = 'centre' AND {director}) OR (side = 'federation' AND {federation}))",
    )

    # Outbox: the federation that validates records the key; workers consume it.
    rls.enable("reporting_dirty")
    rls.grant_runtime("reporting_dirty", "SELECT, INSERT", sequence="reporting_dirty_id_seq")
    rls.policy(
        "reporting_dirty", "reporting_dirty_read", "SELECT", using=f"{ADMIN} OR {federation}"
    )
    rls.policy("reporting_dirty", "reporting_dirty_insert", "INSERT", check=federation)

    # Runs: the state of consolidation, shown to federation analysts and admins.
    rls.enable("reporting_runs")
    op.execute(f"GRANT SELECT ON reporting_runs TO {ROLES.runtime}")
    rls.policy(
        "reporting_runs",
        "reporting_runs_read",
        "SELECT",
        using=f"{ADMIN} OR cardinality(app_ids('app.federation_ids')) > 0",
    )

    # Aggregates: the network's members read their network's cells (published
    # through suppression); staging: nobody at runtime.
    rls.enable("reporting_aggregates")
    op.execute(f"GRANT SELECT ON reporting_aggregates TO {ROLES.runtime}")
    rls.policy(
        "reporting_aggregates",
        "reporting_aggregates_read",
        "SELECT",
        using=f"{ADMIN} OR {_any('network_ids', 'federation_id')}",
    )
    rls.enable("reporting_cooperation")
    # Per-centre staging: granted so that a query is answered, but no runtime policy
    # lets a row through (the federation reads the consolidated cells only).
    op.execute(f"GRANT SELECT ON reporting_cooperation TO {ROLES.runtime}")

    # The workers' writes, through the reporting role (see the module docstring).
    for table, privileges in (
        ("reporting_dirty", "SELECT, UPDATE, DELETE"),
        ("reporting_runs", "SELECT, INSERT, UPDATE"),
        ("reporting_aggregates", "SELECT, INSERT, UPDATE, DELETE"),
        ("reporting_cooperation", "SELECT, INSERT, UPDATE, DELETE"),
    ):
        op.execute(f"GRANT {privileges} ON {table} TO {reporting}")
        rls.policy(table, f"{table}_workers", "ALL", using="true", check="true", role=reporting)
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE reporting_runs_id_seq TO {reporting}")


def downgrade():
    for table in (
        "reporting_cooperation",
        "reporting_aggregates",
        "reporting_runs",
        "reporting_dirty",
        "reporting_messages",
        "reporting_values",
        "reporting_declarations",
        "reporting_indicators",
    ):
        op.drop_table(table)
    bind = op.get_bind()
    for enum in reversed(ENUMS):
        enum.drop(bind, checkfirst=False)
