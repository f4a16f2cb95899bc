"""Who may do what with actions: named predicates, one place.

Row-level security stays the backstop (a predicate never widens what the
database shows)."""

from __future__ import annotations

from ensemble.activity.models import Action, ActionSession
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext


def _ctx(ctx: TenantContext | None) -> TenantContext:
    return ctx or context.current()


def can_manage(centre_id: int, ctx: TenantContext | None = None) -> bool:
    """Directors create and change the centre's actions and plan their sessions."""
    return centre_id in _ctx(ctx).director_centre_ids


def can_edit(action: Action, ctx: TenantContext | None = None) -> bool:
    return can_manage(action.centre_id, ctx)


def can_record(act_session: ActionSession, ctx: TenantContext | None = None) -> bool:
    """Any member of the centre records a session's attendance: the animator who
    ran it first of all, or a colleague or the director in their stead."""
    return act_session.centre_id in _ctx(ctx).centre_ids


def can_register(action: Action, ctx: TenantContext | None = None) -> bool:
    """Members of the centre put participants on an action's list."""
    return action.centre_id in _ctx(ctx).centre_ids
