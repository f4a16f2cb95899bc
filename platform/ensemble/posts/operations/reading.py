"""Reading posts: who takes part, who manages a post, who may see its costs or
record its time."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ensemble.network.models import Centre, Employer
from ensemble.posts.models import SharedPost
from ensemble.posts.operations.common import Tenant
from ensemble.sharing.models import VISIBLE_STATUSES, Agreement, AgreementParty
from ensemble.tenancy.context import TenantContext


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


def carrier_of(post: SharedPost) -> Employer | Centre | None:
    """The owner of the post's agreement: the employer that carries the post
    (None for a reader from whom row-level security hides it)."""
    return post.agreement.owner_employer or post.agreement.owner_centre
