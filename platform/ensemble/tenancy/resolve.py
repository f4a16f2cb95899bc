"""Resolving the tenant named in the URL. Anything not visible is a 404,
never a 403: a 403 would confirm that the centre or the object exists."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import select

from ensemble.extensions import db
from ensemble.network.models import Centre, Employer, Federation
from ensemble.tenancy import context

T = TypeVar("T")


def centre_or_404(slug: str) -> Centre:
    centre = db.session.scalar(select(Centre).where(Centre.slug == slug))
    if centre is None or centre.id not in context.current().centre_ids:
        abort(404)
    return centre


def employer_or_404(slug: str) -> Employer:
    employer = db.session.scalar(select(Employer).where(Employer.slug == slug))
    if employer is None or employer.id not in context.current().employer_ids:
        abort(404)
    return employer


def federation_or_404(slug: str) -> Federation:
    federation = db.session.scalar(select(Federation).where(Federation.slug == slug))
    if federation is None or federation.id not in context.current().federation_ids:
        abort(404)
    return federation


def object_or_404(model: type[T], object_id: int, **tenant: int) -> T:
    """Load `model` by id under row-level security and check it belongs to `tenant`
    (e.g. centre_id=…): an id from another tenant, visible or not, is a 404."""
    obj = db.session.get(model, object_id)
    if obj is None or any(getattr(obj, key) != value for key, value in tenant.items()):
        abort(404)
    return obj
