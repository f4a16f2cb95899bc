"""Security hardening: policies that say everything, no role that bypasses RLS,
sessions that outlive Redis.

Revision ID: 0010_security_hardening
Revises: 0009_reporting_full_run
Create Date: 2026-12-03

1. Columns that place a row never change. UPDATE was granted on whole tables,
   so a tenant could move a row its policies let it update: a party director
   could set `is_owner = true` on its own `agreement_parties` row (costing picks
   the carrier by that flag), or point the row at another agreement, or move a
   draft declaration to another federation. UPDATE is now granted column by
   column (UPDATABLE below): content, and the few references the owner side may
   point elsewhere; never a tenant, parent or owner column. A column added later
   is not writable until a migration says so.

2. Who may change what, where a policy cannot say it (a policy sees the new row
   only): a party only answers its invitation (invited → active, declined or
   left) or leaves (active → left), so a party that left cannot make itself
   active again;
   the owner side does the rest. A section changes hands by the lead only, or
   goes back to the lead from the party that held it (a partner leaving).

3. The helper role that owns the SECURITY DEFINER functions (`ensemble_rls`)
   loses BYPASSRLS (the bootstrap, run as the superuser, takes it away): the owner
   role is a member of it, to hand it those functions, and so could reach
   BYPASSRLS. It reads the five tables its functions need through policies of
   its own, SELECT only. (A downgrade to 0009 needs that attribute back:
   `ALTER ROLE ensemble_rls BYPASSRLS`, as the superuser.)

4. `account_sessions`: the signed-in sessions, in PostgreSQL (a hash of each id),
   so that a Redis restart signs no one out (ensemble.accounts.sessions).
"""

import sqlalchemy as sa
from alembic import op

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0010_security_hardening"
down_revision = "0009_reporting_full_run"
branch_labels = None
depends_on = None

# What the runtime role may UPDATE, table by table (every other column stays as inserted).
UPDATABLE: dict[str, tuple[str, ...]] = {
    "aap_answers": (
        "status",
        "submitted_at",
        "submitted_by_user_id",
        "submitted_centre_ids",
        "granted_amount",
        "outcome_on",
    ),
    "aap_budget_lines": (
        "account",
        "label",
        "funder",
        "amount",
        "version",
        "updated_by_user_id",
        "updated_at",
    ),
    "aap_call_leads": (),
    "aap_calls": ("funder", "title", "link", "theme", "deadline", "envelope", "eligibility"),
    "aap_comments": ("resolved_at", "resolved_by_user_id"),
    "aap_notes": ("body", "updated_at"),
    "aap_sections": (
        "position",
        "owner_party_id",
        "writer_user_id",
        "status",
        "current_version",
        "body",
        "updated_at",
    ),
    "agenda_busy": ("during", "travel_minutes"),
    "agenda_calendars": (),
    # centre_id: an occurrence moves to another centre; the policy's check names it.
    "agenda_events": (
        "centre_id",
        "category",
        "title",
        "description",
        "participants",
        "starts_local",
        "ends_local",
        "tzid",
        "rrule",
        "exdates",
        "sequence",
        "updated_at",
    ),
    "agenda_feeds": ("revoked_at",),
    "agenda_requests": (
        "category",
        "title",
        "message",
        "starts_local",
        "ends_local",
        "status",
        "reason",
        "proposed_starts_local",
        "proposed_ends_local",
        "event_id",
        "answered_at",
    ),
    "agreement_parties": ("status", "status_changed_at"),
    "agreements": ("title",),
    # The directory: platform admins only (its policies), placement included.
    "centres": ("slug", "name", "employer_id", "federation_id", "address", "postcode", "city"),
    "employers": ("slug", "name", "kind", "city"),
    "federations": ("slug", "name", "territory"),
    "memberships": ("role", "job_title"),
    "users": ("email", "full_name", "is_active_account", "locale"),
    "credentials": ("password_hash", "changed_at"),
    "hr_documents": (),
    "hr_due_items": ("reference", "due_on"),
    "hr_staff_centres": (),
    "hr_staff_members": (
        "last_name",
        "first_name",
        "email",
        "job_title",
        "category",
        "contract_type",
        "start_date",
        "end_date",
        "trial_renewed",
        "fte",
        "alisfa_job",
        "alisfa_weighting",
        "health_follow_up",
        "last_health_visit_on",
        "last_review_on",
        "last_career_review_on",
    ),
    # employer_ids: who shares the document; the policy's check bounds it.
    "hr_toolbox_documents": (
        "employer_ids",
        "title",
        "kind",
        "description",
        "filename",
        "content_type",
        "size",
        "content",
    ),
    "hr_training_records": ("title", "completed_on", "hours", "mandatory", "valid_until"),
    "notifications": ("read_at",),
    "post_allocations": ("unit", "share", "starts_on", "ends_on", "site_centre_id"),
    "post_costs": (
        "gross_salary",
        "employer_charges",
        "travel_expenses",
        "employment_aid",
        "entered_by_user_id",
    ),
    "post_documents": (),
    "post_time_entries": (),
    "reporting_declarations": ("status", "share_centre_figures", "submitted_at", "validated_at"),
    "reporting_values": ("value", "comment"),
    "shared_posts": (
        "arrangement",
        "holder_user_id",
        "weekly_hours",
        "starts_on",
        "ends_on",
        "tasks",
        "insurance",
        "drift_threshold_percent",
    ),
}

# Read by the helper role's SECURITY DEFINER functions.
HELPER_TABLES = ("agreements", "agreement_parties", "aap_answers", "agenda_feeds", "agenda_busy")

RUNTIME_ONLY = f"current_user = '{ROLES.runtime}' AND NOT app_is_admin()"
OWN_PARTY = (
    "p.centre_id = ANY(app_ids('app.director_centre_ids'))"
    " OR p.employer_id = ANY(app_ids('app.employer_ids'))"
)

GUARDS = f"""
CREATE FUNCTION agreement_parties_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The owner side manages every row; a party answers its invitation or leaves.
    IF {RUNTIME_ONLY}
       AND NEW.status IS DISTINCT FROM OLD.status
       AND NOT app_owns_agreement(OLD.agreement_id)
       AND NOT ((OLD.status = 'invited' AND NEW.status IN ('active', 'declined', 'left'))
                OR (OLD.status = 'active' AND NEW.status = 'left'))
    THEN
        RAISE EXCEPTION 'permission denied: a party answers its invitation or leaves;'
                        ' the owner side does the rest'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER agreement_parties_status_guard
BEFORE UPDATE OF status ON agreement_parties
FOR EACH ROW EXECUTE FUNCTION agreement_parties_status_guard();

CREATE FUNCTION aap_sections_owner_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The lead hands sections out; a party may only give its own back to the lead.
    IF {RUNTIME_ONLY}
       AND NEW.owner_party_id IS DISTINCT FROM OLD.owner_party_id
       AND NOT app_owns_agreement(OLD.agreement_id)
       AND NOT (EXISTS (SELECT 1 FROM agreement_parties p
                        WHERE p.id = NEW.owner_party_id AND p.agreement_id = OLD.agreement_id
                          AND p.is_owner)
                AND EXISTS (SELECT 1 FROM agreement_parties p
                            WHERE p.id = OLD.owner_party_id AND ({OWN_PARTY})))
    THEN
        RAISE EXCEPTION 'permission denied: sections change hands by the lead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER aap_sections_owner_guard
BEFORE UPDATE OF owner_party_id ON aap_sections
FOR EACH ROW EXECUTE FUNCTION aap_sections_owner_guard();
"""


def upgrade():
    for table in HELPER_TABLES:
        rls.helper_reads(table)
    for table, columns in UPDATABLE.items():
        rls.grant_update(table, columns)
    op.execute(GUARDS)
    _sessions()


def _sessions():
    op.create_table(
        "account_sessions",
        sa.Column("sid_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_account_sessions_user_id_users"
        ),
        sa.PrimaryKeyConstraint("sid_hash", name="pk_account_sessions"),
    )
    op.create_index("ix_account_sessions_user_id", "account_sessions", ["user_id"])
    op.create_index("ix_account_sessions_expires_at", "account_sessions", ["expires_at"])
    rls.enable("account_sessions")
    rls.grant_runtime("account_sessions", "SELECT, INSERT, DELETE")
    own = "user_id = app_user_id()"
    rls.policy("account_sessions", "account_sessions_read", "SELECT", using=own)
    rls.policy("account_sessions", "account_sessions_insert", "INSERT", check=own)
    rls.policy("account_sessions", "account_sessions_delete", "DELETE", using=own)


def downgrade():
    op.drop_table("account_sessions")
    op.execute("DROP TRIGGER aap_sections_owner_guard ON aap_sections")
    op.execute("DROP FUNCTION aap_sections_owner_guard()")
    op.execute("DROP TRIGGER agreement_parties_status_guard ON agreement_parties")
    op.execute("DROP FUNCTION agreement_parties_status_guard()")
    # Back to whole-table UPDATE, as 0001–0009 granted it.
    for table in UPDATABLE:
        op.execute(f"GRANT UPDATE ON {table} TO {ROLES.runtime}")
    for table in HELPER_TABLES:
        op.execute(f"DROP POLICY {table}_rls_helper ON {table}")
