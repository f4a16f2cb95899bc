"""Calls for projects and the joint answers centres write together.

A call (`AapCall`) is published to a network (a federation's centres) and seen
by all of them. An answer (`AapAnswer`) is an `Agreement` of kind
"joint_answer" owned by the lead centre (chef de file), with one party per
partner centre; every table of the dossier carries `agreement_id` so its
policies reuse the agreement's: a centre that declined, left or was removed
sees nothing of it any more.

The network list says who leads an answer to which call without opening the
dossier: `AapCallLead` holds just that (call, lead centre) and is readable by
the whole network.

Sections keep their current text in `AapSection.body` and every saved text in
`AapSectionVersion`; `current_version` is the optimistic-concurrency token
(a save names the version it started from). Budget lines carry their own
`version` for the same reason.
"""

from __future__ import annotations

import calendar
import enum
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ensemble.aap.richtext import text_lines
from ensemble.audit.labels import object_label
from ensemble.db import Id, Model, created_at_column, enum_type, id_column, session_of, utcnow
from ensemble.kernel import french
from ensemble.network.models import Centre
from ensemble.people.models import User
from ensemble.sharing.models import Agreement, AgreementParty
from ensemble.tenancy.context import TenantContext

Money = Numeric(12, 2)


class Funder(enum.StrEnum):
    CAF = "caf"
    DEPARTEMENT = "departement"
    REGION = "region"
    CARSAT = "carsat"
    ETAT = "etat"
    EUROPE = "europe"
    COMMUNE = "commune"
    FONDATION = "fondation"
    OTHER = "autre"


class AnswerStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    GRANTED = "granted"
    REFUSED = "refused"


class SectionStatus(enum.StrEnum):
    TO_WRITE = "to_write"
    IN_PROGRESS = "in_progress"
    TO_REVIEW = "to_review"
    APPROVED = "approved"


class _AnswerAudit:
    """Changes to a dossier go to the log of the party centre the person acts
    for (the lead's log when they act for the lead)."""

    agreement_id: Mapped[int]

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:
        session = session_of(self)
        agreement = session.get_one(Agreement, self.agreement_id)
        if agreement.owner_centre_id in ctx.centre_ids:
            return {"centre_id": agreement.owner_centre_id, "employer_id": None}
        with session.no_autoflush:
            centres = session.scalars(
                select(AgreementParty.centre_id).where(
                    AgreementParty.agreement_id == self.agreement_id
                )
            ).all()
        for centre_id in centres:
            if centre_id in ctx.centre_ids:
                return {"centre_id": centre_id, "employer_id": None}
        return {"centre_id": agreement.owner_centre_id, "employer_id": None}


class AapCall(Model):
    """A call for projects, published to a network by one of its centres."""

    __tablename__ = "aap_calls"
    __audited__ = True

    id: Mapped[int] = id_column()
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"), index=True)
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    funder: Mapped[Funder] = mapped_column(enum_type(Funder, "aap_funder"))
    title: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(500), default="")
    theme: Mapped[str] = mapped_column(String(200), default="")
    deadline: Mapped[date] = mapped_column(Date)
    envelope: Mapped[Decimal | None] = mapped_column(Money)
    eligibility: Mapped[str] = mapped_column(Text, default="")
    created_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("envelope IS NULL OR envelope >= 0", name="envelope"),
        CheckConstraint("link = '' OR link ~ '^https?://'", name="link"),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        """The publishing centre's log."""
        return {"centre_id": self.centre_id, "employer_id": None}


@dataclass(frozen=True)
class CallTerms:
    """What an answer reads of its call: the call itself while the answer is being
    written, the call as it was at submission once submitted (its publisher may
    correct the call afterwards; the dossier the funder holds does not change)."""

    funder: Funder
    title: str
    link: str
    theme: str
    deadline: date
    envelope: Decimal | None
    eligibility: str

    @classmethod
    def of(cls, call: AapCall) -> CallTerms:
        return cls(
            funder=call.funder,
            title=call.title,
            link=call.link,
            theme=call.theme,
            deadline=call.deadline,
            envelope=call.envelope,
            eligibility=call.eligibility,
        )

    def as_json(self) -> dict[str, str | None]:
        return {
            "funder": self.funder.value,
            "title": self.title,
            "link": self.link,
            "theme": self.theme,
            "deadline": self.deadline.isoformat(),
            "envelope": None if self.envelope is None else f"{self.envelope:.2f}",
            "eligibility": self.eligibility,
        }

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> CallTerms:
        envelope = data.get("envelope")
        return cls(
            funder=Funder(str(data["funder"])),
            title=data.get("title") or "",
            link=data.get("link") or "",
            theme=data.get("theme") or "",
            deadline=date.fromisoformat(str(data["deadline"])),
            envelope=None if envelope is None else Decimal(envelope),
            eligibility=data.get("eligibility") or "",
        )


class AapAnswer(_AnswerAudit, Model):
    """A joint answer: the agreement owned by the lead centre, and its lifecycle."""

    __tablename__ = "aap_answers"
    __audited__ = True

    id: Mapped[int] = id_column()
    agreement_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreements.id", ondelete="CASCADE"), unique=True
    )
    call_id: Mapped[int] = mapped_column(Id, ForeignKey("aap_calls.id"), index=True)
    lead_centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"), index=True)
    status: Mapped[AnswerStatus] = mapped_column(
        enum_type(AnswerStatus, "aap_answer_status"), default=AnswerStatus.DRAFT
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    # The party centres when it was submitted: the network figures count them.
    submitted_centre_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
    granted_amount: Mapped[Decimal | None] = mapped_column(Money)
    outcome_on: Mapped[date | None] = mapped_column(Date)
    # The call as it was when the answer was submitted (`CallTerms.as_json`).
    call_as_submitted: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()

    agreement: Mapped[Agreement] = relationship()
    call: Mapped[AapCall] = relationship()
    lead_centre: Mapped[Centre] = relationship()
    sections: Mapped[list[AapSection]] = relationship(
        back_populates="answer", order_by="AapSection.position, AapSection.id"
    )

    __table_args__ = (
        UniqueConstraint("id", "agreement_id", name="uq_aap_answers_id_agreement"),
        CheckConstraint(
            "(status = 'granted') = (granted_amount IS NOT NULL)", name="granted_amount"
        ),
        CheckConstraint("granted_amount IS NULL OR granted_amount > 0", name="positive_grant"),
        CheckConstraint("(status = 'draft') = (submitted_at IS NULL)", name="submitted"),
        CheckConstraint(
            "(status = 'draft') = (call_as_submitted IS NULL)", name="call_as_submitted"
        ),
    )

    @property
    def title(self) -> str:
        return self.agreement.title

    @property
    def terms(self) -> CallTerms:
        """The call this answer is written for, or was submitted under."""
        if self.call_as_submitted is not None:
            return CallTerms.from_json(self.call_as_submitted)
        return CallTerms.of(self.call)

    @property
    def is_open(self) -> bool:
        return self.status is AnswerStatus.DRAFT


class AapCallLead(Model):
    """Who leads an answer to a call: all the network may know it, and no more."""

    __tablename__ = "aap_call_leads"

    id: Mapped[int] = id_column()
    call_id: Mapped[int] = mapped_column(Id, ForeignKey("aap_calls.id"), index=True)
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"), index=True)
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    agreement_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreements.id", ondelete="CASCADE"), unique=True
    )

    centre: Mapped[Centre] = relationship()


def _answer_fk() -> ForeignKeyConstraint:
    """(answer_id, agreement_id) must name a real answer and its own agreement."""
    return ForeignKeyConstraint(
        ["answer_id", "agreement_id"],
        ["aap_answers.id", "aap_answers.agreement_id"],
        ondelete="CASCADE",
    )


def text_length(text: str, unit: str) -> int:
    """Words (runs of non-spaces), or characters: code points once composed (NFC).
    (Graphemes would be closer to what a person counts, but neither `regex` nor a
    grapheme library is installed; the browser counts `[...text.normalize()]`.)"""
    if unit == "words":
        return len(text.split())
    return len(unicodedata.normalize("NFC", text))


class AapSection(_AnswerAudit, Model):
    __tablename__ = "aap_sections"
    __audited__ = True

    id: Mapped[int] = id_column()
    answer_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(200))
    guidance: Mapped[str] = mapped_column(Text, default="")
    owner_party_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True
    )
    writer_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    status: Mapped[SectionStatus] = mapped_column(
        enum_type(SectionStatus, "aap_section_status"), default=SectionStatus.TO_WRITE
    )
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The call's length limit for this section: "characters" or "words", or none ("").
    limit_unit: Mapped[str] = mapped_column(String(10), default="", server_default="")
    limit_value: Mapped[int | None] = mapped_column(Integer)
    # The lead's internal due date for the section (before the call's deadline).
    due_on: Mapped[date | None] = mapped_column(Date)

    answer: Mapped[AapAnswer] = relationship(back_populates="sections")
    owner_party: Mapped[AgreementParty] = relationship()
    writer: Mapped[User | None] = relationship()

    __table_args__ = (
        _answer_fk(),
        UniqueConstraint("id", "agreement_id", name="uq_aap_sections_id_agreement"),
        CheckConstraint("current_version >= 0", name="version"),
        CheckConstraint(
            "(limit_unit = '' AND limit_value IS NULL)"
            " OR (limit_unit IN ('characters', 'words') AND limit_value BETWEEN 1 AND 1000000)",
            name="length_limit",
        ),
    )

    @property
    def length(self) -> int:
        """The text's length in the limit's unit: words, or characters of the readable
        text, spaces included, as funders count them. A character is a code point of
        the text composed (NFC: « é » typed as e + accent counts once, an emoji once);
        the editor's live counter counts the same way (static/aap-section.js), so the
        page and the confirmation never disagree."""
        return text_length(" ".join(text_lines(self.body)), self.limit_unit)

    @property
    def over_limit(self) -> bool:
        return self.limit_value is not None and self.length > self.limit_value


def _section_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["section_id", "agreement_id"],
        ["aap_sections.id", "aap_sections.agreement_id"],
        ondelete="CASCADE",
    )


class AapSectionVersion(Model):
    """One saved text of a section, never changed (insert-only)."""

    __tablename__ = "aap_section_versions"

    id: Mapped[int] = id_column()
    section_id: Mapped[int] = mapped_column(Id)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, deferred=True)
    author_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    # The name as it was: partners cannot read each other's accounts.
    author_name: Mapped[str] = mapped_column(String(200), default="")
    restored_from: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[User | None] = relationship()

    __table_args__ = (
        _section_fk(),
        UniqueConstraint("section_id", "number", name="uq_aap_section_versions_number"),
        CheckConstraint("number >= 1", name="number"),
    )


class AapComment(_AnswerAudit, Model):
    """A comment on a section; a reply names its thread's first comment."""

    __tablename__ = "aap_comments"
    __audited__ = True

    id: Mapped[int] = id_column()
    section_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("aap_comments.id", ondelete="CASCADE")
    )
    author_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    # The name as it was: partners cannot read each other's accounts.
    author_name: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[User | None] = relationship(foreign_keys=[author_user_id])

    __table_args__ = (_section_fk(), CheckConstraint("length(body) > 0", name="body"))


class AapBudgetLine(_AnswerAudit, Model):
    """One party's line of the project budget, in the association chart of
    accounts (`account`: 60–68, 86 charges; 70–75, 87 income; 74 names its funder)."""

    __tablename__ = "aap_budget_lines"
    __audited__ = True

    id: Mapped[int] = id_column()
    answer_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True
    )
    # The party's centre, copied so the write policy needs no lookup.
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    account: Mapped[str] = mapped_column(String(6))
    label: Mapped[str] = mapped_column(String(200))
    funder: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    party: Mapped[AgreementParty] = relationship()

    __table_args__ = (
        _answer_fk(),
        CheckConstraint("account ~ '^(6[0-8]|7[0-5]|8[67])[0-9]{0,4}$'", name="chart_of_accounts"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("account NOT LIKE '74%' OR funder <> ''", name="subsidy_funder"),
        CheckConstraint("version >= 1", name="version"),
    )


class AapNote(_AnswerAudit, Model):
    """A party's private notes on the answer: its own centre only reads them."""

    __tablename__ = "aap_notes"
    __audited__ = True

    id: Mapped[int] = id_column()
    answer_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        _answer_fk(),
        UniqueConstraint("answer_id", "centre_id", name="uq_aap_notes_answer_centre"),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        return {"centre_id": self.centre_id, "employer_id": None}


class AttachmentKind(enum.StrEnum):
    """The documents funders ask of each structure of a joint answer."""

    STATUTES = "statutes"
    BANK_DETAILS = "bank_details"
    ACCOUNTS = "accounts"
    CV = "cv"
    SUPPORT_LETTER = "support_letter"


ATTACHMENT_LABELS = {
    AttachmentKind.STATUTES: _l("Statuts"),
    AttachmentKind.BANK_DETAILS: _l("Relevé d’identité bancaire (RIB)"),
    AttachmentKind.ACCOUNTS: _l("Derniers comptes approuvés"),
    AttachmentKind.CV: _l("CV d’une personne du projet"),
    AttachmentKind.SUPPORT_LETTER: _l("Lettre de soutien"),
}
# Asked of every party before submitting: what every French funder's file lists first.
REQUIRED_ATTACHMENTS = (AttachmentKind.STATUTES, AttachmentKind.BANK_DETAILS)
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}


class AapAttachment(_AnswerAudit, Model):
    """A document one party joins to the answer (statutes, RIB…), kept in the
    database: every member reads it, its own centre adds or removes it while the
    answer is open."""

    __tablename__ = "aap_attachments"
    __audited__ = True

    id: Mapped[int] = id_column()
    answer_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True
    )
    # The party's centre, copied so the write policy needs no lookup.
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    party: Mapped[AgreementParty] = relationship()

    __table_args__ = (
        _answer_fk(),
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k.value}'" for k in AttachmentKind) + ")", name="kind"
        ),
        CheckConstraint(
            f"size_bytes > 0 AND size_bytes <= {MAX_ATTACHMENT_BYTES}"
            " AND octet_length(content) = size_bytes",
            name="size",
        ),
        CheckConstraint(
            "content_type IN ("
            + ", ".join(f"'{t}'" for t in sorted(set(ATTACHMENT_TYPES.values())))
            + ")",
            name="content_type",
        ),
    )

    @property
    def kind_label(self) -> str:
        return str(ATTACHMENT_LABELS[AttachmentKind(self.kind)])

    @property
    def size_label(self) -> str:
        """« 240 ko », « 1,2 Mo »."""
        if self.size_bytes >= 1024 * 1024:
            return f"{french.number(Decimal(self.size_bytes) / (1024 * 1024), 1)}\u00a0Mo"
        return f"{french.number(max(Decimal(1), Decimal(self.size_bytes) / 1024), 0)}\u00a0ko"

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        return {"centre_id": self.centre_id, "employer_id": None}


# --- The grant's financial report (compte rendu financier, Cerfa nº 15059*02) ------------

SMIC_HOURLY_GROSS = Decimal("12.02")  # SMIC horaire brut au 1er janvier 2026
GAP_THRESHOLD_PERCENT = Decimal("15")  # a gap beyond it is explained, as the Cerfa asks


class AapFinancialReport(_AnswerAudit, Model):
    """The compte rendu financier of a granted answer, assembled by the lead: the
    financial year it covers, the hourly rate volunteers are valued at (86/87),
    the gap beyond which a line is explained, the lead's account of what was done,
    and the attestation of its legal representative once signed."""

    __tablename__ = "aap_financial_reports"
    __audited__ = True

    id: Mapped[int] = id_column()
    answer_id: Mapped[int] = mapped_column(Id, unique=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    lead_centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=SMIC_HOURLY_GROSS)
    gap_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=GAP_THRESHOLD_PERCENT)
    summary: Mapped[str] = mapped_column(Text, default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_quality: Mapped[str] = mapped_column(String(200), default="")
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by_user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        _answer_fk(),
        UniqueConstraint("id", "agreement_id", name="uq_aap_financial_reports_id_agreement"),
        CheckConstraint("period_end > period_start", name="period"),
        CheckConstraint("hourly_rate >= 0 AND hourly_rate <= 1000", name="hourly_rate"),
        CheckConstraint("gap_threshold > 0 AND gap_threshold <= 100", name="gap_threshold"),
        CheckConstraint(
            "(signed_on IS NULL) OR (signatory_name <> '' AND signatory_quality <> '')",
            name="signed",
        ),
    )

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None

    @property
    def deadline(self) -> date:
        """Six months after the end of the financial year of the grant."""
        return report_deadline(self.period_end)


def report_deadline(period_end: date) -> date:
    """The last day to send the report: six months after `period_end` (30 June after a
    31 December; the month's last day when it has fewer days)."""
    month = period_end.month + 6
    year = period_end.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    last = calendar.monthrange(year, month)[1]
    at_month_end = period_end.day == calendar.monthrange(period_end.year, period_end.month)[1]
    return date(year, month, last if at_month_end else min(period_end.day, last))


def _report_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["report_id", "agreement_id"],
        ["aap_financial_reports.id", "aap_financial_reports.agreement_id"],
        ondelete="CASCADE",
    )


class AapReportPart(_AnswerAudit, Model):
    """One party's part of the report: the figures of its funded actions as read
    from its own sessions and attendance when it last refreshed them (aggregates
    only; the lead cannot read a partner's actions), the shared post's time valued
    at its real cost, and its comments."""

    __tablename__ = "aap_report_parts"
    __audited__ = True

    id: Mapped[int] = id_column()
    report_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreement_parties.id", ondelete="CASCADE")
    )
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    # [{"name", "public", "sessions", "participations", "people", "volunteers",
    #   "volunteer_hours", "post_hours"}], one per funded action.
    actions: Mapped[list[dict]] = mapped_column(JSONB, default=list)
    volunteer_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    post_title: Mapped[str] = mapped_column(String(200), default="")
    post_account: Mapped[str] = mapped_column(String(6), default="")
    post_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    post_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    # Hours of the post's holder in months no statement was issued for: not valued.
    post_unvalued_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    comment: Mapped[str] = mapped_column(Text, default="")
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    party: Mapped[AgreementParty] = relationship()

    __table_args__ = (
        _report_fk(),
        UniqueConstraint("report_id", "party_id", name="uq_aap_report_parts_party"),
        CheckConstraint(
            "volunteer_hours >= 0 AND post_hours >= 0 AND post_cost >= 0"
            " AND post_unvalued_hours >= 0",
            name="non_negative",
        ),
        CheckConstraint("post_account IN ('', '621', '641')", name="post_account"),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        return {"centre_id": self.centre_id, "employer_id": None}


class AapReportLine(_AnswerAudit, Model):
    """A real amount a party enters: against one of its budget lines
    (`budget_line_id`), or a charge or income that was not planned; with the
    explanation of its gap."""

    __tablename__ = "aap_report_lines"
    __audited__ = True

    id: Mapped[int] = id_column()
    report_id: Mapped[int] = mapped_column(Id, index=True)
    agreement_id: Mapped[int] = mapped_column(Id, ForeignKey("agreements.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agreement_parties.id", ondelete="CASCADE")
    )
    centre_id: Mapped[int] = mapped_column(Id, ForeignKey("centres.id"))
    budget_line_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("aap_budget_lines.id", ondelete="CASCADE")
    )
    account: Mapped[str] = mapped_column(String(6))
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    explanation: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        _report_fk(),
        UniqueConstraint("report_id", "budget_line_id", name="uq_aap_report_lines_budget_line"),
        CheckConstraint("account ~ '^(6[0-8]|7[0-5]|8[67])[0-9]{0,4}$'", name="chart_of_accounts"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("length(label) > 0", name="label"),
    )

    def audit_tenant(self, ctx: TenantContext) -> dict[str, int | None]:  # noqa: ARG002
        return {"centre_id": self.centre_id, "employer_id": None}


for _table, _label in (
    ("aap_calls", _l("Appel à projets")),
    ("aap_answers", _l("Réponse commune à un appel à projets")),
    ("aap_sections", _l("Rubrique d’une réponse commune")),
    ("aap_comments", _l("Commentaire sur une rubrique")),
    ("aap_budget_lines", _l("Ligne de budget d’une réponse commune")),
    ("aap_notes", _l("Notes privées sur une réponse commune")),
    ("aap_attachments", _l("Pièce jointe d’une réponse commune")),
    ("aap_financial_reports", _l("Compte rendu financier d’une subvention")),
    ("aap_report_parts", _l("Part d’un partenaire au compte rendu financier")),
    ("aap_report_lines", _l("Montant réel du compte rendu financier")),
):
    object_label(_table, _label)
