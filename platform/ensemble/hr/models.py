"""HR data. Every row belongs to one employer (`employer_id`) and is visible only
to that employer's HR managers and the directors of its centres (RLS on
`app.employer_ids`). Rows about a person carry the person's employer too, and a
composite foreign key (staff_member_id, employer_id) keeps them on one side."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ensemble.audit.labels import object_label
from ensemble.db import Id, Model, created_at_column, enum_type, id_column
from ensemble.network.models import Centre
from ensemble.tenancy.context import TenantContext

for _table, _label in (
    ("hr_staff_members", _l("Fiche du registre du personnel")),
    ("hr_staff_centres", _l("Centre d’affectation")),
    ("hr_training_records", _l("Formation suivie")),
    ("hr_documents", _l("Document RH")),
    ("hr_toolbox_documents", _l("Outil RH partagé")),
):
    object_label(_table, _label)


class ContractType(enum.StrEnum):
    CDI = "cdi"
    CDD = "cdd"
    CDDI = "cddi"
    APPRENTICESHIP = "apprenticeship"
    ASSISTED = "assisted"  # contrat aidé (PEC / CUI-CAE), on a fixed term or not


class Category(enum.StrEnum):
    """Decides the legal length of a CDI trial period (C. trav. L1221-19)."""

    EMPLOYEE = "employee"  # ouvriers et employés
    SUPERVISOR = "supervisor"  # agents de maîtrise et techniciens
    EXECUTIVE = "executive"  # cadres


class HealthFollowUp(enum.StrEnum):
    """The kind of occupational-health follow-up (C. trav. R4624-10 to R4624-28)."""

    STANDARD = "standard"
    ADAPTED = "adapted"  # disabled worker, invalidity pension
    NIGHT_OR_MINOR = "night_or_minor"  # night worker, under 18
    REINFORCED = "reinforced"  # suivi individuel renforcé (risky post)


class DueKind(enum.StrEnum):
    TRIAL_PERIOD_END = "trial_period_end"
    CONTRACT_END = "contract_end"
    HEALTH_VISIT = "health_visit"
    PROFESSIONAL_REVIEW = "professional_review"
    CAREER_REVIEW = "career_review"
    TRAINING_RENEWAL = "training_renewal"
    TRAINING_GAP = "training_gap"


class StaffMember(Model):
    """A person employed by an employer (not necessarily a platform user)."""

    __tablename__ = "hr_staff_members"
    __audited__ = True

    id: Mapped[int] = id_column()
    employer_id: Mapped[int] = mapped_column(Id, ForeignKey("employers.id"))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), default="")
    job_title: Mapped[str] = mapped_column(String(200))
    category: Mapped[Category] = mapped_column(
        enum_type(Category, "hr_category"), default=Category.EMPLOYEE
    )
    contract_type: Mapped[ContractType] = mapped_column(enum_type(ContractType, "hr_contract_type"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    trial_renewed: Mapped[bool] = mapped_column(default=False)
    fte: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    alisfa_job: Mapped[str] = mapped_column(String(120), default="")
    alisfa_weighting: Mapped[int | None] = mapped_column(Integer)
    health_follow_up: Mapped[HealthFollowUp] = mapped_column(
        enum_type(HealthFollowUp, "hr_health_follow_up"), default=HealthFollowUp.STANDARD
    )
    last_health_visit_on: Mapped[date | None] = mapped_column(Date)
    last_review_on: Mapped[date | None] = mapped_column(Date)
    last_career_review_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()

    assignments: Mapped[list[StaffCentre]] = relationship(
        back_populates="staff_member",
        cascade="all, delete-orphan",
    )
    trainings: Mapped[list[TrainingRecord]] = relationship(
        back_populates="staff_member",
        cascade="all, delete-orphan",
        order_by="TrainingRecord.completed_on.desc()",
    )
    due_items: Mapped[list[DueItem]] = relationship(
        back_populates="staff_member",
        cascade="all, delete-orphan",
        order_by="DueItem.due_on",
    )

    __table_args__ = (
        # Target of the composite foreign keys that keep a person's rows on one employer.
        UniqueConstraint("id", "employer_id"),
        Index("ix_hr_staff_members_employer_name", "employer_id", "last_name", "first_name"),
        CheckConstraint("fte > 0 AND fte <= 1", name="fte_range"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def centres(self) -> list[Centre]:
        return sorted((a.centre for a in self.assignments), key=lambda c: c.name)


class StaffCentre(Model):
    """A centre of the employer where the person works."""

    __tablename__ = "hr_staff_centres"
    __audited__ = True

    id: Mapped[int] = id_column()
    employer_id: Mapped[int] = mapped_column(Id)
    staff_member_id: Mapped[int] = mapped_column(Id)
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"), index=True)

    staff_member: Mapped[StaffMember] = relationship(back_populates="assignments")
    centre: Mapped[Centre] = relationship()

    __table_args__ = (
        ForeignKeyConstraint(
            ["staff_member_id", "employer_id"],
            ["hr_staff_members.id", "hr_staff_members.employer_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("staff_member_id", "centre_id"),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        """HR data: logged with the employer (an HR manager is a member of no centre)."""
        return {"employer_id": self.employer_id}


class TrainingRecord(Model):
    __tablename__ = "hr_training_records"
    __audited__ = True

    id: Mapped[int] = id_column()
    employer_id: Mapped[int] = mapped_column(Id)
    staff_member_id: Mapped[int] = mapped_column(Id, index=True)
    title: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    # Mandatory: safety, adaptation to the post (does not count for the
    # état des lieux, C. trav. L6315-1 II).
    mandatory: Mapped[bool] = mapped_column(default=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()

    staff_member: Mapped[StaffMember] = relationship(back_populates="trainings")

    __table_args__ = (
        ForeignKeyConstraint(
            ["staff_member_id", "employer_id"],
            ["hr_staff_members.id", "hr_staff_members.employer_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_positive"),
    )


class DueItem(Model):
    """A due date computed from the register (ensemble.hr.rules); never typed in.
    Refreshed on every change of the person and nightly."""

    __tablename__ = "hr_due_items"

    id: Mapped[int] = id_column()
    employer_id: Mapped[int] = mapped_column(Id)
    staff_member_id: Mapped[int] = mapped_column(Id)
    kind: Mapped[DueKind] = mapped_column(enum_type(DueKind, "hr_due_kind"))
    # Distinguishes items of one kind (the training title); "" otherwise.
    reference: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date] = mapped_column(Date)

    staff_member: Mapped[StaffMember] = relationship(back_populates="due_items")

    __table_args__ = (
        ForeignKeyConstraint(
            ["staff_member_id", "employer_id"],
            ["hr_staff_members.id", "hr_staff_members.employer_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("staff_member_id", "kind", "reference"),
        Index("ix_hr_due_items_employer_due", "employer_id", "due_on"),
    )


class DocumentKind(enum.StrEnum):
    CHECKLIST = "checklist"
    GUIDE = "guide"
    TEMPLATE = "template"
    CONTRACT = "contract"
    OTHER = "other"


class EmployerDocument(Model):
    """A private document of one employer (its own procedures, a person's file)."""

    __tablename__ = "hr_documents"
    __audited__ = True

    id: Mapped[int] = id_column()
    employer_id: Mapped[int] = mapped_column(Id, ForeignKey("employers.id"), index=True)
    staff_member_id: Mapped[int | None] = mapped_column(Id)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "hr_document_kind"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["staff_member_id", "employer_id"],
            ["hr_staff_members.id", "hr_staff_members.employer_id"],
            ondelete="CASCADE",
        ),
        Index("ix_hr_documents_staff_member_id", "staff_member_id"),
    )


class ToolboxDocument(Model):
    """A template or guide an HR manager writes once and shares with employers she
    serves. Not an employer's HR data: it names no person."""

    __tablename__ = "hr_toolbox_documents"
    __audited__ = True

    id: Mapped[int] = id_column()
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id"), index=True)
    # The employers it is shared with (each one the author serves, checked by RLS).
    employer_ids: Mapped[list[int]] = mapped_column(ARRAY(Id))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "hr_document_kind"))
    description: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("cardinality(employer_ids) > 0", name="shared_with_someone"),
        Index("ix_hr_toolbox_documents_employer_ids", "employer_ids", postgresql_using="gin"),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:
        """Changes go to the log of the first employer it is shared with that the
        author serves (readers record their reads under the employer they read it in)."""
        served = [e for e in self.employer_ids or () if e in ctx.employer_ids]
        return {"employer_id": served[0] if served else None}
