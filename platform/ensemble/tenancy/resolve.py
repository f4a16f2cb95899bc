"""Resolving the tenant named in the URL. Anything not visible is a 404,
never a 403: a 403 would confirm that the centre or the object exists."""

from __future__ import annotations

import re
from typing import TypeVar

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ensemble.extensions import db
from ensemble.network.models import Centre, Employer, Federation
from ensemble.tenancy import context

T = TypeVar("T")
# The tenants found by their slug alone (a centre's lookup also loads its employer).
SluggedTenant = TypeVar("SluggedTenant", Employer, Federation)

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
MAX_ID = 2**63 - 1  # bigint


def _by_slug(model: type[SluggedTenant], slug: str) -> SluggedTenant | None:
    if not SLUG.fullmatch(slug):
        return None
    return db.session.scalar(select(model).where(model.slug == slug))


def centre_or_404(slug: str) -> Centre:
    centre = None
    if SLUG.fullmatch(slug):
        # Centre pages show their employer: one query for both.
        centre = db.session.scalar(
            select(Centre).options(joinedload(Centre.employer)).where(Centre.slug == slug)
        )
    if centre is None or centre.id not in context.current().centre_ids:
        abort(404)
    return centre


def employer_or_404(slug: str) -> Employer:
    employer = _by_slug(Employer, slug)
    if employer is None or employer.id not in context.current().employer_ids:
        abort(404)
    return employer


def federation_or_404(slug: str) -> Federation:
    federation = _by_slug(Federation, slug)
    if federation is None or federation.id not in context.current().federation_ids:
        abort(404)
    return federation


def object_or_404(model: type[T], object_id: int, **tenant: int) -> T:
    """Load `model` by id under row-level security and check it belongs to `tenant`
    (e.g. centre_id=…): an id from another tenant, visible or not, is a 404."""
    if not 0 < object_id <= MAX_ID:
        abort(404)
    obj = db.session.get(model, object_id)
    if obj is None or any(getattr(obj, key) != value for key, value in tenant.items()):
        abort(404)
    return obj
