"""Shared calendars: person calendars, events, busy intervals (no double
booking, enforced by a trigger under a per-person lock), requests and feeds, with RLS.

Revision ID: 0005_agenda
Revises: 0003_posts
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0005_agenda"
down_revision = "0003_posts"
branch_labels = None
depends_on = None

CATEGORY = postgresql.ENUM(
    "atelier",
    "permanence",
    "reunion",
    "aller_vers",
    "autre",
    name="agenda_category",
    create_type=False,
)
REQUEST_STATUS = postgresql.ENUM(
    "pending",
    "accepted",
    "declined",
    "proposed",
    name="agenda_request_status",
    create_type=False,
)
MAX_HOURS = 24
MAX_TRAVEL_MINUTES = 240

PARTY = "app_is_agreement_party(agreement_id) OR app_owns_agreement(agreement_id)"
# Who may book or move the person: the person, or a director of the centre
# where the event takes place, that centre's side being a party of the agreement.
BOOKER = (
    "(user_id = app_user_id() OR centre_id = ANY(app_ids('app.director_centre_ids')))"
    f" AND ({PARTY})"
)


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def _calendar(table: str) -> list:
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


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], ondelete=ondelete, name=f"fk_{table}_{column}_{target}"
    )


def upgrade():
    bind = op.get_bind()
    CATEGORY.create(bind, checkfirst=False)
    REQUEST_STATUS.create(bind, checkfirst=False)

    op.create_table(
        "agenda_calendars",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        _created_at(),
        _fk("agenda_calendars", "agreement_id", "agreements", "CASCADE"),
        _fk("agenda_calendars", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_calendars"),
        sa.UniqueConstraint("agreement_id", "user_id", name="uq_agenda_calendars_agreement_user"),
        sa.UniqueConstraint("id", "user_id", "agreement_id", name="uq_agenda_calendars_copy"),
    )
    op.create_index("ix_agenda_calendars_agreement_id", "agenda_calendars", ["agreement_id"])
    op.create_index("ix_agenda_calendars_user_id", "agenda_calendars", ["user_id"])

    op.create_table(
        "agenda_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_calendar("agenda_events"),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("category", CATEGORY, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("starts_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("ends_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("tzid", sa.String(64), nullable=False),
        sa.Column("rrule", sa.String(500), nullable=True),
        sa.Column("exdates", postgresql.ARRAY(sa.DateTime(timezone=False)), nullable=False),
        sa.Column("series_id", sa.BigInteger(), nullable=True),
        sa.Column("recurrence_id", sa.DateTime(timezone=False), nullable=True),
        sa.Column("uid", sa.String(255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=True),
        _created_at(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("agenda_events", "centre_id", "centres"),
        _fk("agenda_events", "created_by_user_id", "users"),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["agenda_events.id"],
            ondelete="CASCADE",
            name="fk_agenda_events_series_id_agenda_events",
        ),
        sa.CheckConstraint("ends_local > starts_local", name="ck_agenda_events_period"),
        sa.CheckConstraint(
            f"ends_local - starts_local <= interval '{MAX_HOURS} hours'",
            name="ck_agenda_events_at_most_a_day",
        ),
        sa.CheckConstraint(
            "(series_id IS NULL) = (recurrence_id IS NULL)", name="ck_agenda_events_override"
        ),
        sa.CheckConstraint(
            "series_id IS NULL OR rrule IS NULL", name="ck_agenda_events_override_not_recurring"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_events"),
    )
    for column in ("calendar_id", "user_id", "centre_id", "series_id"):
        op.create_index(f"ix_agenda_events_{column}", "agenda_events", [column])
    op.create_index(
        "uq_agenda_events_occurrence", "agenda_events", ["series_id", "recurrence_id"], unique=True
    )
    op.create_index("ix_agenda_events_uid", "agenda_events", ["user_id", "uid"])

    op.create_table(
        "agenda_busy",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        *_calendar("agenda_busy"),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("during", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("travel_minutes", sa.Integer(), nullable=False),
        _fk("agenda_busy", "event_id", "agenda_events", "CASCADE"),
        _fk("agenda_busy", "centre_id", "centres"),
        sa.CheckConstraint(
            "NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)",
            name="ck_agenda_busy_bounded",
        ),
        sa.CheckConstraint(
            f"upper(during) - lower(during) <= interval '{MAX_HOURS} hours'",
            name="ck_agenda_busy_at_most_a_day",
        ),
        sa.CheckConstraint(
            f"travel_minutes >= 0 AND travel_minutes <= {MAX_TRAVEL_MINUTES}",
            name="ck_agenda_busy_travel",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_busy"),
    )
    op.create_index("ix_agenda_busy_event_id", "agenda_busy", ["event_id"])
    op.create_index(
        "ix_agenda_busy_user_start", "agenda_busy", ["user_id", sa.text("lower(during)")]
    )
    op.create_index(
        "ix_agenda_busy_centre_start", "agenda_busy", ["centre_id", sa.text("lower(during)")]
    )

    op.create_table(
        "agenda_requests",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        *_calendar("agenda_requests"),
        sa.Column("centre_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("category", CATEGORY, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("starts_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("ends_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("status", REQUEST_STATUS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_starts_local", sa.DateTime(timezone=False), nullable=True),
        sa.Column("proposed_ends_local", sa.DateTime(timezone=False), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        _created_at(),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        _fk("agenda_requests", "centre_id", "centres"),
        _fk("agenda_requests", "requested_by_user_id", "users"),
        _fk("agenda_requests", "event_id", "agenda_events", "SET NULL"),
        sa.CheckConstraint("ends_local > starts_local", name="ck_agenda_requests_period"),
        sa.CheckConstraint(
            "proposed_starts_local IS NULL OR proposed_ends_local > proposed_starts_local",
            name="ck_agenda_requests_proposal",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_requests"),
    )
    for column in ("calendar_id", "user_id", "centre_id"):
        op.create_index(f"ix_agenda_requests_{column}", "agenda_requests", [column])

    op.create_table(
        "agenda_feeds",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("centre_id", sa.BigInteger(), nullable=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=True),
        _created_at(),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _fk("agenda_feeds", "user_id", "users"),
        _fk("agenda_feeds", "centre_id", "centres"),
        _fk("agenda_feeds", "created_by_user_id", "users"),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (centre_id IS NULL)", name="ck_agenda_feeds_one_scope"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_feeds"),
    )
    op.create_index(
        "uq_agenda_feeds_user",
        "agenda_feeds",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL AND user_id IS NOT NULL"),
    )
    op.create_index(
        "uq_agenda_feeds_centre",
        "agenda_feeds",
        ["centre_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL AND centre_id IS NOT NULL"),
    )

    _policies()
    _no_double_booking()


def _policies():
    for table in (
        "agenda_calendars",
        "agenda_events",
        "agenda_busy",
        "agenda_requests",
        "agenda_feeds",
    ):
        rls.enable(table)
        rls.grant_runtime(table, sequence=f"{table}_id_seq")

    calendar_read = f"user_id = app_user_id() OR {PARTY}"
    calendar_write = (
        "app_owns_agreement(agreement_id) OR (user_id = app_user_id()"
        " AND app_is_agreement_party(agreement_id))"
    )
    rls.policy("agenda_calendars", "agenda_calendars_read", "SELECT", using=calendar_read)
    rls.policy("agenda_calendars", "agenda_calendars_insert", "INSERT", check=calendar_write)
    rls.policy(
        "agenda_calendars",
        "agenda_calendars_update",
        "UPDATE",
        using=calendar_write,
        check=calendar_write,
    )
    rls.policy("agenda_calendars", "agenda_calendars_delete", "DELETE", using=calendar_write)

    # Titles and participants: the person, and the members of the centre where it happens.
    event_read = "user_id = app_user_id() OR centre_id = ANY(app_ids('app.centre_ids'))"
    rls.policy("agenda_events", "agenda_events_read", "SELECT", using=event_read)
    # Busy intervals carry no title: every party of the agreement sees them.
    rls.policy("agenda_busy", "agenda_busy_read", "SELECT", using=calendar_read)
    for table in ("agenda_events", "agenda_busy"):
        rls.policy(table, f"{table}_insert", "INSERT", check=BOOKER)
        rls.policy(table, f"{table}_update", "UPDATE", using=BOOKER, check=BOOKER)
        rls.policy(table, f"{table}_delete", "DELETE", using=BOOKER)

    directors = "centre_id = ANY(app_ids('app.director_centre_ids'))"
    rls.policy("agenda_requests", "agenda_requests_read", "SELECT", using=event_read)
    rls.policy(
        "agenda_requests",
        "agenda_requests_insert",
        "INSERT",
        check=f"{directors} AND app_is_agreement_party(agreement_id)",
    )
    answer = f"user_id = app_user_id() OR {directors}"
    rls.policy("agenda_requests", "agenda_requests_update", "UPDATE", using=answer, check=answer)
    rls.policy("agenda_requests", "agenda_requests_delete", "DELETE", using=directors)

    feed_owner = f"user_id = app_user_id() OR {directors}"
    rls.policy("agenda_feeds", "agenda_feeds_read", "SELECT", using=feed_owner)
    rls.policy("agenda_feeds", "agenda_feeds_insert", "INSERT", check=feed_owner)
    rls.policy("agenda_feeds", "agenda_feeds_update", "UPDATE", using=feed_owner, check=feed_owner)
    rls.policy("agenda_feeds", "agenda_feeds_delete", "DELETE", using=feed_owner)

    # A subscription URL is opened without a session: this definer function
    # answers for one feed id only, and only while it is not revoked.
    op.execute(f"GRANT SELECT ON agenda_feeds TO {ROLES.rls_helper}")
    rls.definer_function(
        "agenda_feed(p_id bigint) RETURNS TABLE (nonce text, user_id bigint, centre_id bigint)",
        "SELECT f.nonce::text, f.user_id, f.centre_id FROM agenda_feeds f"
        " WHERE f.id = p_id AND f.revoked_at IS NULL",
    )


def _no_double_booking():
    """Refuse a busy interval overlapping another of the same person, or closer
    than the travel time to one at another centre. Under a per-person
    transaction lock, so two simultaneous bookings are serialised and the second
    sees the first; run as the BYPASSRLS helper, so a centre cannot book over
    time it may not read. The window on lower(during) keeps it on the index."""
    op.execute(f"GRANT SELECT ON agenda_busy TO {ROLES.rls_helper}")
    op.execute(
        f"""
        CREATE FUNCTION agenda_refuse_clash() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            clash bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock(1634168420, hashint8(NEW.user_id));
            SELECT b.id INTO clash FROM agenda_busy b
            WHERE b.user_id = NEW.user_id AND b.id <> NEW.id
              AND lower(b.during) > lower(NEW.during)
                  - interval '{MAX_HOURS} hours' - interval '{MAX_TRAVEL_MINUTES} minutes'
              AND lower(b.during) < upper(NEW.during) + interval '{MAX_TRAVEL_MINUTES} minutes'
              AND (b.during && NEW.during
                   OR (b.centre_id <> NEW.centre_id
                       AND tstzrange(
                           lower(b.during)
                               - make_interval(mins => greatest(b.travel_minutes,
                                                                NEW.travel_minutes)),
                           upper(b.during)
                               + make_interval(mins => greatest(b.travel_minutes,
                                                                NEW.travel_minutes)))
                           && NEW.during))
            ORDER BY lower(b.during)
            LIMIT 1;
            IF clash IS NOT NULL THEN
                RAISE EXCEPTION 'agenda: double booking (busy %)', clash
                    USING ERRCODE = 'exclusion_violation', DETAIL = clash::text;
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(f"ALTER FUNCTION agenda_refuse_clash() OWNER TO {ROLES.rls_helper}")
    op.execute(
        "CREATE TRIGGER agenda_busy_no_clash BEFORE INSERT OR UPDATE ON agenda_busy"
        " FOR EACH ROW EXECUTE FUNCTION agenda_refuse_clash()"
    )


def downgrade():
    op.execute("DROP TRIGGER agenda_busy_no_clash ON agenda_busy")
    op.execute("DROP FUNCTION agenda_refuse_clash()")
    op.execute("DROP FUNCTION agenda_feed(bigint)")
    for table in (
        "agenda_feeds",
        "agenda_requests",
        "agenda_busy",
        "agenda_events",
        "agenda_calendars",
    ):
        op.drop_table(table)
    bind = op.get_bind()
    REQUEST_STATUS.drop(bind, checkfirst=False)
    CATEGORY.drop(bind, checkfirst=False)
