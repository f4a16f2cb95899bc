"""Actions, their sessions with the attendance recorded, registered participants.

Every row carries `centre_id`: an action, its sessions and its participants are
the centre's alone. Row-level security lets the members of the centre read and
record; its directors create and change actions; partners of a joint answer and
the federation read none of it (they see published aggregates only).

Attendance sits on the session row itself (one row per session, counts by the
catalogue's breakdowns, volunteers and their hours), so that recording a
session is one UPDATE plus, when participants are ticked, one INSERT of the
presences: a bounded number of statements whatever the group's size.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ensemble.audit.labels import object_label
from ensemble.db import Id, Model, created_at_column, id_column
from ensemble.network.models import Centre

# The breakdowns of the indicator catalogue, as columns of a session's attendance.
SEX_COLUMNS = ("women", "men")
AGE_COLUMNS = ("age_0_17", "age_18_25", "age_26_59", "age_60_plus")
# Catalogue breakdown key -> column.
BREAKDOWN_COLUMNS = {
    "femmes": "women",
    "hommes": "men",
    "0-17": "age_0_17",
    "18-25": "age_18_25",
    "26-59": "age_26_59",
    "60+": "age_60_plus",
}
MAX_PARTICIPANTS = 10_000  # at one session
MAX_VOLUNTEER_HOURS = Decimal("2000")  # all volunteers of one session together


class Action(Model):
    """An action (activité) of a centre, in one sector of the indicator catalogue."""

    __tablename__ = "activity_actions"
    __audited__ = True

    id: Mapped[int] = id_column()
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40))
    public: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    # The granted joint answer that funds it, and the shared post whose holder runs it.
    funding_agreement_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agreements.id"))
    post_agreement_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agreements.id"))
    # Which line of the catalogue each of its figures pre-fills (None: none).
    participations_indicator: Mapped[str | None] = mapped_column(String(60))
    people_indicator: Mapped[str | None] = mapped_column(String(60))
    days_indicator: Mapped[str | None] = mapped_column(String(60))
    hours_indicator: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = created_at_column()

    centre: Mapped[Centre] = relationship()

    __table_args__ = (
        UniqueConstraint("id", "centre_id", name="uq_activity_actions_id_centre"),
        UniqueConstraint("centre_id", "name", name="uq_activity_actions_centre_name"),
    )


class ActionSession(Model):
    """One session of an action, as instants, with its attendance once recorded.

    `calendar_event_id` names the calendar's series it comes from (no foreign key:
    the calendar is another capability, reached through ensemble.sharing.activity)."""

    __tablename__ = "activity_sessions"
    __audited__ = True

    id: Mapped[int] = id_column()
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    action_id: Mapped[int] = mapped_column(Id)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    calendar_event_id: Mapped[int | None] = mapped_column(Id)
    runner_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    # Attendance: null until recorded.
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    participants: Mapped[int | None] = mapped_column(Integer)
    women: Mapped[int | None] = mapped_column(Integer)
    men: Mapped[int | None] = mapped_column(Integer)
    age_0_17: Mapped[int | None] = mapped_column(Integer)
    age_18_25: Mapped[int | None] = mapped_column(Integer)
    age_26_59: Mapped[int | None] = mapped_column(Integer)
    age_60_plus: Mapped[int | None] = mapped_column(Integer)
    volunteers: Mapped[int | None] = mapped_column(Integer)
    volunteer_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))

    action: Mapped[Action] = relationship(
        foreign_keys=[action_id], viewonly=True, primaryjoin="ActionSession.action_id == Action.id"
    )

    __table_args__ = (
        ForeignKeyConstraint(
            ["action_id", "centre_id"],
            ["activity_actions.id", "activity_actions.centre_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("id", "centre_id", name="uq_activity_sessions_id_centre"),
        UniqueConstraint("action_id", "starts_at", name="uq_activity_sessions_action_start"),
        CheckConstraint("ends_at > starts_at", name="period"),
        CheckConstraint(
            "(recorded_at IS NULL) = (participants IS NULL)", name="recorded_with_a_count"
        ),
        CheckConstraint(
            f"participants IS NULL OR participants BETWEEN 0 AND {MAX_PARTICIPANTS}",
            name="participants",
        ),
        CheckConstraint(
            "coalesce(women, 0) + coalesce(men, 0) <= coalesce(participants, 0)", name="sexes"
        ),
        CheckConstraint(
            "coalesce(age_0_17, 0) + coalesce(age_18_25, 0) + coalesce(age_26_59, 0)"
            " + coalesce(age_60_plus, 0) <= coalesce(participants, 0)",
            name="ages",
        ),
        CheckConstraint(
            "least(women, men, age_0_17, age_18_25, age_26_59, age_60_plus, volunteers) >= 0",
            name="non_negative",
        ),
        CheckConstraint(
            f"volunteer_hours IS NULL OR volunteer_hours BETWEEN 0 AND {MAX_VOLUNTEER_HOURS}",
            name="volunteer_hours",
        ),
        Index("ix_activity_sessions_centre_start", "centre_id", "starts_at"),
    )


class Participant(Model):
    """A registered participant: the minimum the counts need (personal data).

    A name to tick them, a year of birth or an age band, a sex when the
    catalogue breaks the action's figures down by sex, and their consent.
    Anonymised (name emptied, `anonymised_at` set) when their retention ends."""

    __tablename__ = "activity_participants"
    __audited__ = True

    id: Mapped[int] = id_column()
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    age_band: Mapped[str] = mapped_column(String(10), default="")
    sex: Mapped[str] = mapped_column(String(10), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("id", "centre_id", name="uq_activity_participants_id_centre"),
        CheckConstraint("age_band IN ('', '0-17', '18-25', '26-59', '60+')", name="age_band"),
        CheckConstraint("sex IN ('', 'femmes', 'hommes')", name="sex"),
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth"),
        CheckConstraint("anonymised_at IS NULL OR display_name = ''", name="anonymised"),
    )


class Registration(Model):
    """A participant on an action's list."""

    __tablename__ = "activity_registrations"
    __audited__ = True

    id: Mapped[int] = id_column()
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    action_id: Mapped[int] = mapped_column(Id)
    participant_id: Mapped[int] = mapped_column(Id)
    created_at: Mapped[datetime] = created_at_column()

    participant: Mapped[Participant] = relationship(
        foreign_keys=[participant_id],
        viewonly=True,
        primaryjoin="Registration.participant_id == Participant.id",
    )

    __table_args__ = (
        ForeignKeyConstraint(
            ["action_id", "centre_id"],
            ["activity_actions.id", "activity_actions.centre_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["participant_id", "centre_id"],
            ["activity_participants.id", "activity_participants.centre_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("action_id", "participant_id", name="uq_activity_registrations_pair"),
        Index("ix_activity_registrations_participant", "participant_id"),
    )


class Presence(Model):
    """A registered participant ticked present at a session: how different
    people are told from participations."""

    __tablename__ = "activity_presences"
    __audited__ = True

    id: Mapped[int] = id_column()
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    session_id: Mapped[int] = mapped_column(Id)
    participant_id: Mapped[int] = mapped_column(Id)

    __table_args__ = (
        ForeignKeyConstraint(
            ["session_id", "centre_id"],
            ["activity_sessions.id", "activity_sessions.centre_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["participant_id", "centre_id"],
            ["activity_participants.id", "activity_participants.centre_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("session_id", "participant_id", name="uq_activity_presences_pair"),
        Index("ix_activity_presences_participant", "participant_id"),
    )


class PrefilledFigure(Model):
    """A figure of a centre's yearly declaration as computed by the workers from
    the sessions and attendance of the year (see ensemble.activity.prefill)."""

    __tablename__ = "activity_prefill"

    id: Mapped[int] = id_column()
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    indicator_code: Mapped[str] = mapped_column(String(60))
    breakdown_key: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    sessions: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint(
            "centre_id", "year", "indicator_code", "breakdown_key", name="uq_activity_prefill_cell"
        ),
    )


class Correction(Model):
    """The director's correction of a pre-filled figure, with its reason."""

    __tablename__ = "activity_corrections"
    __audited__ = True

    id: Mapped[int] = id_column()
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    indicator_code: Mapped[str] = mapped_column(String(60))
    breakdown_key: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(String(1000))
    created_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint(
            "centre_id",
            "year",
            "indicator_code",
            "breakdown_key",
            name="uq_activity_corrections_cell",
        ),
        CheckConstraint("value >= 0", name="non_negative"),
        CheckConstraint("reason <> ''", name="reason"),
    )


for _table, _label in (
    ("activity_actions", _l("Action")),
    ("activity_sessions", _l("Séance d’une action")),
    ("activity_participants", _l("Participant inscrit")),
    ("activity_registrations", _l("Inscription à une action")),
    ("activity_presences", _l("Présence à une séance")),
    ("activity_corrections", _l("Correction d’un chiffre pré-rempli")),
):
    object_label(_table, _label)
