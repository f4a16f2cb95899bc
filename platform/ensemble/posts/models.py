"""Shared posts, built on the generic agreement (owner + parties).

Each post is an `Agreement` of kind "shared_post" owned by its carrying
employer. Every table carries `agreement_id` so that its policies reuse the
agreement's (`app_is_agreement_party`, `app_owns_agreement`); a composite
foreign key (post_id, agreement_id) keeps that copy honest.

Salary figures (cost inputs, statement amounts) live in tables of their own,
readable only by the parties' directors and HR managers (`app_is_post_manager`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ensemble.audit.labels import object_label
from ensemble.db import Id, Model, created_at_column, enum_type, id_column, session_of, utcnow
from ensemble.network.models import Centre
from ensemble.people.models import User
from ensemble.sharing.models import Agreement, AgreementParty
from ensemble.tenancy.context import TenantContext

Money = Numeric(12, 2)
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


class Arrangement(enum.StrEnum):
    SHARED_TIME = "temps_partage"  # one contract per employer
    SECONDMENT = "mise_a_disposition"  # one carrying employer, the others hosts
    EMPLOYERS_GROUP = "groupement"  # groupement d'employeurs


class ShareUnit(enum.StrEnum):
    PERCENT = "percent"
    HOURS_PER_WEEK = "hours_per_week"


class DocumentKind(enum.StrEnum):
    AGREEMENT = "agreement"  # convention de mise à disposition between employers
    AMENDMENT = "amendment"  # avenant au contrat de travail
    CONSENT = "consent"  # accord écrit du salarié


def _post_fk() -> ForeignKeyConstraint:
    """(post_id, agreement_id) must name a real post and its own agreement."""
    return ForeignKeyConstraint(
        ["post_id", "agreement_id"],
        ["shared_posts.id", "shared_posts.agreement_id"],
        ondelete="CASCADE",
    )


class _SharedAudit:
    """Changes to a post's rows go to the carrying side's log when it makes them,
    else to the log of the party the person acts for (a host director recording
    time writes to their own centre's log)."""

    agreement_id: Mapped[int]

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:
        from sqlalchemy import select

        session = session_of(self)
        agreement = session.get_one(Agreement, self.agreement_id)
        owner = agreement.audit_tenant(ctx)
        if owner["employer_id"] in ctx.employer_ids or owner["centre_id"] in ctx.centre_ids:
            return owner
        with session.no_autoflush:
            parties = session.scalars(
                select(AgreementParty).where(AgreementParty.agreement_id == self.agreement_id)
            ).all()
        for party in parties:
            if party.centre_id in ctx.centre_ids or party.employer_id in ctx.employer_ids:
                return {"centre_id": party.centre_id, "employer_id": party.employer_id}
        return owner


class SharedPost(_SharedAudit, Model):
    __tablename__ = "shared_posts"
    __audited__ = True

    id: Mapped[int] = id_column()
    agreement_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreements.id", ondelete="CASCADE"), unique=True
    )
    arrangement: Mapped[Arrangement] = mapped_column(enum_type(Arrangement, "post_arrangement"))
    holder_user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id"), index=True)
    # The holder's contractual working time: converts hours-per-week shares to a fraction.
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("35"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    tasks: Mapped[str] = mapped_column(Text, default="")
    insurance: Mapped[str] = mapped_column(Text, default="")
    drift_threshold_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10"))
    created_at: Mapped[datetime] = created_at_column()

    agreement: Mapped[Agreement] = relationship()
    holder: Mapped[User] = relationship()
    allocations: Mapped[list[PostAllocation]] = relationship(
        back_populates="post", order_by="PostAllocation.starts_on, PostAllocation.id"
    )

    __table_args__ = (
        UniqueConstraint("id", "agreement_id", name="uq_shared_posts_id_agreement"),
        CheckConstraint("weekly_hours > 0 AND weekly_hours <= 48", name="weekly_hours"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),
        CheckConstraint(
            "drift_threshold_percent > 0 AND drift_threshold_percent <= 100", name="threshold"
        ),
    )

    @property
    def title(self) -> str:
        return self.agreement.title


class PostAllocation(_SharedAudit, Model):
    """One party's agreed share of the post over a period, attributed to a centre
    (the party itself, or one of the party employer's centres)."""

    __tablename__ = "post_allocations"
    __audited__ = True

    id: Mapped[int] = id_column()
    post_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True
    )
    site_centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    unit: Mapped[ShareUnit] = mapped_column(enum_type(ShareUnit, "post_share_unit"))
    share: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()

    post: Mapped[SharedPost] = relationship(back_populates="allocations")
    party: Mapped[AgreementParty] = relationship()
    site_centre: Mapped[Centre] = relationship()

    __table_args__ = (
        _post_fk(),
        CheckConstraint("share > 0", name="positive_share"),
        CheckConstraint("unit <> 'percent' OR share <= 100", name="percent_at_most_100"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),
    )

    def fraction(self, weekly_hours: Decimal) -> Decimal:
        """The share as a fraction of full time (0–1)."""
        if self.unit is ShareUnit.PERCENT:
            return self.share / 100
        return self.share / weekly_hours

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class PostDocument(_SharedAudit, Model):
    """A legal document of the post, with its file (kept small, in the database)."""

    __tablename__ = "post_documents"
    __audited__ = True

    id: Mapped[int] = id_column()
    post_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "post_document_kind"))
    signed_on: Mapped[date] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        _post_fk(),
        CheckConstraint(
            f"size_bytes > 0 AND size_bytes <= {MAX_DOCUMENT_BYTES}"
            " AND octet_length(content) = size_bytes",
            name="size",
        ),
        CheckConstraint(
            "content_type IN (" + ", ".join(f"'{t}'" for t in sorted(DOCUMENT_TYPES)) + ")",
            name="content_type",
        ),
    )


class TimeEntry(_SharedAudit, Model):
    """Hours the holder worked for a centre of the post on a day. `source` says
    where they came from: "manual" here; other capabilities register their own."""

    __tablename__ = "post_time_entries"
    __audited__ = True

    id: Mapped[int] = id_column()
    post_id: Mapped[int] = mapped_column(Id)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    work_date: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    source: Mapped[str] = mapped_column(String(30), default="manual")
    note: Mapped[str] = mapped_column(String(300), default="")
    entered_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    centre: Mapped[Centre] = relationship()

    __table_args__ = (
        _post_fk(),
        Index("ix_post_time_entries_post_date", "post_id", "work_date"),
        Index("ix_post_time_entries_centre_date", "centre_id", "work_date"),
        CheckConstraint("hours > 0 AND hours <= 24", name="hours"),
    )


class PostCost(_SharedAudit, Model):
    """The real monthly cost of the post, applying from `valid_from` (first day of
    a month) until a later row. Salary figures: managers only."""

    __tablename__ = "post_costs"
    __audited__ = True

    id: Mapped[int] = id_column()
    post_id: Mapped[int] = mapped_column(Id)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    valid_from: Mapped[date] = mapped_column(Date)
    gross_salary: Mapped[Decimal] = mapped_column(Money)
    employer_charges: Mapped[Decimal] = mapped_column(Money)
    travel_expenses: Mapped[Decimal] = mapped_column(Money)
    employment_aid: Mapped[Decimal] = mapped_column(Money)
    entered_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        _post_fk(),
        UniqueConstraint("post_id", "valid_from", name="uq_post_costs_post_month"),
        CheckConstraint("extract(day FROM valid_from) = 1", name="first_of_month"),
        CheckConstraint(
            "gross_salary >= 0 AND employer_charges >= 0 AND travel_expenses >= 0"
            " AND employment_aid >= 0",
            name="non_negative",
        ),
    )

    @property
    def real_cost(self) -> Decimal:
        return (
            self.gross_salary + self.employer_charges + self.travel_expenses - self.employment_aid
        )


class PostStatement(_SharedAudit, Model):
    """A monthly cost statement (état de refacturation), issued once and never
    changed: a correction is a new version. Parties see that it exists; its
    amounts are in the managers-only tables below."""

    __tablename__ = "post_statements"

    id: Mapped[int] = id_column()
    post_id: Mapped[int] = mapped_column(Id)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(Id, ForeignKey("post_statements.id"))
    correction_note: Mapped[str] = mapped_column(Text, default="")

    issued_by: Mapped[User | None] = relationship()

    __table_args__ = (
        _post_fk(),
        UniqueConstraint("post_id", "month", "version", name="uq_post_statements_version"),
        CheckConstraint("extract(day FROM month) = 1", name="first_of_month"),
        CheckConstraint("version >= 1", name="version"),
    )


class PostStatementCost(Model):
    """The cost figures a statement was computed from (frozen with it)."""

    __tablename__ = "post_statement_costs"

    statement_id: Mapped[int] = mapped_column(
        Id, ForeignKey("post_statements.id", ondelete="CASCADE"), primary_key=True
    )
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    gross_salary: Mapped[Decimal] = mapped_column(Money)
    employer_charges: Mapped[Decimal] = mapped_column(Money)
    travel_expenses: Mapped[Decimal] = mapped_column(Money)
    employment_aid: Mapped[Decimal] = mapped_column(Money)
    real_cost: Mapped[Decimal] = mapped_column(Money)
    basis: Mapped[str] = mapped_column(Text)
    rounding_rule: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "real_cost = gross_salary + employer_charges + travel_expenses - employment_aid",
            name="real_cost",
        ),
    )


class PostStatementLine(Model):
    """One party's line on a statement: its share and the amount re-invoiced
    (for the carrying employer: the remainder it bears)."""

    __tablename__ = "post_statement_lines"

    id: Mapped[int] = id_column()
    statement_id: Mapped[int] = mapped_column(
        Id, ForeignKey("post_statements.id", ondelete="CASCADE"), index=True
    )
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(Id, ForeignKey("agreement_parties.id"))
    party_name: Mapped[str] = mapped_column(String(200))
    is_carrier: Mapped[bool] = mapped_column(default=False)
    share: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    amount: Mapped[Decimal] = mapped_column(Money)
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("share >= 0 AND share <= 1", name="share"),)


for _table, _label in (
    ("shared_posts", _l("Poste mutualisé")),
    ("post_allocations", _l("Part d’un poste mutualisé")),
    ("post_documents", _l("Document d’un poste mutualisé")),
    ("post_time_entries", _l("Heures d’un poste mutualisé")),
    ("post_costs", _l("Coût réel d’un poste mutualisé")),
    ("post_statements", _l("État de refacturation")),
):
    object_label(_table, _label)
