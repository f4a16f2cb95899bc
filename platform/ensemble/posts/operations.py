"""Shared posts: creating them, sharing them out, recording time, costs and
documents, issuing cost statements. Flush, never commit.

Refusals raise `PostError` with a French message and the form field it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ensemble.accounts.models import User
from ensemble.db import utcnow
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre, Employer
from ensemble.posts import costing
from ensemble.posts.models import (
    DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    Arrangement,
    DocumentKind,
    PostAllocation,
    PostCost,
    PostDocument,
    PostStatement,
    PostStatementCost,
    PostStatementLine,
    SharedPost,
    ShareUnit,
    TimeEntry,
)
from ensemble.sharing import operations as sharing
from ensemble.sharing.models import (
    VISIBLE_STATUSES,
    Agreement,
    AgreementKind,
    AgreementParty,
    PartyStatus,
)
from ensemble.sharing.timesheets import hours_by_source
from ensemble.tenancy.context import TenantContext

Tenant = Centre | Employer
MANUAL = "manual"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class PostError(Refusal):
    """A refusal to show the user, attached to a form field when there is one."""


# --- Reading -----------------------------------------------------------------


def visible_parties(post: SharedPost) -> list[AgreementParty]:
    """The parties that still take part (invited or active)."""
    return [p for p in post.agreement.parties if p.status in VISIBLE_STATUSES]


def can_manage(post: SharedPost, ctx: TenantContext) -> bool:
    """The carrying side: directors and HR managers of the owner."""
    agreement = post.agreement
    return (
        agreement.owner_employer_id in ctx.employer_ids
        or agreement.owner_centre_id in ctx.director_centre_ids
    )


def can_see_costs(post: SharedPost, ctx: TenantContext) -> bool:
    """Salary figures: the parties' directors and HR managers (as app_is_post_manager)."""
    return any(
        p.centre_id in ctx.director_centre_ids or p.employer_id in ctx.employer_ids
        for p in visible_parties(post)
    )


def can_record_time(post: SharedPost, ctx: TenantContext) -> bool:
    return can_see_costs(post, ctx) or ctx.user_id == post.holder_user_id


def posts_of(session: Session, tenant: Tenant) -> list[SharedPost]:
    """The posts `tenant` takes part in: as a party, or through its employer (for a
    centre) or one of its centres (for an employer)."""
    parties = select(AgreementParty.agreement_id).where(
        AgreementParty.status.in_(VISIBLE_STATUSES), _party_clause(tenant)
    )
    return list(
        session.scalars(
            select(SharedPost)
            .join(Agreement, Agreement.id == SharedPost.agreement_id)
            .where(SharedPost.agreement_id.in_(parties))
            .options(
                selectinload(SharedPost.agreement).selectinload(Agreement.parties),
                selectinload(SharedPost.agreement).selectinload(Agreement.owner_employer),
                selectinload(SharedPost.agreement).selectinload(Agreement.owner_centre),
                selectinload(SharedPost.holder),
            )
            .order_by(Agreement.title, SharedPost.id)
        )
    )


def _party_clause(tenant: Tenant):
    if isinstance(tenant, Centre):
        return (AgreementParty.centre_id == tenant.id) | (
            AgreementParty.employer_id == tenant.employer_id
        )
    return (AgreementParty.employer_id == tenant.id) | AgreementParty.centre_id.in_(
        select(Centre.id).where(Centre.employer_id == tenant.id)
    )


def takes_part(session: Session, post: SharedPost, tenant: Tenant) -> bool:
    """Whether the place named in a URL is a party to the post (see posts_of)."""
    if isinstance(tenant, Centre):
        return any(
            p.centre_id == tenant.id or p.employer_id == tenant.employer_id
            for p in visible_parties(post)
        )
    centre_ids = set(session.scalars(select(Centre.id).where(Centre.employer_id == tenant.id)))
    return any(
        p.employer_id == tenant.id or p.centre_id in centre_ids for p in visible_parties(post)
    )


def carrier_of(post: SharedPost) -> Employer | Centre:
    """The owner of the post's agreement: the employer that carries the post."""
    return post.agreement.owner_employer or post.agreement.owner_centre


# --- Creating a post and sharing it out --------------------------------------


def _check_period(starts_on: date, ends_on: date | None, field: str = "ends_on") -> None:
    if ends_on is not None and ends_on < starts_on:
        raise PostError(_l("La date de fin précède la date de début."), field)


def create_post(
    session: Session,
    carrier: Employer,
    *,
    title: str,
    arrangement: Arrangement,
    holder: User,
    starts_on: date,
    ends_on: date | None = None,
    weekly_hours: Decimal = Decimal("35"),
    tasks: str = "",
    insurance: str = "",
    drift_threshold_percent: Decimal = Decimal("10"),
) -> SharedPost:
    """A new post carried by `carrier`, which is the owner and first party of its agreement."""
    _check_period(starts_on, ends_on)
    agreement = sharing.create_agreement(
        session, AgreementKind.SHARED_POST, title.strip(), owner=carrier
    )
    post = SharedPost(
        agreement=agreement,
        arrangement=arrangement,
        holder_user_id=holder.id,
        starts_on=starts_on,
        ends_on=ends_on,
        weekly_hours=weekly_hours,
        tasks=tasks.strip(),
        insurance=insurance.strip(),
        drift_threshold_percent=drift_threshold_percent,
    )
    session.add(post)
    session.flush()
    return post


def network_federation_ids(session: Session, carrier: Tenant) -> set[int]:
    """The federations of the carrier's centres: the network its partners must belong to."""
    if isinstance(carrier, Centre):
        return {carrier.federation_id}
    return set(
        session.scalars(select(Centre.federation_id).where(Centre.employer_id == carrier.id))
    )


def partner_choices(session: Session, carrier: Tenant) -> tuple[list[Employer], list[Centre]]:
    """Employers and centres of the carrier's network that it can see in the directory."""
    federations = network_federation_ids(session, carrier)
    centres = list(
        session.scalars(
            select(Centre).where(Centre.federation_id.in_(federations)).order_by(Centre.name)
        )
    )
    employer_ids = {c.employer_id for c in centres}
    employers = list(
        session.scalars(
            select(Employer).where(Employer.id.in_(employer_ids)).order_by(Employer.name)
        )
    )
    return employers, centres


def resolve_partner(session: Session, carrier: Tenant, key: str) -> Tenant:
    """ "c:<id>" or "e:<id>" to a centre or employer of the carrier's network, or a refusal."""
    outside = PostError(
        _l("Cette structure ne fait pas partie de votre réseau : choisissez-la dans la liste."),
        "party",
    )
    kind, _, raw_id = (key or "").partition(":")
    if kind not in ("c", "e") or not raw_id.isdigit() or len(raw_id) > 18:
        raise outside
    model = Centre if kind == "c" else Employer
    tenant = session.get(model, int(raw_id))  # under RLS: invisible is None
    if tenant is None:
        raise outside
    federations = network_federation_ids(session, carrier)
    if isinstance(tenant, Centre):
        in_network = tenant.federation_id in federations
    else:
        in_network = bool(network_federation_ids(session, tenant) & federations)
    if not in_network:
        raise outside
    return tenant


def sites_of(session: Session, tenant: Tenant) -> list[Centre]:
    """The centres a party's share can be worked at: itself, or its employer's centres."""
    if isinstance(tenant, Centre):
        return [tenant]
    return list(
        session.scalars(select(Centre).where(Centre.employer_id == tenant.id).order_by(Centre.name))
    )


def add_allocation(
    session: Session,
    post: SharedPost,
    partner: Tenant,
    *,
    unit: ShareUnit,
    share: Decimal,
    starts_on: date,
    ends_on: date | None = None,
    site_centre_id: int | None = None,
) -> PostAllocation:
    """Give `partner` a share of the post over a period (naming it a party if needed).

    Refused: a period ending before it starts or outside the post's, a period
    overlapping another of the same party, shares adding up to more than 100 %
    on any date."""
    if ends_on is None:
        ends_on = post.ends_on  # open-ended: until the post ends
    _check_period(starts_on, ends_on)
    if starts_on < post.starts_on or (
        post.ends_on is not None and (ends_on is None or ends_on > post.ends_on)
    ):
        raise PostError(
            _l(
                "La période doit rester dans celle du poste (du %(start)s au %(end)s).",
                start=format_date(post.starts_on, "short"),
                end=format_date(post.ends_on, "short") if post.ends_on else "…",
            ),
            "starts_on",
        )
    if share <= 0 or (unit is ShareUnit.PERCENT and share > 100):
        raise PostError(_l("La part doit être comprise entre 0 et 100 %."), "share")
    if unit is ShareUnit.HOURS_PER_WEEK and share > post.weekly_hours:
        raise PostError(
            _l(
                "La part ne peut dépasser la durée du travail du poste (%(hours)s h).",
                hours=_hours(post.weekly_hours),
            ),
            "share",
        )
    sites = sites_of(session, partner)
    if site_centre_id is None and len(sites) == 1:
        site_centre_id = sites[0].id
    if site_centre_id not in {c.id for c in sites}:
        raise PostError(
            _l("Choisissez le centre où s’exerce cette part, parmi ceux de la structure."),
            "site_centre_id",
        )

    party = sharing.party_of(session, post.agreement_id, partner)
    allocation = PostAllocation(
        post_id=post.id,
        agreement_id=post.agreement_id,
        party_id=party.id if party else None,
        site_centre_id=site_centre_id,
        unit=unit,
        share=share,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    existing = list(
        session.scalars(select(PostAllocation).where(PostAllocation.post_id == post.id))
    )
    if party is not None:
        _check_no_overlap(allocation, existing, partner)
    _check_total_at_most_full_time(post, [*existing, allocation])

    if party is None:
        party = sharing.invite(session, post.agreement, partner)
    if party.status is not PartyStatus.ACTIVE:
        # The carrier records an agreement already signed: the partner is a party now.
        sharing.set_status(session, party, PartyStatus.ACTIVE)
    allocation.party_id = party.id
    session.add(allocation)
    session.flush()
    return allocation


def _periods_meet(a: PostAllocation, b: PostAllocation) -> bool:
    a_end = a.ends_on or date.max
    b_end = b.ends_on or date.max
    return a.starts_on <= b_end and b.starts_on <= a_end


def _check_no_overlap(new: PostAllocation, existing: list[PostAllocation], partner: Tenant) -> None:
    for other in existing:
        if other.party_id == new.party_id and _periods_meet(new, other):
            raise PostError(
                _l(
                    "%(party)s a déjà une part du %(start)s au %(end)s : "
                    "les périodes d’une même structure ne peuvent se chevaucher.",
                    party=partner.name,
                    start=format_date(other.starts_on, "short"),
                    end=format_date(other.ends_on, "short") if other.ends_on else "…",
                ),
                "starts_on",
            )


def _check_total_at_most_full_time(post: SharedPost, allocations: list[PostAllocation]) -> None:
    # The total only rises where a period starts: checking those dates is enough.
    for day in sorted({a.starts_on for a in allocations}):
        total = sum(
            (a.fraction(post.weekly_hours) for a in allocations if a.active_on(day)), Decimal(0)
        )
        if total > 1:
            raise PostError(
                _l(
                    "Les parts dépasseraient 100 %% du temps le %(day)s (%(total)s %%).",
                    day=format_date(day, "short"),
                    total=_percent(total),
                ),
                "share",
            )


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1')).normalize():f}".replace(".", ",")


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def allocations_with_parties(session: Session, post: SharedPost) -> list[PostAllocation]:
    """The post's shares in date order, with their parties and centres loaded."""
    return list(
        session.scalars(
            select(PostAllocation)
            .where(PostAllocation.post_id == post.id)
            .options(
                selectinload(PostAllocation.party).selectinload(AgreementParty.centre),
                selectinload(PostAllocation.party).selectinload(AgreementParty.employer),
                selectinload(PostAllocation.site_centre),
            )
            .order_by(PostAllocation.starts_on, PostAllocation.id)
        )
    )


def shares_on(post: SharedPost, allocations: list[PostAllocation], on: date) -> dict[int, Decimal]:
    """Agreed fraction of full time per site centre on a date."""
    shares: dict[int, Decimal] = {}
    for allocation in allocations:
        if allocation.active_on(on):
            shares[allocation.site_centre_id] = shares.get(
                allocation.site_centre_id, Decimal(0)
            ) + allocation.fraction(post.weekly_hours)
    return shares


# --- Time ----------------------------------------------------------------------


def post_sites(session: Session, post: SharedPost) -> list[Centre]:
    """The centres where the holder works for the post: party centres and the
    centres of party employers."""
    centre_ids = {p.centre_id for p in visible_parties(post) if p.centre_id}
    employer_ids = {p.employer_id for p in visible_parties(post) if p.employer_id}
    return list(
        session.scalars(
            select(Centre)
            .where(Centre.id.in_(centre_ids) | Centre.employer_id.in_(employer_ids))
            .order_by(Centre.name)
        )
    )


def add_time_entry(
    session: Session,
    post: SharedPost,
    *,
    centre_id: int,
    work_date: date,
    hours: Decimal,
    note: str = "",
    entered_by: int | None = None,
) -> TimeEntry:
    """Record hours worked for one of the post's centres (source "manual")."""
    if centre_id not in {c.id for c in post_sites(session, post)}:
        raise PostError(_l("Choisissez un des centres du poste."), "centre_id")
    if work_date < post.starts_on or (post.ends_on and work_date > post.ends_on):
        raise PostError(_l("Cette date est en dehors de la période du poste."), "work_date")
    if not Decimal(0) < hours <= 24:
        raise PostError(_l("Indiquez entre 0,25 et 24 heures."), "hours")
    entry = TimeEntry(
        post_id=post.id,
        agreement_id=post.agreement_id,
        centre_id=centre_id,
        work_date=work_date,
        hours=hours,
        source=MANUAL,
        note=note.strip(),
        entered_by_user_id=entered_by,
    )
    session.add(entry)
    session.flush()
    return entry


def manual_hours(session: Session, user_id: int, start: date, end: date) -> dict[int, Decimal]:
    """Hours entered by hand for a person, per centre, over [start, end)."""
    rows = session.execute(
        select(TimeEntry.centre_id, func.sum(TimeEntry.hours))
        .join(SharedPost, SharedPost.id == TimeEntry.post_id)
        .where(
            SharedPost.holder_user_id == user_id,
            TimeEntry.source == MANUAL,
            TimeEntry.work_date >= start,
            TimeEntry.work_date < end,
        )
        .group_by(TimeEntry.centre_id)
    ).all()
    return {centre_id: hours for centre_id, hours in rows}


@dataclass(frozen=True)
class Gauge:
    """One party's month: agreed, scheduled and worked hours, and the drift."""

    party: AgreementParty
    label: str
    agreed: Decimal
    scheduled: Decimal
    worked: Decimal
    reference: Decimal  # what the drift is measured on: worked for a past month, else scheduled
    drift_percent: Decimal | None
    flagged: bool

    def width(self, value: Decimal, scale: Decimal) -> int:
        """Bar width in percent of the widest value of the gauge."""
        return 0 if scale <= 0 else min(int(value * 100 / scale), 100)

    @property
    def scale(self) -> Decimal:
        return max(self.agreed, self.scheduled, self.worked, Decimal(1))


def working_days(first: date, last: date) -> list[date]:
    """Monday to Friday between two dates, both included (public holidays not removed)."""
    days = (last - first).days + 1
    return [d for d in (first + timedelta(n) for n in range(days)) if d.weekday() < 5]


def agreed_hours(post: SharedPost, allocation: PostAllocation, month: date) -> Decimal:
    """Agreed hours of a share in a month: its weekly hours spread over the
    working days (Monday to Friday) of the month it covers."""
    first, last = costing.month_bounds(month)
    days = [d for d in working_days(first, last) if allocation.active_on(d)]
    weekly = allocation.fraction(post.weekly_hours) * post.weekly_hours
    return (weekly * len(days) / 5).quantize(Decimal("0.01"))


def gauges(
    session: Session, post: SharedPost, month: date, today: date
) -> tuple[list[Gauge], dict[str, dict[int, Decimal]]]:
    """Per party: agreed vs scheduled (every source, whole month) vs worked (every
    source, up to today). Drift beyond the post's threshold is flagged."""
    first, last = costing.month_bounds(month)
    end = last + timedelta(days=1)
    scheduled_by_source = hours_by_source(session, post.holder_user_id, first, end)
    worked_end = min(end, today + timedelta(days=1))
    worked_by_source = (
        hours_by_source(session, post.holder_user_id, first, worked_end)
        if worked_end > first
        else {}
    )
    scheduled_by_centre = _sum_sources(scheduled_by_source)
    worked_by_centre = _sum_sources(worked_by_source)

    allocations = allocations_with_parties(session, post)
    sites = post_sites(session, post)
    month_is_past = last < today
    result = []
    for party in visible_parties(post):
        centre_ids = {
            c.id for c in sites if c.id == party.centre_id or c.employer_id == party.employer_id
        }
        agreed = sum(
            (agreed_hours(post, a, month) for a in allocations if a.party_id == party.id),
            Decimal(0),
        )
        scheduled = sum((scheduled_by_centre.get(c, Decimal(0)) for c in centre_ids), Decimal(0))
        worked = sum((worked_by_centre.get(c, Decimal(0)) for c in centre_ids), Decimal(0))
        if not agreed and not scheduled and not worked:
            continue
        reference = worked if month_is_past else scheduled
        drift = (
            None if not agreed else ((reference - agreed) * 100 / agreed).quantize(Decimal("0.1"))
        )
        flagged = (drift is None and reference > 0) or (
            drift is not None and abs(drift) > post.drift_threshold_percent
        )
        result.append(
            Gauge(party, party.label, agreed, scheduled, worked, reference, drift, flagged)
        )
    return result, scheduled_by_source


def _sum_sources(by_source: dict[str, dict[int, Decimal]]) -> dict[int, Decimal]:
    total: dict[int, Decimal] = {}
    for per_centre in by_source.values():
        for centre_id, hours in per_centre.items():
            total[centre_id] = total.get(centre_id, Decimal(0)) + Decimal(hours)
    return total


def time_entries(session: Session, post: SharedPost, month: date) -> list[TimeEntry]:
    """The post's time entries of a month, by day."""
    first, last = costing.month_bounds(month)
    return list(
        session.scalars(
            select(TimeEntry)
            .where(
                TimeEntry.post_id == post.id,
                TimeEntry.work_date >= first,
                TimeEntry.work_date <= last,
            )
            .options(selectinload(TimeEntry.centre))
            .order_by(TimeEntry.work_date, TimeEntry.id)
        )
    )


# --- Legal documents -------------------------------------------------------------

_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
_EXTENSIONS = {extension: content_type for content_type, extension in DOCUMENT_TYPES.items()}
_EXTENSIONS[".jpeg"] = "image/jpeg"


def add_document(
    session: Session,
    post: SharedPost,
    *,
    kind: DocumentKind,
    signed_on: date,
    filename: str,
    data: bytes,
    uploaded_by: int | None = None,
) -> PostDocument:
    """Keep a signed document (PDF, DOCX, ODT, JPEG or PNG, at most 5 Mo)."""
    if not data:
        raise PostError(_l("Le fichier est vide."), "file")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise PostError(_l("Le fichier dépasse 5 Mo."), "file")
    name = (filename or "document").replace("\\", "/").rsplit("/", 1)[-1].strip()[
        :200
    ] or "document"
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = _EXTENSIONS.get(extension)
    if content_type is None or not data.startswith(_SIGNATURES[content_type]):
        raise PostError(
            _l("Formats acceptés : PDF, DOCX, ODT, JPEG ou PNG (le contenu doit correspondre)."),
            "file",
        )
    if signed_on > clock.today() + timedelta(days=1):
        raise PostError(_l("La date de signature ne peut pas être dans le futur."), "signed_on")
    document = PostDocument(
        post_id=post.id,
        agreement_id=post.agreement_id,
        kind=kind,
        signed_on=signed_on,
        filename=name,
        content_type=content_type,
        size_bytes=len(data),
        content=data,
        uploaded_by_user_id=uploaded_by,
    )
    session.add(document)
    session.flush()
    return document


def documents_of(session: Session, post: SharedPost) -> list[PostDocument]:
    """The post's documents (their files stay unloaded until downloaded)."""
    return list(
        session.scalars(
            select(PostDocument)
            .where(PostDocument.post_id == post.id)
            .order_by(PostDocument.kind, PostDocument.signed_on.desc(), PostDocument.id)
        )
    )


@dataclass(frozen=True)
class ChecklistItem:
    label: object
    done: bool | None  # None: not visible to this person
    detail: str = ""


def secondment_checklist(
    session: Session,
    post: SharedPost,
    documents: list[PostDocument],
    allocations: list[PostAllocation],
    *,
    show_costs: bool,
) -> list[ChecklistItem]:
    """What the law asks of a mise à disposition (Code du travail, L8241-2), and
    what is still missing."""
    by_kind = {kind: [d for d in documents if d.kind is kind] for kind in DocumentKind}
    host_parties = [p for p in visible_parties(post) if not p.is_owner]
    hosts_with_share = {a.party_id for a in allocations}
    has_cost = None
    if show_costs:
        has_cost = (
            session.scalar(select(func.count(PostCost.id)).where(PostCost.post_id == post.id)) > 0
        )

    def signed(kind: DocumentKind) -> tuple[bool, str]:
        docs = by_kind[kind]
        if not docs:
            return False, ""
        return True, str(_l("signé le %(day)s", day=format_date(docs[0].signed_on, "long")))

    agreement_done, agreement_detail = signed(DocumentKind.AGREEMENT)
    amendment_done, amendment_detail = signed(DocumentKind.AMENDMENT)
    consent_done, consent_detail = signed(DocumentKind.CONSENT)
    return [
        ChecklistItem(
            _l("Convention de mise à disposition signée entre les employeurs"),
            agreement_done,
            agreement_detail,
        ),
        ChecklistItem(
            _l("Période de la mise à disposition (début et fin)"),
            post.ends_on is not None,
        ),
        ChecklistItem(_l("Missions confiées"), bool(post.tasks)),
        ChecklistItem(
            _l("Durée du travail et part de chaque structure d’accueil"),
            bool(host_parties) and all(p.id in hosts_with_share for p in host_parties),
        ),
        ChecklistItem(_l("Coût refacturé (saisie des coûts réels)"), has_cost),
        ChecklistItem(_l("Assurance"), bool(post.insurance)),
        ChecklistItem(
            _l("Avenant au contrat de travail du salarié"), amendment_done, amendment_detail
        ),
        ChecklistItem(_l("Accord écrit du salarié"), consent_done, consent_detail),
    ]


# --- Costs and statements -----------------------------------------------------------


def set_cost(
    session: Session,
    post: SharedPost,
    *,
    valid_from: date,
    gross_salary: Decimal,
    employer_charges: Decimal,
    travel_expenses: Decimal,
    employment_aid: Decimal,
    entered_by: int | None = None,
) -> PostCost:
    """The real monthly cost from a month on (replaces that month's figures if any)."""
    values = {
        "gross_salary": gross_salary,
        "employer_charges": employer_charges,
        "travel_expenses": travel_expenses,
        "employment_aid": employment_aid,
    }
    for field, value in values.items():
        if value < 0:
            raise PostError(_l("Indiquez un montant positif ou nul."), field)
        if value != value.quantize(costing.CENT):
            raise PostError(_l("Indiquez un montant au centime près."), field)
    month = valid_from.replace(day=1)
    cost = session.scalar(
        select(PostCost).where(PostCost.post_id == post.id, PostCost.valid_from == month)
    )
    if cost is None:
        cost = PostCost(post_id=post.id, agreement_id=post.agreement_id, valid_from=month)
        session.add(cost)
    for field, value in values.items():
        setattr(cost, field, value)
    cost.entered_by_user_id = entered_by
    session.flush()
    return cost


def costs_of(session: Session, post: SharedPost) -> list[PostCost]:
    """The post's cost figures, latest first (empty for who may not read them)."""
    return list(
        session.scalars(
            select(PostCost).where(PostCost.post_id == post.id).order_by(PostCost.valid_from.desc())
        )
    )


def cost_for_month(session: Session, post: SharedPost, month: date) -> PostCost | None:
    """The figures in force for `month`: the latest entered from that month or before."""
    return session.scalar(
        select(PostCost)
        .where(PostCost.post_id == post.id, PostCost.valid_from <= month.replace(day=1))
        .order_by(PostCost.valid_from.desc())
        .limit(1)
    )


def statements_of(session: Session, post: SharedPost) -> list[PostStatement]:
    """The post's statements, latest month and version first."""
    return list(
        session.scalars(
            select(PostStatement)
            .where(PostStatement.post_id == post.id)
            .options(selectinload(PostStatement.issued_by))
            .order_by(PostStatement.month.desc(), PostStatement.version.desc())
        )
    )


def month_shares(
    post: SharedPost, allocations: list[PostAllocation], month: date
) -> dict[int, Fraction]:
    """Each party's exact share of the month (by agreed shares and days covered)."""
    shares: dict[int, Fraction] = {}
    for allocation in allocations:
        fraction = Fraction(allocation.fraction(post.weekly_hours))
        portion = costing.Portion(fraction, allocation.starts_on, allocation.ends_on)
        shares[allocation.party_id] = shares.get(allocation.party_id, Fraction(0)) + (
            costing.month_share([portion], month)
        )
    return shares


def issue_statement(
    session: Session,
    post: SharedPost,
    month: date,
    *,
    issued_by: int | None = None,
    correction_note: str = "",
) -> PostStatement:
    """Issue the cost statement of `month` (a new version if one exists already).

    Each host party is re-invoiced its share of the real cost (gross salary +
    employer charges + professional expenses − employment aid), with no margin;
    the carrying employer bears the remainder; the lines add up to the real cost
    to the cent (see costing.ROUNDING_RULE)."""
    month = month.replace(day=1)
    cost = cost_for_month(session, post, month)
    if cost is None:
        raise PostError(
            _l("Saisissez d’abord le coût réel du poste pour ce mois (rubrique « Coûts »)."),
            "month",
        )
    if month < post.starts_on.replace(day=1) or (post.ends_on and month > post.ends_on):
        raise PostError(_l("Ce mois est en dehors de la période du poste."), "month")
    previous = session.scalar(
        select(PostStatement)
        .where(PostStatement.post_id == post.id, PostStatement.month == month)
        .order_by(PostStatement.version.desc())
        .limit(1)
    )
    statement = PostStatement(
        post_id=post.id,
        agreement_id=post.agreement_id,
        month=month,
        version=previous.version + 1 if previous else 1,
        issued_at=utcnow(),
        issued_by_user_id=issued_by,
        supersedes_id=previous.id if previous else None,
        correction_note=correction_note.strip(),
    )
    session.add(statement)
    session.flush()

    real_cost = cost.real_cost
    session.add(
        PostStatementCost(
            statement_id=statement.id,
            agreement_id=post.agreement_id,
            gross_salary=cost.gross_salary,
            employer_charges=cost.employer_charges,
            travel_expenses=cost.travel_expenses,
            employment_aid=cost.employment_aid,
            real_cost=real_cost,
            basis=costing.BASIS,
            rounding_rule=costing.ROUNDING_RULE,
        )
    )
    parties = visible_parties(post)
    carrier = next(p for p in parties if p.is_owner)
    hosts = [p for p in parties if not p.is_owner]
    by_party = month_shares(post, allocations_with_parties(session, post), month)
    shares = costing.carrier_and_hosts([by_party.get(p.id, Fraction(0)) for p in hosts])
    amounts = costing.split_cost(real_cost, shares)
    for position, (party, share, amount) in enumerate(
        zip([carrier, *hosts], shares, amounts, strict=True)
    ):
        session.add(
            PostStatementLine(
                statement_id=statement.id,
                agreement_id=post.agreement_id,
                party_id=party.id,
                party_name=party.label,
                is_carrier=party.is_owner,
                share=(Decimal(share.numerator) / share.denominator).quantize(Decimal("0.000001")),
                amount=amount,
                position=position,
            )
        )
    session.flush()
    return statement


def ensure_monthly_statement(
    session: Session, post: SharedPost, month: date
) -> PostStatement | None:
    """The statement of `month`, issued once: None if one exists already or no
    cost is known for that month (idempotent, for the monthly task)."""
    month = month.replace(day=1)
    exists = session.scalar(
        select(func.count(PostStatement.id)).where(
            PostStatement.post_id == post.id, PostStatement.month == month
        )
    )
    if exists or cost_for_month(session, post, month) is None:
        return None
    if month < post.starts_on.replace(day=1) or (post.ends_on and month > post.ends_on):
        return None
    return issue_statement(session, post, month)


@dataclass(frozen=True)
class StatementFigures:
    statement: PostStatement
    cost: PostStatementCost
    lines: list[PostStatementLine]

    @property
    def carrier_line(self) -> PostStatementLine:
        return next(line for line in self.lines if line.is_carrier)

    @property
    def host_lines(self) -> list[PostStatementLine]:
        return [line for line in self.lines if not line.is_carrier]

    @property
    def reinvoiced(self) -> Decimal:
        return sum((line.amount for line in self.host_lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def statement_figures(session: Session, statement: PostStatement) -> StatementFigures | None:
    """The amounts of a statement, or None for someone who may not read salary figures."""
    cost = session.get(PostStatementCost, statement.id)
    if cost is None:
        return None
    lines = list(
        session.scalars(
            select(PostStatementLine)
            .where(PostStatementLine.statement_id == statement.id)
            .order_by(PostStatementLine.position)
        )
    )
    return StatementFigures(statement, cost, lines)


def current_version(statements: list[PostStatement], statement: PostStatement) -> bool:
    """Whether no later version of the same month exists among `statements`."""
    return all(
        not (s.month == statement.month and s.version > statement.version) for s in statements
    )
