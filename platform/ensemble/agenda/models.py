"""Shared calendars: a person's calendar under a sharing agreement, its events
(recurring or not), the busy intervals they occupy, the centres' requests and
the private subscription feeds.

A person calendar (`agenda_calendars`) belongs to the agreement of the shared
post (owner + parties, see ensemble.sharing): its parties may book the person.
An event is located at a centre (the place). Row-level security decides who
reads what:

- `agenda_events` (titles, participants): the person themselves, and the
  members of the centre where the event takes place — nobody else;
- `agenda_busy` (one row per occurrence: person, centre, instants, nothing
  else): every party of the agreement, which is how another centre sees
  « Occupé — autre structure » and how the no-double-booking rule is checked.

Series are stored as local wall time plus a time-zone name (Europe/Paris) and
expanded to instants into `agenda_busy` (see recurrence.py).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSTZRANGE, Range
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ensemble.audit.labels import object_label
from ensemble.db import Id, Model, created_at_column, enum_type, id_column, session_of, utcnow
from ensemble.network.models import Centre
from ensemble.people.models import User
from ensemble.sharing.models import Agreement
from ensemble.tenancy.context import TenantContext

# The longest event: leave, a residential trip. Windows that look back for
# occurrences overlapping an instant use MAX_EVENT_HOURS (the longest busy row,
# one clock change included); the clash check looks back one day on its main
# index and finds the rarer longer rows through a partial index.
MAX_EVENT_DAYS = 42
MAX_EVENT_HOURS = MAX_EVENT_DAYS * 24 + 1
LONG_BUSY = "upper(during) - lower(during) > interval '24 hours'"
Local = DateTime(timezone=False)


class Category(enum.StrEnum):
    WORKSHOP = "atelier"  # atelier numérique
    DROP_IN = "permanence"
    MEETING = "reunion"
    OUTREACH = "aller_vers"  # aller-vers (le vélo cargo numérique)
    OTHER = "autre"
    # What usually lasts whole days.
    ABSENCE = "absence"  # congé, absence
    TRAINING = "formation"
    CLOSURE = "fermeture"
    RESIDENTIAL = "sejour"  # séjour avec hébergement


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PROPOSED = "proposed"  # the person proposed another slot


class _CentreAudit:
    """Changes go to the log of the centre where the event takes place."""

    centre_id: Mapped[int]

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        return {"centre_id": self.centre_id, "employer_id": None}


class Calendar(Model):
    """A shared person's calendar, bookable by the parties of `agreement`."""

    __tablename__ = "agenda_calendars"
    __audited__ = True

    id: Mapped[int] = id_column()
    agreement_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = created_at_column()

    agreement: Mapped[Agreement] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("agreement_id", "user_id", name="uq_agenda_calendars_agreement_user"),
        UniqueConstraint("id", "user_id", "agreement_id", name="uq_agenda_calendars_copy"),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:
        """Changes to a calendar go to the log of its agreement's owner."""
        agreement = self.agreement or session_of(self).get_one(Agreement, self.agreement_id)
        return agreement.audit_tenant(ctx)

    @property
    def title(self) -> str:
        return f"{self.user.full_name} — {self.agreement.title}"


def _calendar_fk() -> ForeignKeyConstraint:
    """(calendar_id, user_id, agreement_id) copy the calendar's own values."""
    return ForeignKeyConstraint(
        ["calendar_id", "user_id", "agreement_id"],
        ["agenda_calendars.id", "agenda_calendars.user_id", "agenda_calendars.agreement_id"],
        ondelete="CASCADE",
    )


class Event(_CentreAudit, Model):
    """One event or a recurring series, in local wall time. A row with
    `series_id` replaces one occurrence of that series (`recurrence_id` is the
    occurrence's original local start), as RECURRENCE-ID does in iCalendar.
    An all-day event runs from local midnight `starts_local` to local midnight
    `ends_local` (exclusive, as DTEND;VALUE=DATE): its last day is the day before."""

    __tablename__ = "agenda_events"
    __audited__ = True

    id: Mapped[int] = id_column()
    calendar_id: Mapped[int] = mapped_column(Id, index=True)
    user_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id)
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    category: Mapped[Category] = mapped_column(enum_type(Category, "agenda_category"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    participants: Mapped[str] = mapped_column(Text, default="")
    # The place as the person wrote it from a calendar app, when it is not a
    # centre (« Mairie de Roubaix, salle 3 »): shown instead of the centre's address.
    place: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # iCalendar lines a client wrote that Ensemble does not model (URL, ATTENDEE,
    # X-…, alarms it cannot send), verbatim, written back in its CalDAV object.
    client_properties: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_local: Mapped[datetime] = mapped_column(Local)
    ends_local: Mapped[datetime] = mapped_column(Local)
    tzid: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    all_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rrule: Mapped[str | None] = mapped_column(String(500))
    exdates: Mapped[list[datetime]] = mapped_column(ARRAY(Local), default=list)
    series_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("agenda_events.id", ondelete="CASCADE"), index=True
    )
    recurrence_id: Mapped[datetime | None] = mapped_column(Local)
    uid: Mapped[str] = mapped_column(String(255))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Minutes before the start (ensemble.agenda.reminders); a changed occurrence
    # has its series' reminders.
    reminders: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), default=list, server_default=text("'{}'")
    )
    created_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    centre: Mapped[Centre] = relationship()
    calendar: Mapped[Calendar] = relationship(
        foreign_keys=[calendar_id], viewonly=True, primaryjoin="Event.calendar_id == Calendar.id"
    )

    @property
    def last_day(self) -> date:
        """The last local day an all-day event covers (its end is exclusive)."""
        return (self.ends_local - timedelta(days=1)).date()

    __table_args__ = (
        _calendar_fk(),
        CheckConstraint("ends_local > starts_local", name="period"),
        CheckConstraint(
            f"ends_local - starts_local <= interval '{MAX_EVENT_DAYS} days'", name="at_most_a_day"
        ),
        CheckConstraint(
            "NOT all_day OR (starts_local::time = '00:00' AND ends_local::time = '00:00')",
            name="whole_days",
        ),
        CheckConstraint("(series_id IS NULL) = (recurrence_id IS NULL)", name="override"),
        CheckConstraint("series_id IS NULL OR rrule IS NULL", name="override_not_recurring"),
        CheckConstraint(
            "cardinality(reminders) <= 5 AND 0 <= ALL(reminders) AND 40320 >= ALL(reminders)",
            name="reminders",
        ),
        Index("uq_agenda_events_occurrence", "series_id", "recurrence_id", unique=True),
        Index("ix_agenda_events_uid", "user_id", "uid"),
    )


class Busy(Model):
    """One occurrence of an event as instants: what every party may see, and
    what the no-double-booking trigger checks (under a per-person lock)."""

    __tablename__ = "agenda_busy"

    id: Mapped[int] = id_column()
    event_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agenda_events.id", ondelete="CASCADE"), index=True
    )
    calendar_id: Mapped[int] = mapped_column(Id)
    user_id: Mapped[int] = mapped_column(Id)
    agreement_id: Mapped[int] = mapped_column(Id)
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    during: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    # The occurrence's identity (its original local start, RECURRENCE-ID): what
    # links and operations name, even when its wall time was skipped or repeated.
    recurrence_local: Mapped[datetime] = mapped_column(Local)
    # An all-day row blocks its days; no travel time is counted around it.
    all_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Travel time (minutes) needed before and after it when the neighbour is
    # at another centre, as configured when it was booked.
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        _calendar_fk(),
        CheckConstraint(
            "NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)",
            name="bounded",
        ),
        CheckConstraint(
            f"upper(during) - lower(during) <= interval '{MAX_EVENT_DAYS} days 1 hour'",
            name="at_most_a_day",
        ),
        CheckConstraint("travel_minutes >= 0 AND travel_minutes <= 240", name="travel"),
        # The clash check and the views scan one person's window in this order.
        Index("ix_agenda_busy_user_start", "user_id", text("lower(during)")),
        Index("ix_agenda_busy_centre_start", "centre_id", text("lower(during)")),
        Index(
            "ix_agenda_busy_user_long",
            "user_id",
            text("lower(during)"),
            postgresql_where=text(LONG_BUSY),
        ),
    )


class Request(Model):
    """A centre director asking for the person at a date and place."""

    __tablename__ = "agenda_requests"
    __audited__ = True

    id: Mapped[int] = id_column()
    calendar_id: Mapped[int] = mapped_column(Id, index=True)
    user_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id)
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    requested_by_user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id"))
    category: Mapped[Category] = mapped_column(enum_type(Category, "agenda_category"))
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    starts_local: Mapped[datetime] = mapped_column(Local)
    ends_local: Mapped[datetime] = mapped_column(Local)
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus, "agenda_request_status"), default=RequestStatus.PENDING
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    proposed_starts_local: Mapped[datetime | None] = mapped_column(Local)
    proposed_ends_local: Mapped[datetime | None] = mapped_column(Local)
    event_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("agenda_events.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    centre: Mapped[Centre] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_user_id])
    calendar: Mapped[Calendar] = relationship(
        foreign_keys=[calendar_id], viewonly=True, primaryjoin="Request.calendar_id == Calendar.id"
    )

    __table_args__ = (
        _calendar_fk(),
        CheckConstraint("ends_local > starts_local", name="period"),
        CheckConstraint(
            "proposed_starts_local IS NULL OR proposed_ends_local > proposed_starts_local",
            name="proposal",
        ),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        return {"centre_id": self.centre_id, "employer_id": None}


class Feed(Model):
    """A private subscription URL: a person's own calendar (`user_id`) or a
    centre's (`centre_id`). The URL is derived from `nonce` and the secret key
    (never stored); a new nonce regenerates it, `revoked_at` revokes it."""

    __tablename__ = "agenda_feeds"
    __audited__ = True

    id: Mapped[int] = id_column()
    user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    centre_id: Mapped[int | None] = mapped_column(Id, ForeignKey("centres.id"))
    nonce: Mapped[str] = mapped_column(String(64))
    created_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (centre_id IS NULL)", name="one_scope"),
        Index(
            "uq_agenda_feeds_user",
            "user_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL AND user_id IS NOT NULL"),
        ),
        Index(
            "uq_agenda_feeds_centre",
            "centre_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL AND centre_id IS NOT NULL"),
        ),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        return {"centre_id": self.centre_id, "employer_id": None}


class Change(Model):
    """One change to a calendar, written by database triggers on `agenda_events`
    (kind "event": the rows of one UID changed) and `agenda_busy` (kind "busy":
    one occurrence appeared or went), whatever wrote them. A sync token
    (RFC 6578) is a transaction horizon in this log: see `ensemble.agenda.changes`."""

    __tablename__ = "agenda_changes"

    id: Mapped[int] = id_column()
    # The writing transaction (pg_current_xact_id()), compared with a token.
    txid: Mapped[int] = mapped_column(
        Id, server_default=text("(pg_current_xact_id()::text)::bigint")
    )
    kind: Mapped[str] = mapped_column(String(5))
    calendar_id: Mapped[int] = mapped_column(Id)
    user_id: Mapped[int] = mapped_column(Id)
    agreement_id: Mapped[int] = mapped_column(Id)
    centre_id: Mapped[int] = mapped_column(Id)
    uid: Mapped[str | None] = mapped_column(String(255))
    event_id: Mapped[int | None] = mapped_column(Id)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint(
            "(kind = 'event' AND uid IS NOT NULL)"
            " OR (kind = 'busy' AND event_id IS NOT NULL AND starts_at IS NOT NULL)",
            name="kind",
        ),
        Index("ix_agenda_changes_calendar_txid", "calendar_id", "txid"),
        Index("ix_agenda_changes_centre_txid", "centre_id", "txid"),
    )


for _table, _label in (
    ("agenda_calendars", _l("Agenda partagé")),
    ("agenda_events", _l("Événement d’agenda")),
    ("agenda_requests", _l("Demande de créneau")),
    ("agenda_feeds", _l("Abonnement à un agenda")),
):
    object_label(_table, _label)

# Working hours live beside the finder that reads them; their table is declared here,
# where the capability's models are discovered.
from ensemble.agenda.hours import WorkingDay  # noqa: E402, F401
