"""Creating a post and sharing it out: the carrier's network, its partners, and
the dated shares (in % or hours per week) that never add up past full time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ensemble.network.models import Centre, Employer
from ensemble.people.models import User
from ensemble.posts.models import Arrangement, PostAllocation, SharedPost, ShareUnit
from ensemble.posts.operations.common import PostError, Tenant
from ensemble.sharing import operations as sharing
from ensemble.sharing.models import AgreementKind, AgreementParty, PartyStatus


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
    # Under RLS: invisible is None.
    tenant: Tenant | None = (
        session.get(Centre, int(raw_id)) if kind == "c" else session.get(Employer, int(raw_id))
    )
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
