"""CalDAV: the calendars' change log (sync tokens, RFC 6578), the object names
clients chose, and app passwords, with RLS.

Revision ID: 0015_caldav_sync
Revises: 0009_reporting_full_run
Create Date: 2026-12-03

`agenda_changes` is written by triggers on `agenda_events` (kind "event": one
UID of one calendar changed) and `agenda_busy` (kind "busy": one occurrence
appeared or went), so every write path — pages, CalDAV, imports, the monthly
task — is logged without the operations knowing. Each row carries the id of
the transaction that wrote it (`txid`); a sync token is the oldest transaction
still running when it was issued (`pg_snapshot_xmin`), so a change committed
later by a transaction that started earlier is never skipped (it may be
reported twice, which RFC 6578 allows). The triggers run as the BYPASSRLS
helper role: the runtime role may only read the log, under the same rules as
the rows it describes (titles: the person and the event's centre; busy time:
every party of the agreement).
"""

import sqlalchemy as sa
from alembic import op

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0015_caldav_sync"
down_revision = "0013_documents_employer_identity"
branch_labels = None
depends_on = None

PARTY = "app_is_agreement_party(agreement_id) OR app_owns_agreement(agreement_id)"
OWN = "user_id = app_user_id()"
# The advisory lock of the no-double-booking trigger (migration 0005): taken
# first, so one person's log rows are numbered in the order their writers commit.
PERSON_LOCK = "pg_advisory_xact_lock(1634168420, hashint8({}.user_id))"


def _created_at(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _calendar_columns(table: str) -> list:
    return [
        sa.Column("calendar_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id", "user_id", "agreement_id"],
            ["agenda_calendars.id", "agenda_calendars.user_id", "agenda_calendars.agreement_id"],
            ondelete="CASCADE",
            name=f"fk_{table}_calendar_id_agenda_calendars",
        ),
    ]


def upgrade():
    op.create_table(
        "agenda_changes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "txid",
            sa.BigInteger(),
            server_default=sa.text("(pg_current_xact_id()::text)::bigint"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(5), nullable=False),
        sa.Column("calendar_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.String(255), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        _created_at("changed_at"),
        sa.CheckConstraint(
            "(kind = 'event' AND uid IS NOT NULL)"
            " OR (kind = 'busy' AND event_id IS NOT NULL AND starts_at IS NOT NULL)",
            name="ck_agenda_changes_kind",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_changes"),
    )
    op.create_index("ix_agenda_changes_calendar_txid", "agenda_changes", ["calendar_id", "txid"])
    op.create_index("ix_agenda_changes_centre_txid", "agenda_changes", ["centre_id", "txid"])

    op.create_table(
        "caldav_resources",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_calendar_columns("caldav_resources"),
        sa.Column("uid", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_caldav_resources"),
        sa.UniqueConstraint("calendar_id", "name", name="uq_caldav_resources_calendar_id_name"),
        sa.UniqueConstraint("calendar_id", "uid", name="uq_caldav_resources_calendar_id_uid"),
    )

    op.create_table(
        "caldav_app_passwords",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _created_at(),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_caldav_app_passwords_user_id_users",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_caldav_app_passwords"),
    )
    op.create_index("ix_caldav_app_passwords_user_id", "caldav_app_passwords", ["user_id"])

    _policies()
    _triggers()


def _policies():
    rls.enable("agenda_changes")
    rls.grant_runtime("agenda_changes", "SELECT")
    rls.policy(
        "agenda_changes",
        "agenda_changes_read",
        "SELECT",
        using=(
            f"(kind = 'event' AND ({OWN} OR centre_id = ANY(app_ids('app.centre_ids'))))"
            f" OR (kind = 'busy' AND ({OWN} OR {PARTY}))"
        ),
    )

    rls.enable("caldav_resources")
    rls.grant_runtime("caldav_resources", sequence="caldav_resources_id_seq")
    for command in ("SELECT", "DELETE"):
        rls.policy("caldav_resources", f"caldav_resources_{command.lower()}", command, using=OWN)
    rls.policy("caldav_resources", "caldav_resources_insert", "INSERT", check=OWN)
    rls.policy("caldav_resources", "caldav_resources_update", "UPDATE", using=OWN, check=OWN)
    # A resource keeps its calendar, its person and its event for life.
    rls.grant_update("caldav_resources", ("name",))

    # App passwords: only one's own, or those of the account a client signs in to.
    rls.enable("caldav_app_passwords")
    rls.grant_runtime(
        "caldav_app_passwords", "SELECT, INSERT, UPDATE", sequence="caldav_app_passwords_id_seq"
    )
    rls.policy(
        "caldav_app_passwords",
        "caldav_app_passwords_read",
        "SELECT",
        using=f"{OWN} OR user_id IN"
        " (SELECT u.id FROM users u WHERE lower(u.email) = app_login_email())",
    )
    rls.policy("caldav_app_passwords", "caldav_app_passwords_insert", "INSERT", check=OWN)
    rls.policy(
        "caldav_app_passwords", "caldav_app_passwords_update", "UPDATE", using=OWN, check=OWN
    )
    # Its owner and its hash never change: only its use and its revocation are written.
    rls.grant_update("caldav_app_passwords", ("last_used_at", "revoked_at"))


def _triggers():
    op.execute(f"GRANT INSERT ON agenda_changes TO {ROLES.rls_helper}")
    op.execute(f"GRANT USAGE ON SEQUENCE agenda_changes_id_seq TO {ROLES.rls_helper}")
    # The helper role has no BYPASSRLS (0010): the change log is written by its triggers
    # through a policy of its own, and read by no one through it.
    rls.policy(
        "agenda_changes", "agenda_changes_log", "INSERT", check="true", role=ROLES.rls_helper
    )
    op.execute(
        f"""
        CREATE FUNCTION agenda_log_event() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM {PERSON_LOCK.format("OLD")};
                INSERT INTO agenda_changes
                    (kind, calendar_id, user_id, agreement_id, centre_id, uid)
                VALUES ('event', OLD.calendar_id, OLD.user_id, OLD.agreement_id,
                        OLD.centre_id, OLD.uid);
            END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.centre_id <> OLD.centre_id
                                    OR NEW.uid <> OLD.uid OR NEW.calendar_id <> OLD.calendar_id))
            THEN
                PERFORM {PERSON_LOCK.format("NEW")};
                INSERT INTO agenda_changes
                    (kind, calendar_id, user_id, agreement_id, centre_id, uid)
                VALUES ('event', NEW.calendar_id, NEW.user_id, NEW.agreement_id,
                        NEW.centre_id, NEW.uid);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION agenda_log_busy() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM {PERSON_LOCK.format("OLD")};
                INSERT INTO agenda_changes
                    (kind, calendar_id, user_id, agreement_id, centre_id, event_id, starts_at)
                VALUES ('busy', OLD.calendar_id, OLD.user_id, OLD.agreement_id,
                        OLD.centre_id, OLD.event_id, lower(OLD.during));
            END IF;
            IF TG_OP <> 'DELETE' THEN
                PERFORM {PERSON_LOCK.format("NEW")};
                INSERT INTO agenda_changes
                    (kind, calendar_id, user_id, agreement_id, centre_id, event_id, starts_at)
                VALUES ('busy', NEW.calendar_id, NEW.user_id, NEW.agreement_id,
                        NEW.centre_id, NEW.event_id, lower(NEW.during));
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    for function in ("agenda_log_event", "agenda_log_busy"):
        op.execute(f"ALTER FUNCTION {function}() OWNER TO {ROLES.rls_helper}")
    op.execute(
        "CREATE TRIGGER agenda_events_log AFTER INSERT OR UPDATE OR DELETE ON agenda_events"
        " FOR EACH ROW EXECUTE FUNCTION agenda_log_event()"
    )
    op.execute(
        "CREATE TRIGGER agenda_busy_log AFTER INSERT OR UPDATE OR DELETE ON agenda_busy"
        " FOR EACH ROW EXECUTE FUNCTION agenda_log_busy()"
    )


def downgrade():
    op.execute("DROP TRIGGER agenda_busy_log ON agenda_busy")
    op.execute("DROP TRIGGER agenda_events_log ON agenda_events")
    op.execute("DROP FUNCTION agenda_log_busy()")
    op.execute("DROP FUNCTION agenda_log_event()")
    op.drop_table("caldav_app_passwords")
    op.drop_table("caldav_resources")
    op.drop_table("agenda_changes")
