"""Shared calendars in every season: all-day and multi-day events, busy rows
that name their occurrence, a clash check that stays on an index.

- `agenda_events.all_day`: an all-day event runs from local midnight to local
  midnight (its last day is the one before `ends_local`); events may last up
  to 42 days (leave, residential trips), no longer 24 hours at most.
- `agenda_busy.recurrence_local`: the occurrence's identity (RECURRENCE-ID,
  its original local start), so that the spring-gap and repeated-hour
  occurrences are moved and cancelled by what they are, not by an instant;
  `agenda_busy.all_day`: an all-day row needs no travel time around it.
- The no-double-booking trigger keeps its window of a day on
  ix_agenda_busy_user_start and looks for the rare longer rows through a
  partial index of their own, so it stays an index scan of bounded width.
- New categories for what lasts all day: absence, formation, fermeture, séjour.

Revision ID: 0017_agenda_time
Revises: 0014_disclosure_releases
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0017_agenda_time"
down_revision = "0014_disclosure_releases"
branch_labels = None
depends_on = None

MAX_DAYS = 42
MAX_TRAVEL_MINUTES = 240
NEW_CATEGORIES = ("absence", "formation", "fermeture", "sejour")
EVENT_COLUMNS = (
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
)
LONG = "upper(b.during) - lower(b.during) > interval '24 hours'"


def _clash_function(long_rows: bool) -> str:
    near = """
            SELECT b.id INTO clash FROM agenda_busy b
            WHERE b.user_id = NEW.user_id AND b.id <> NEW.id
              AND lower(b.during) > lower(NEW.during) - interval '{back}'
                  - interval '{travel} minutes'
              AND lower(b.during) < upper(NEW.during) + interval '{travel} minutes'
              {extra}
              AND (b.during && NEW.during
                   OR (b.centre_id <> NEW.centre_id {all_day}
                       AND tstzrange(
                           lower(b.during)
                               - make_interval(mins => greatest(b.travel_minutes,
                                                                NEW.travel_minutes)),
                           upper(b.during)
                               + make_interval(mins => greatest(b.travel_minutes,
                                                                NEW.travel_minutes)))
                           && NEW.during))
            ORDER BY lower(b.during)
            LIMIT 1;"""
    all_day = "AND NOT b.all_day AND NOT NEW.all_day" if long_rows else ""
    short = near.format(back="24 hours", travel=MAX_TRAVEL_MINUTES, extra="", all_day=all_day)
    body = short
    if long_rows:
        # Rows longer than a day may start up to MAX_DAYS earlier: the partial
        # index ix_agenda_busy_user_long holds only them (its predicate is repeated).
        body += (
            "\n            IF clash IS NULL THEN"
            + near.format(
                back=f"{MAX_DAYS} days 1 hour",
                travel=MAX_TRAVEL_MINUTES,
                extra=f"AND {LONG}",
                all_day=all_day,
            )
            + "\n            END IF;"
        )
    return f"""
        CREATE OR REPLACE FUNCTION agenda_refuse_clash() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            clash bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock(1634168420, hashint8(NEW.user_id));
            {body}
            IF clash IS NOT NULL THEN
                RAISE EXCEPTION 'agenda: double booking (busy %)', clash
                    USING ERRCODE = 'exclusion_violation', DETAIL = clash::text;
            END IF;
            RETURN NEW;
        END
        $$
        """


def _as_owner(statement: str) -> None:
    """Run a data statement over every row: past row-level security, without the
    clash and change-log triggers (the rows' meaning does not change)."""
    for table in ("agenda_busy", "agenda_events"):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    op.execute(statement)
    for table in ("agenda_busy", "agenda_events"):
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def upgrade() -> None:
    for value in NEW_CATEGORIES:
        op.execute(f"ALTER TYPE agenda_category ADD VALUE IF NOT EXISTS '{value}'")
    op.add_column(
        "agenda_events",
        sa.Column("all_day", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.drop_constraint("ck_agenda_events_at_most_a_day", "agenda_events", type_="check")
    op.create_check_constraint(
        "ck_agenda_events_at_most_a_day",
        "agenda_events",
        f"ends_local - starts_local <= interval '{MAX_DAYS} days'",
    )
    op.create_check_constraint(
        "ck_agenda_events_whole_days",
        "agenda_events",
        "NOT all_day OR (starts_local::time = '00:00' AND ends_local::time = '00:00')",
    )
    # recurrence_id: a changed occurrence follows its series when the series moves.
    rls.grant_update("agenda_events", (*EVENT_COLUMNS, "all_day", "recurrence_id"))

    op.add_column("agenda_busy", sa.Column("recurrence_local", sa.DateTime(timezone=False)))
    op.add_column(
        "agenda_busy",
        sa.Column("all_day", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # Existing rows name their occurrence by their local start (or their
    # override's RECURRENCE-ID).
    _as_owner(
        "UPDATE agenda_busy b SET recurrence_local ="
        " coalesce(e.recurrence_id, lower(b.during) AT TIME ZONE e.tzid)"
        " FROM agenda_events e WHERE e.id = b.event_id"
    )
    op.alter_column("agenda_busy", "recurrence_local", nullable=False)
    op.drop_constraint("ck_agenda_busy_at_most_a_day", "agenda_busy", type_="check")
    op.create_check_constraint(
        "ck_agenda_busy_at_most_a_day",
        "agenda_busy",
        f"upper(during) - lower(during) <= interval '{MAX_DAYS} days 1 hour'",
    )
    op.create_index(
        "ix_agenda_busy_user_long",
        "agenda_busy",
        ["user_id", sa.text("lower(during)")],
        postgresql_where=sa.text("upper(during) - lower(during) > interval '24 hours'"),
    )
    op.execute(_clash_function(long_rows=True))
    op.execute(f"ALTER FUNCTION agenda_refuse_clash() OWNER TO {ROLES.rls_helper}")


def downgrade() -> None:
    op.execute(_clash_function(long_rows=False))
    op.execute(f"ALTER FUNCTION agenda_refuse_clash() OWNER TO {ROLES.rls_helper}")
    op.drop_index("ix_agenda_busy_user_long", table_name="agenda_busy")
    op.drop_constraint("ck_agenda_busy_at_most_a_day", "agenda_busy", type_="check")
    _as_owner("DELETE FROM agenda_busy WHERE upper(during) - lower(during) > interval '24 hours'")
    op.create_check_constraint(
        "ck_agenda_busy_at_most_a_day",
        "agenda_busy",
        "upper(during) - lower(during) <= interval '24 hours'",
    )
    op.drop_column("agenda_busy", "all_day")
    op.drop_column("agenda_busy", "recurrence_local")
    rls.grant_update("agenda_events", EVENT_COLUMNS)
    op.drop_constraint("ck_agenda_events_whole_days", "agenda_events", type_="check")
    op.drop_constraint("ck_agenda_events_at_most_a_day", "agenda_events", type_="check")
    _as_owner("DELETE FROM agenda_events WHERE ends_local - starts_local > interval '24 hours'")
    op.create_check_constraint(
        "ck_agenda_events_at_most_a_day",
        "agenda_events",
        "ends_local - starts_local <= interval '24 hours'",
    )
    op.drop_column("agenda_events", "all_day")
