"""From a person's memberships to the tenant context of their requests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from ensemble.db import SessionLike
from ensemble.network.models import Centre
from ensemble.people.models import Membership, Role
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext


def context_for_user(session: SessionLike, user_id: int) -> TenantContext:
    """Two bounded queries whatever the size of the network: memberships, then their centres."""
    context.activate(TenantContext(user_id=user_id), session)
    rows = session.execute(
        select(
            Membership.role, Membership.centre_id, Membership.employer_id, Membership.federation_id
        ).where(Membership.user_id == user_id)
    ).all()
    return _derive(session, user_id, rows)


def context_of_centre(session: SessionLike, centre_id: int) -> TenantContext:
    """What a director of this centre works with there, and nothing of their other
    places: what is shown in the centre's name without a person (its calendar feed)
    follows the same rule as its directors' pages, through the same derivation. In
    particular a centre takes part in agreements through its employer too."""
    as_director = [_Row(Role.DIRECTOR, centre_id, None, None)]
    return _derive(session, None, as_director)


@dataclass(frozen=True)
class _Row:
    role: Role
    centre_id: int | None
    employer_id: int | None
    federation_id: int | None


def _derive(session: SessionLike, user_id: int | None, rows) -> TenantContext:
    """From roles in places to the scopes of a transaction: the one rule, for people
    and for centres."""
    centre_ids = {r.centre_id for r in rows if r.centre_id}
    director_centre_ids = {r.centre_id for r in rows if r.role == Role.DIRECTOR}
    hr_employer_ids = {r.employer_id for r in rows if r.employer_id}
    federation_ids = {r.federation_id for r in rows if r.federation_id}
    is_admin = any(r.role == Role.ADMIN for r in rows)

    partial = TenantContext(
        user_id=user_id,
        centre_ids=frozenset(centre_ids),
        employer_ids=frozenset(hr_employer_ids),
        federation_ids=frozenset(federation_ids),
        is_admin=is_admin,
    )
    context.activate(partial, session)
    centres = session.execute(
        select(Centre.id, Centre.employer_id, Centre.federation_id).where(
            or_(Centre.id.in_(centre_ids), Centre.employer_id.in_(hr_employer_ids))
        )
    ).all()
    director_employer_ids = {c.employer_id for c in centres if c.id in director_centre_ids}
    network_ids = {c.federation_id for c in centres} | federation_ids
    return TenantContext(
        user_id=user_id,
        centre_ids=frozenset(centre_ids),
        director_centre_ids=frozenset(director_centre_ids),
        employer_ids=frozenset(hr_employer_ids | director_employer_ids),
        director_employer_ids=frozenset(director_employer_ids),
        federation_ids=frozenset(federation_ids),
        network_ids=frozenset(network_ids),
        is_admin=is_admin,
    )
