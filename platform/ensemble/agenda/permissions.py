"""Who may do what in the shared calendars: named predicates, one place.

Views call these instead of testing memberships inline; row-level security stays
the backstop (a predicate never widens what the database shows)."""

from __future__ import annotations

from ensemble.agenda.models import Calendar, Event, Request
from ensemble.network.models import Centre
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext


def _ctx(ctx: TenantContext | None) -> TenantContext:
    return ctx or context.current()


def is_director(centre: Centre, ctx: TenantContext | None = None) -> bool:
    return centre.id in _ctx(ctx).director_centre_ids


def can_edit_event(event: Event, ctx: TenantContext | None = None) -> bool:
    """The person whose calendar it is, or a director of the centre it is held at."""
    ctx = _ctx(ctx)
    return event.user_id == ctx.user_id or event.centre_id in ctx.director_centre_ids


def can_ask(centre: Centre, calendar: Calendar, ctx: TenantContext | None = None) -> bool:
    """A director of the centre asks for someone else's time there."""
    ctx = _ctx(ctx)
    return centre.id in ctx.director_centre_ids and calendar.user_id != ctx.user_id


def is_person(calendar_or_request: Calendar | Request, ctx: TenantContext | None = None) -> bool:
    return calendar_or_request.user_id == _ctx(ctx).user_id


def is_requester(item: Request, ctx: TenantContext | None = None) -> bool:
    return item.centre_id in _ctx(ctx).director_centre_ids


def sees_hours_at(calendar: Calendar, centre_id: int, ctx: TenantContext | None = None) -> bool:
    """Whether the reader of a person's calendar sees the hours planned at a
    centre (the agreed-shares table): the person, and the members of that
    centre, who see its events in full. A partner centre's director sees his
    own centre's line only: another's name and hours would say where and how
    much the person works elsewhere (BRIEF §3), as its events would."""
    ctx = _ctx(ctx)
    return calendar.user_id == ctx.user_id or centre_id in ctx.centre_ids
