"""The generic shape of everything shared between tenants: an owner plus parties.

A shared post, a joint answer to a call for projects… each is an `Agreement`
owned by one centre or employer, with one `AgreementParty` row per tenant it
names. Feature tables point at their agreement and reuse its policies: a
shared row is visible to the active parties of its agreement, and to no one else.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Enum, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ensemble.db import Id, Model, created_at_column, id_column, session_of, utcnow
from ensemble.network.models import Centre, Employer
from ensemble.tenancy.context import TenantContext


class AgreementKind(enum.StrEnum):
    SHARED_POST = "shared_post"
    JOINT_ANSWER = "joint_answer"


class PartyStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DECLINED = "declined"
    LEFT = "left"


# Parties in these states see the agreement; the others have lost access.
VISIBLE_STATUSES = (PartyStatus.INVITED, PartyStatus.ACTIVE)


class Agreement(Model):
    __tablename__ = "agreements"
    __audited__ = True

    id: Mapped[int] = id_column()
    kind: Mapped[AgreementKind] = mapped_column(
        Enum(AgreementKind, name="agreement_kind", values_callable=lambda e: [m.value for m in e])
    )
    title: Mapped[str] = mapped_column(String(300))
    owner_centre_id: Mapped[int | None] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    owner_employer_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("employers.id"), index=True
    )
    created_at: Mapped[datetime] = created_at_column()

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", order_by="AgreementParty.id", cascade="all, delete-orphan"
    )
    owner_centre: Mapped[Centre | None] = relationship()
    owner_employer: Mapped[Employer | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(owner_centre_id IS NULL) <> (owner_employer_id IS NULL)", name="one_owner"
        ),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        """Changes to an agreement go to its owner's log."""
        return {"centre_id": self.owner_centre_id, "employer_id": self.owner_employer_id}


class AgreementParty(Model):
    __tablename__ = "agreement_parties"
    __audited__ = True

    id: Mapped[int] = id_column()
    agreement_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    centre_id: Mapped[int | None] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("employers.id"), index=True)
    is_owner: Mapped[bool] = mapped_column(default=False)
    status: Mapped[PartyStatus] = mapped_column(
        Enum(PartyStatus, name="party_status", values_callable=lambda e: [m.value for m in e]),
        default=PartyStatus.INVITED,
    )
    status_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    centre: Mapped[Centre | None] = relationship()
    employer: Mapped[Employer | None] = relationship()

    __table_args__ = (
        CheckConstraint("(centre_id IS NULL) <> (employer_id IS NULL)", name="one_party"),
        Index(
            "uq_agreement_parties_party",
            "agreement_id",
            text("coalesce(centre_id, 0)"),
            text("coalesce(employer_id, 0)"),
            unique=True,
        ),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:
        """A party answering for itself writes to its own log; the owner side
        managing the parties writes to the owner's log."""
        if self.centre_id in ctx.centre_ids or self.employer_id in ctx.employer_ids:
            return {"centre_id": self.centre_id, "employer_id": self.employer_id}
        agreement = self.agreement or session_of(self).get_one(Agreement, self.agreement_id)
        return agreement.audit_tenant(ctx)

    @property
    def label(self) -> str:
        party = self.centre or self.employer
        assert party is not None  # exactly one of the two is set (one_party)
        return party.name
