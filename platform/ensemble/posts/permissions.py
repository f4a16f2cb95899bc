"""Who may do what with a shared post: named predicates, one place.

Views call these instead of testing memberships inline; row-level security stays
the backstop (a predicate never widens what the database shows)."""

from __future__ import annotations

from ensemble.network.models import Centre, Employer
from ensemble.posts.models import SharedPost
from ensemble.posts.operations import can_manage, can_record_time, can_see_costs
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

__all__ = [
    "can_create_post_for",
    "can_manage_post",
    "can_record_time",
    "can_see_costs",
    "carrier_for",
]


def can_manage_post(post: SharedPost, ctx: TenantContext | None = None) -> bool:
    """The carrying side: directors and HR managers of the owner."""
    return can_manage(post, ctx or context.current())


def carrier_for(tenant: Centre | Employer, ctx: TenantContext | None = None) -> Employer | None:
    """The employer that would carry a post created from `tenant`'s pages, if the
    person acts for it (a centre's posts are carried by its employer)."""
    ctx = ctx or context.current()
    employer = tenant if isinstance(tenant, Employer) else tenant.employer
    return employer if employer.id in ctx.employer_ids else None


def can_create_post_for(tenant: Centre | Employer, ctx: TenantContext | None = None) -> bool:
    return carrier_for(tenant, ctx) is not None
