"""Samples for the route walks: a declaration of the tenant. For a centre, a
draft of its own (its director opens it); for a federation, a declaration one of
its centres submitted (the federation sees submitted ones only)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ensemble.network.models import Centre
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration
from ensemble.tenancy import context

from samples import sample

YEAR = 2024


@sample(Declaration)
def declaration(demo, session, kind, slug, owner_email):
    if kind == "centre":
        centre = demo.centre(slug)
        with context.using(demo.context_of(owner_email), session):
            return reporting.declaration_for(session, centre, YEAR).id
    federation = demo.federation(slug)
    with context.using(context.system_context(is_admin=True), session):
        centre = session.scalar(
            select(Centre).where(Centre.federation_id == federation.id).order_by(Centre.id)
        )
    with context.using(context.system_context(centre_ids=[centre.id]), session):
        found = reporting.declaration_for(session, centre, YEAR)
        if found.status in reporting.EDITABLE:
            reporting.set_values(session, found, {("pe.enfants", ""): Decimal(30)})
            assert reporting.submit(session, found) == []
        return found.id


@sample(Centre, arg="reminded_centre_id")
def reminded_centre(demo, session, kind, slug, owner_email):
    """A centre of the federation (the one its analyst may remind)."""
    assert kind == "federation"
    federation = demo.federation(slug)
    with context.using(context.system_context(is_admin=True), session):
        return session.scalar(
            select(Centre.id)
            .where(Centre.federation_id == federation.id)
            .order_by(Centre.id.desc())
        )
