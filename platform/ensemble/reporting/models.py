"""Federation reporting tables.

Tenant data (declarations, their values and their question threads) carries
both `centre_id` and `federation_id`, so that policies read a column instead of
joining: the centre sees its own, the federation sees what was submitted to it.

The consolidation side (`reporting_dirty`, `reporting_runs`,
`reporting_aggregates`, `reporting_cooperation`) is written by the workers
through the reporting role, which reads across tenants; see the migration for
why that role may write these four tables and no other.

Publication (`reporting_campaigns`, `reporting_releases`, `reporting_published`,
migration 0014): a campaign is published once its federation closes it; each
release is what every reader may see of it, after statistical disclosure
control; pages and exports read releases only, never the raw aggregates.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ensemble.db import Id, Model, created_at_column, enum_type, id_column
from ensemble.tenancy.context import TenantContext

Figure = Numeric(14, 2)
Total = Numeric(18, 2)


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VALIDATED = "validated"


class Side(enum.StrEnum):
    CENTRE = "centre"
    FEDERATION = "federation"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Indicator(Model):
    """One line of the catalogue, valid from `first_year` to `last_year` (inclusive,
    open-ended when null): a yearly theme is a row valid for one campaign only,
    so adding it never changes what past campaigns asked."""

    __tablename__ = "reporting_indicators"
    __table_args__ = (
        UniqueConstraint("code", "first_year", name="uq_reporting_indicators_code_first_year"),
        CheckConstraint(
            "unit IN ('count', 'hours', 'euros', 'percent', 'fte')",
            name="unit",
        ),
        CheckConstraint("breakdown IN ('', 'sex', 'age')", name="breakdown"),
        CheckConstraint("aggregation IN ('sum', 'mean')", name="aggregation"),
        CheckConstraint("last_year IS NULL OR last_year >= first_year", name="years"),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(60))
    sector: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(10))
    breakdown: Mapped[str] = mapped_column(String(10), default="")
    aggregation: Mapped[str] = mapped_column(String(10), default="sum")
    counts_people: Mapped[bool] = mapped_column(Boolean, default=False)
    min_value: Mapped[Decimal | None] = mapped_column(Figure, nullable=True)
    max_value: Mapped[Decimal | None] = mapped_column(Figure, nullable=True)
    first_year: Mapped[int] = mapped_column(SmallInteger)
    last_year: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Declaration(Model):
    """A centre's yearly declaration."""

    __tablename__ = "reporting_declarations"
    __table_args__ = (
        UniqueConstraint("centre_id", "year", name="uq_reporting_declarations_centre_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        Index("ix_reporting_declarations_federation_year", "federation_id", "year"),
    )

    id: Mapped[int] = id_column()
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[Status] = mapped_column(
        enum_type(Status, "reporting_status"), default=Status.DRAFT
    )
    # The centre agrees that the federation may show its own figures by name.
    share_centre_figures: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = created_at_column()

    centre = relationship("Centre")
    values: Mapped[list[DeclaredValue]] = relationship(
        back_populates="declaration", order_by="DeclaredValue.id", cascade="all, delete-orphan"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="declaration", order_by="Message.id", cascade="all, delete-orphan"
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:
        """The centre's log when the centre acts, the federation's when it reviews."""
        if self.centre_id in ctx.centre_ids:
            return {"centre_id": self.centre_id, "employer_id": None, "federation_id": None}
        return {"centre_id": None, "employer_id": None, "federation_id": self.federation_id}


class DeclaredValue(Model):
    """One figure: an indicator's total (breakdown_key '') or one of its breakdown cells."""

    __tablename__ = "reporting_values"
    __table_args__ = (
        UniqueConstraint(
            "declaration_id",
            "indicator_code",
            "breakdown_key",
            name="uq_reporting_values_cell",
        ),
        CheckConstraint("value >= 0", name="non_negative"),
        Index("ix_reporting_values_federation_year", "federation_id", "year"),
    )

    id: Mapped[int] = id_column()
    declaration_id: Mapped[int] = mapped_column(
        Id, ForeignKey("reporting_declarations.id", ondelete="CASCADE"), index=True
    )
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    indicator_code: Mapped[str] = mapped_column(String(60))
    breakdown_key: Mapped[str] = mapped_column(String(20), default="")
    value: Mapped[Decimal] = mapped_column(Figure)
    comment: Mapped[str] = mapped_column(String(1000), default="")

    declaration: Mapped[Declaration] = relationship(back_populates="values")

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:
        if self.centre_id in ctx.centre_ids:
            return {"centre_id": self.centre_id, "employer_id": None, "federation_id": None}
        return {"centre_id": None, "employer_id": None, "federation_id": self.federation_id}


class Message(Model):
    """The thread of a declaration: the federation's questions, the centre's answers."""

    __tablename__ = "reporting_messages"

    id: Mapped[int] = id_column()
    declaration_id: Mapped[int] = mapped_column(
        Id, ForeignKey("reporting_declarations.id", ondelete="CASCADE"), index=True
    )
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"))
    author_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"), nullable=True)
    side: Mapped[Side] = mapped_column(enum_type(Side, "reporting_side"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    declaration: Mapped[Declaration] = relationship(back_populates="messages")
    author = relationship("User")

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:
        if self.centre_id in ctx.centre_ids:
            return {"centre_id": self.centre_id, "employer_id": None, "federation_id": None}
        return {"centre_id": None, "employer_id": None, "federation_id": self.federation_id}


class DirtyKey(Model):
    """The outbox of consolidation: (federation, year) pairs to recompute, written in
    the same transaction as the validation (or a federation's request for a full
    run, `full`, with no year). PostgreSQL, not Redis, is the record of pending
    work: a lost message is re-enqueued by the sweeper."""

    __tablename__ = "reporting_dirty"
    __table_args__ = (CheckConstraint("full_run OR year IS NOT NULL", name="year_or_full"),)

    id: Mapped[int] = id_column()
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"))
    year: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    full_run: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()


class RunKind(enum.StrEnum):
    INCREMENTAL = "incremental"  # after validations
    FULL = "full"  # asked for by the federation
    NIGHTLY = "nightly"  # every night, the whole platform


class Run(Model):
    """One consolidation run of one federation: what its consolidation page shows.
    `error` is the French reason shown to the federation; `detail` the technical
    one, for the platform's administrators."""

    __tablename__ = "reporting_runs"
    __table_args__ = (
        CheckConstraint("finished_at IS NULL OR finished_at >= started_at", name="ends_after"),
        Index("ix_reporting_runs_federation_id", "federation_id", "id"),
    )

    id: Mapped[int] = id_column()
    # Null only for runs recorded before runs belonged to a federation.
    federation_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("federations.id"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # "incremental" or "full"
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus, "reporting_run_status"))
    keys: Mapped[int] = mapped_column(Integer, default=0)
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


AGGREGATE_KEY = ("federation_id", "year", "indicator_code", "breakdown_key", "departement", "city")


class Aggregate(Model):
    """One consolidated cell. `departement` and `city` hold '*' at the levels above
    them: ('*', '*') is the federation, ('59', '*') a département, ('59', 'Roubaix')
    a city. Unsuppressed: suppression is applied when cells are published."""

    __tablename__ = "reporting_aggregates"
    # No unique key in the database: one row per key holds by construction (one
    # consolidation at a time, each writing whole GROUP BY results of a
    # federation and year), and a six-column key cost half the aggregation to
    # maintain (migration 0009). Readers look cells up by federation and year.
    __table_args__ = (Index("ix_reporting_aggregates_federation_id_year", "federation_id", "year"),)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        """The cell's key, for the ORM's identity map."""
        columns = cls.__table__.c
        return {"primary_key": [columns[name] for name in AGGREGATE_KEY]}

    # No foreign key: derived cells, rebuilt from the declarations (which hold the
    # keys); a per-row referential check would cost a lookup for each of a million rows.
    federation_id: Mapped[int] = mapped_column(Id)
    year: Mapped[int] = mapped_column(SmallInteger)
    # Byte-order collation: these are keys, never sorted for display, and the
    # consolidation groups and compares them by the million.
    indicator_code: Mapped[str] = mapped_column(String(60, collation="C"))
    breakdown_key: Mapped[str] = mapped_column(String(20, collation="C"))
    departement: Mapped[str] = mapped_column(String(3, collation="C"))
    city: Mapped[str] = mapped_column(String(120, collation="C"))
    total: Mapped[Decimal] = mapped_column(Total)
    centres: Mapped[int] = mapped_column(Integer)
    max_centre: Mapped[Decimal] = mapped_column(Total)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CooperationFigure(Model):
    """Per-centre cooperation figures read from the cooperation providers
    (shared posts…), staged so that they consolidate in the same SQL."""

    __tablename__ = "reporting_cooperation"
    __table_args__ = (
        PrimaryKeyConstraint("centre_id", "year", "code", name="pk_reporting_cooperation"),
    )

    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal] = mapped_column(Total)


class Campaign(Model):
    """A federation's campaign of one year, once closed: its figures are published
    then, and its validated declarations stay as they are (no validation after).
    The workers record here the last publication they had to refuse, so that the
    same inputs are not tried again every minute."""

    __tablename__ = "reporting_campaigns"
    __table_args__ = (
        UniqueConstraint("federation_id", "year", name="uq_reporting_campaigns_federation_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = id_column()
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    closed_at: Mapped[datetime] = created_at_column()
    closed_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"), nullable=True)
    refused_fingerprint: Mapped[str] = mapped_column(Text, default="")
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    refused_reason: Mapped[str] = mapped_column(Text, default="")


class Release(Model):
    """One publication of a closed campaign: what every reader may see of it. A
    later release (a centre agreed to be named, the rules changed) is audited
    together with every earlier one: what was published stays known."""

    __tablename__ = "reporting_releases"
    __table_args__ = (
        UniqueConstraint(
            "federation_id", "year", "number", name="uq_reporting_releases_federation_year_number"
        ),
    )

    id: Mapped[int] = id_column()
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = created_at_column()
    run_id: Mapped[int | None] = mapped_column(Id, ForeignKey("reporting_runs.id"), nullable=True)
    centres: Mapped[int] = mapped_column(Integer)
    named_centre_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
    fingerprint: Mapped[str] = mapped_column(Text)
    secret_cells: Mapped[int] = mapped_column(Integer, default=0)
    audited_cells: Mapped[int] = mapped_column(Integer, default=0)
    certified_cells: Mapped[int] = mapped_column(Integer, default=0)
    linear_programs: Mapped[int] = mapped_column(Integer, default=0)
    readers: Mapped[int] = mapped_column(Integer, default=0)


class PublishedCell(Model):
    """One cell of a release: its value, or secret (value null, `secret`). A cell
    nobody declared has no row (« non déclaré »). The network total may carry the
    year-on-year change over the centres that declared both years."""

    __tablename__ = "reporting_published"
    # One row per cell holds by construction (a release writes each cell once, in
    # one statement); a five-column key over half a million rows would cost more
    # than deciding them. Readers look cells up by release.
    __table_args__ = (
        Index("ix_reporting_published_release_id", "release_id"),
        CheckConstraint("secret = (value IS NULL)", name="secret_has_no_value"),
        CheckConstraint("reason BETWEEN 0 AND 7", name="reason"),
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        """The cell's key, for the ORM's identity map."""
        c = cls.__table__.c
        return {
            "primary_key": [c.release_id, c.indicator_code, c.breakdown_key, c.departement, c.city]
        }

    # No foreign key: a release is never deleted, and a referential check per cell
    # would cost a lookup for each of half a million rows (as for the aggregates).
    release_id: Mapped[int] = mapped_column(Id)
    federation_id: Mapped[int] = mapped_column(Id)
    year: Mapped[int] = mapped_column(SmallInteger)
    indicator_code: Mapped[str] = mapped_column(String(60, collation="C"))
    breakdown_key: Mapped[str] = mapped_column(String(20, collation="C"))
    departement: Mapped[str] = mapped_column(String(3, collation="C"))
    city: Mapped[str] = mapped_column(String(120, collation="C"))
    value: Mapped[Decimal | None] = mapped_column(Total, nullable=True)
    centres: Mapped[int] = mapped_column(Integer)
    secret: Mapped[bool] = mapped_column(Boolean)
    change: Mapped[Decimal | None] = mapped_column(Numeric(9, 1), nullable=True)
    change_centres: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Why a secret cell is secret (disclosure.protect.REASONS); 0 when published.
    reason: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
