"""Who may do what in a joint answer: named predicates, one place.

Views call these instead of testing memberships inline; row-level security stays
the backstop (a predicate never widens what the database shows)."""

from __future__ import annotations

from ensemble.aap.models import AapAnswer, AapCall
from ensemble.aap.operations import (
    can_approve_section,
    can_assign_writer,
    can_write_section,
    is_lead_director,
    party_for,
)
from ensemble.network.models import Centre
from ensemble.sharing.models import PartyStatus
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

__all__ = [
    "can_approve_section",
    "can_assign_writer",
    "can_correct_call",
    "can_edit_budget",
    "can_start_answer",
    "can_write_section",
    "is_director",
    "is_lead_director",
]


def _ctx(ctx: TenantContext | None) -> TenantContext:
    return ctx or context.current()


def is_director(centre: Centre, ctx: TenantContext | None = None) -> bool:
    """A director of `centre`: publishes calls, starts answers for it."""
    return centre.id in _ctx(ctx).director_centre_ids


can_start_answer = is_director


def can_correct_call(call: AapCall | None, centre: Centre, ctx: TenantContext | None = None):
    """A call is corrected or withdrawn by the directors of the centre that published it."""
    return call is not None and call.centre_id == centre.id and is_director(centre, ctx)


def can_edit_budget(answer: AapAnswer, centre: Centre, ctx: TenantContext | None = None) -> bool:
    """A member of an active party writes its own budget lines while the answer is open."""
    party = party_for(answer, centre)
    return (
        answer.is_open
        and party is not None
        and party.status is PartyStatus.ACTIVE
        and centre.id in _ctx(ctx).centre_ids
    )


def can_delete_lines(answer: AapAnswer, centre: Centre, ctx: TenantContext | None = None) -> bool:
    return answer.is_open and centre.id in _ctx(ctx).centre_ids
