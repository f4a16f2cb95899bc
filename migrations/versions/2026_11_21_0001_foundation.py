"""Foundation: network directory, accounts, audit log, shared agreements, with RLS.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

EMPLOYER_KIND = postgresql.ENUM("association", "city", name="employer_kind", create_type=False)
MEMBERSHIP_ROLE = postgresql.ENUM(
    "director",
    "staff",
    "hr_manager",
    "analyst",
    "admin",
    name="membership_role",
    create_type=False,
)
AUDIT_ACTION = postgresql.ENUM(
    "create",
    "update",
    "delete",
    "read",
    "sign_in",
    "sign_out",
    "password_reset_requested",
    "password_changed",
    name="audit_action",
    create_type=False,
)
AGREEMENT_KIND = postgresql.ENUM(
    "shared_post", "joint_answer", name="agreement_kind", create_type=False
)
PARTY_STATUS = postgresql.ENUM(
    "invited", "active", "declined", "left", name="party_status", create_type=False
)
ENUMS = (EMPLOYER_KIND, MEMBERSHIP_ROLE, AUDIT_ACTION, AGREEMENT_KIND, PARTY_STATUS)

ADMIN = "app_is_admin()"


def _any(setting: str, column: str) -> str:
    return f"{column} = ANY(app_ids('app.{setting}'))"


def upgrade():
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=False)
    op.execute(rls.CONTEXT_FUNCTIONS)

    # --- Network directory -------------------------------------------------
    op.create_table(
        "federations",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("territory", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_federations"),
        sa.UniqueConstraint("slug", name="uq_federations_slug"),
    )
    op.create_table(
        "employers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", EMPLOYER_KIND, nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_employers"),
        sa.UniqueConstraint("slug", name="uq_employers_slug"),
    )
    op.create_table(
        "centres",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("federation_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("postcode", sa.String(10), nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name="fk_centres_employer_id_employers"
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"], ["federations.id"], name="fk_centres_federation_id_federations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_centres"),
        sa.UniqueConstraint("slug", name="uq_centres_slug"),
    )
    op.create_index("ix_centres_employer_id", "centres", ["employer_id"])
    op.create_index("ix_centres_federation_id", "centres", ["federation_id"])

    # --- Accounts ------------------------------------------------------------
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("is_active_account", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.create_table(
        "credentials",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_credentials_user_id_users"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_credentials"),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", MEMBERSHIP_ROLE, nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=True),
        sa.Column("employer_id", sa.BigInteger(), nullable=True),
        sa.Column("federation_id", sa.BigInteger(), nullable=True),
        sa.Column("job_title", sa.String(200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "(role IN ('director', 'staff') AND centre_id IS NOT NULL"
            " AND employer_id IS NULL AND federation_id IS NULL)"
            " OR (role = 'hr_manager' AND employer_id IS NOT NULL"
            " AND centre_id IS NULL AND federation_id IS NULL)"
            " OR (role = 'analyst' AND federation_id IS NOT NULL"
            " AND centre_id IS NULL AND employer_id IS NULL)"
            " OR (role = 'admin' AND centre_id IS NULL"
            " AND employer_id IS NULL AND federation_id IS NULL)",
            name="ck_memberships_one_scope_per_role",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_memberships_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_memberships_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name="fk_memberships_employer_id_employers"
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"], ["federations.id"], name="fk_memberships_federation_id_federations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_memberships"),
    )
    for column in ("user_id", "centre_id", "employer_id", "federation_id"):
        op.create_index(f"ix_memberships_{column}", "memberships", [column])
    op.create_index(
        "uq_memberships_scope",
        "memberships",
        [
            "user_id",
            "role",
            sa.text("coalesce(centre_id, 0)"),
            sa.text("coalesce(employer_id, 0)"),
            sa.text("coalesce(federation_id, 0)"),
        ],
        unique=True,
    )

    # --- Audit log -----------------------------------------------------------
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("action", AUDIT_ACTION, nullable=False),
        sa.Column("object_type", sa.String(80), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=True),
        sa.Column("centre_id", sa.BigInteger(), nullable=True),
        sa.Column("employer_id", sa.BigInteger(), nullable=True),
        sa.Column("federation_id", sa.BigInteger(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ip_address", sa.String(45), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_audit_entries_user_id_users"),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_audit_entries_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name="fk_audit_entries_employer_id_employers"
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"], ["federations.id"], name="fk_audit_entries_federation_id_federations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_centre_time", "audit_entries", ["centre_id", "occurred_at"])
    op.create_index(
        "ix_audit_entries_employer_time", "audit_entries", ["employer_id", "occurred_at"]
    )
    op.create_index(
        "ix_audit_entries_federation_time", "audit_entries", ["federation_id", "occurred_at"]
    )

    # --- Shared agreements (owner + parties) -----------------------------------
    op.create_table(
        "agreements",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("kind", AGREEMENT_KIND, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("owner_centre_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_employer_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "(owner_centre_id IS NULL) <> (owner_employer_id IS NULL)",
            name="ck_agreements_one_owner",
        ),
        sa.ForeignKeyConstraint(
            ["owner_centre_id"], ["centres.id"], name="fk_agreements_owner_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["owner_employer_id"],
            ["employers.id"],
            name="fk_agreements_owner_employer_id_employers",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agreements"),
    )
    op.create_index("ix_agreements_owner_centre_id", "agreements", ["owner_centre_id"])
    op.create_index("ix_agreements_owner_employer_id", "agreements", ["owner_employer_id"])
    op.create_table(
        "agreement_parties",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=True),
        sa.Column("employer_id", sa.BigInteger(), nullable=True),
        sa.Column("is_owner", sa.Boolean(), nullable=False),
        sa.Column("status", PARTY_STATUS, nullable=False),
        sa.Column(
            "status_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(centre_id IS NULL) <> (employer_id IS NULL)", name="ck_agreement_parties_one_party"
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            ondelete="CASCADE",
            name="fk_agreement_parties_agreement_id_agreements",
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_agreement_parties_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name="fk_agreement_parties_employer_id_employers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_parties"),
    )
    for column in ("agreement_id", "centre_id", "employer_id"):
        op.create_index(f"ix_agreement_parties_{column}", "agreement_parties", [column])
    op.create_index(
        "uq_agreement_parties_party",
        "agreement_parties",
        ["agreement_id", sa.text("coalesce(centre_id, 0)"), sa.text("coalesce(employer_id, 0)")],
        unique=True,
    )

    _policies()


def _policies():
    # Grants to the helper role, then its functions (see rls.definer_function).
    op.execute(f"GRANT SELECT ON agreements, agreement_parties TO {ROLES.rls_helper}")
    rls.definer_function(
        "app_is_agreement_party(p_agreement_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM agreement_parties p"
        " WHERE p.agreement_id = p_agreement_id AND p.status IN ('invited', 'active')"
        " AND (p.centre_id = ANY(app_ids('app.centre_ids'))"
        " OR p.employer_id = ANY(app_ids('app.employer_ids'))))",
    )
    rls.definer_function(
        "app_owns_agreement(p_agreement_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM agreements a WHERE a.id = p_agreement_id"
        " AND (a.owner_centre_id = ANY(app_ids('app.director_centre_ids'))"
        " OR a.owner_employer_id = ANY(app_ids('app.employer_ids'))))",
    )

    # Directory: visible within the person's network, written by platform admins only.
    for table, using in (
        ("federations", f"{ADMIN} OR {_any('network_ids', 'id')}"),
        (
            "centres",
            f"{ADMIN} OR {_any('network_ids', 'federation_id')}"
            f" OR {_any('centre_ids', 'id')} OR {_any('employer_ids', 'employer_id')}",
        ),
        (
            "employers",
            f"{ADMIN} OR {_any('employer_ids', 'id')}"
            " OR EXISTS (SELECT 1 FROM centres c WHERE c.employer_id = employers.id)",
        ),
    ):
        rls.enable(table)
        rls.grant_runtime(table, sequence=f"{table}_id_seq")
        rls.policy(table, f"{table}_read", "SELECT", using=using)
        rls.policy(table, f"{table}_admin_insert", "INSERT", check=ADMIN)
        rls.policy(table, f"{table}_admin_update", "UPDATE", using=ADMIN, check=ADMIN)
        rls.policy(table, f"{table}_admin_delete", "DELETE", using=ADMIN)
        rls.grant_reporting(table)

    # Memberships: one's own, those of one's tenants; written by admins.
    rls.enable("memberships")
    rls.grant_runtime("memberships", sequence="memberships_id_seq")
    rls.policy(
        "memberships",
        "memberships_read",
        "SELECT",
        using=f"user_id = app_user_id() OR {ADMIN} OR {_any('centre_ids', 'centre_id')}"
        f" OR {_any('employer_ids', 'employer_id')}"
        f" OR {_any('federation_ids', 'federation_id')}",
    )
    rls.policy("memberships", "memberships_admin_insert", "INSERT", check=ADMIN)
    rls.policy("memberships", "memberships_admin_update", "UPDATE", using=ADMIN, check=ADMIN)
    rls.policy("memberships", "memberships_admin_delete", "DELETE", using=ADMIN)

    # Users: oneself, the people one shares a tenant with, and the one account
    # being looked up at sign-in.
    rls.enable("users")
    rls.grant_runtime("users", sequence="users_id_seq")
    rls.policy(
        "users",
        "users_read",
        "SELECT",
        using=f"id = app_user_id() OR {ADMIN} OR lower(email) = app_login_email()"
        " OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)",
    )
    rls.policy("users", "users_admin_insert", "INSERT", check=ADMIN)
    rls.policy(
        "users",
        "users_update",
        "UPDATE",
        using=f"id = app_user_id() OR {ADMIN}",
        check=f"id = app_user_id() OR {ADMIN}",
    )
    rls.policy("users", "users_admin_delete", "DELETE", using=ADMIN)

    # Credentials: only one's own, or the account being signed in to.
    rls.enable("credentials")
    rls.grant_runtime("credentials")
    rls.policy(
        "credentials",
        "credentials_read",
        "SELECT",
        using="user_id = app_user_id() OR user_id IN"
        " (SELECT u.id FROM users u WHERE lower(u.email) = app_login_email())",
    )
    rls.policy(
        "credentials", "credentials_insert", "INSERT", check=f"user_id = app_user_id() OR {ADMIN}"
    )
    rls.policy(
        "credentials",
        "credentials_update",
        "UPDATE",
        using="user_id = app_user_id()",
        check="user_id = app_user_id()",
    )
    rls.policy("credentials", "credentials_admin_delete", "DELETE", using=ADMIN)

    # Audit log: append-only; read by admins, the tenant's directors, and oneself.
    rls.enable("audit_entries")
    rls.grant_runtime("audit_entries", "SELECT, INSERT", sequence="audit_entries_id_seq")
    rls.policy(
        "audit_entries",
        "audit_entries_read",
        "SELECT",
        using=f"{ADMIN} OR user_id = app_user_id()"
        f" OR {_any('director_centre_ids', 'centre_id')}"
        f" OR {_any('director_employer_ids', 'employer_id')}"
        f" OR {_any('federation_ids', 'federation_id')}",
    )
    rls.policy(
        "audit_entries",
        "audit_entries_insert",
        "INSERT",
        check="user_id IS NOT DISTINCT FROM app_user_id()"
        f" AND (centre_id IS NULL OR {ADMIN} OR {_any('centre_ids', 'centre_id')})"
        f" AND (employer_id IS NULL OR {ADMIN} OR {_any('employer_ids', 'employer_id')}"
        " OR employer_id IN (SELECT c.employer_id FROM centres c"
        "  WHERE c.id = ANY(app_ids('app.centre_ids'))))"
        f" AND (federation_id IS NULL OR {ADMIN}"
        f" OR {_any('network_ids', 'federation_id')})",
    )

    # Agreements: the owner side and the parties see them; the owner side manages.
    owner_side = (
        f"{_any('director_centre_ids', 'owner_centre_id')}"
        f" OR {_any('employer_ids', 'owner_employer_id')}"
    )
    rls.enable("agreements")
    rls.grant_runtime("agreements", sequence="agreements_id_seq")
    rls.policy(
        "agreements",
        "agreements_read",
        "SELECT",
        using=f"{_any('centre_ids', 'owner_centre_id')}"
        f" OR {_any('employer_ids', 'owner_employer_id')}"
        " OR app_is_agreement_party(id)",
    )
    rls.policy("agreements", "agreements_insert", "INSERT", check=owner_side)
    rls.policy("agreements", "agreements_update", "UPDATE", using=owner_side, check=owner_side)
    rls.policy("agreements", "agreements_delete", "DELETE", using=owner_side)

    own_party_row = (
        f"{_any('director_centre_ids', 'centre_id')} OR {_any('employer_ids', 'employer_id')}"
    )
    rls.enable("agreement_parties")
    rls.grant_runtime("agreement_parties", sequence="agreement_parties_id_seq")
    rls.policy(
        "agreement_parties",
        "agreement_parties_read",
        "SELECT",
        using="app_is_agreement_party(agreement_id) OR app_owns_agreement(agreement_id)",
    )
    rls.policy(
        "agreement_parties",
        "agreement_parties_insert",
        "INSERT",
        check="app_owns_agreement(agreement_id)",
    )
    # A party answers its own invitation or leaves; the owner side manages all rows.
    rls.policy(
        "agreement_parties",
        "agreement_parties_update",
        "UPDATE",
        using=f"app_owns_agreement(agreement_id) OR {own_party_row}",
        check=f"app_owns_agreement(agreement_id) OR {own_party_row}",
    )
    rls.policy(
        "agreement_parties",
        "agreement_parties_delete",
        "DELETE",
        using="app_owns_agreement(agreement_id)",
    )


def downgrade():
    # Policies that read another table go first, or that table cannot be dropped.
    for policy_name, table in (
        ("users_read", "users"),
        ("credentials_read", "credentials"),
        ("employers_read", "employers"),
        ("audit_entries_insert", "audit_entries"),
    ):
        op.execute(f"DROP POLICY {policy_name} ON {table}")
    for table in (
        "agreement_parties",
        "agreements",
        "audit_entries",
        "memberships",
        "credentials",
        "users",
        "centres",
        "employers",
        "federations",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION app_owns_agreement(bigint)")
    op.execute("DROP FUNCTION app_is_agreement_party(bigint)")
    op.execute(rls.DROP_CONTEXT_FUNCTIONS)
    bind = op.get_bind()
    for enum in reversed(ENUMS):
        enum.drop(bind, checkfirst=False)
