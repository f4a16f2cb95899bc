"""The sections of a tenant's pages, registered by each capability.

A capability adds its entry next to its views (`section("centre", …)`); the
base layout lists the sections of the place named in the URL, so no template
has to know which capabilities exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext


@dataclass(frozen=True)
class Section:
    kind: str  # "centre", "employer" or "federation"
    label: object
    endpoint: str
    order: int
    visible: Callable[[TenantContext, int], bool]

    def url(self, slug: str) -> str:
        arg = {
            "centre": "centre_slug",
            "employer": "employer_slug",
            "federation": "federation_slug",
        }[self.kind]
        values: dict[str, Any] = {arg: slug}
        return url_for(self.endpoint, **values)


SECTIONS: list[Section] = []


def _always(ctx: TenantContext, tenant_id: int) -> bool:  # noqa: ARG001
    return True


def section(
    kind: str,
    label: object,
    endpoint: str,
    *,
    order: int = 50,
    visible: Callable[[TenantContext, int], bool] = _always,
) -> None:
    """Register a link shown on every page of a tenant of `kind`.
    `visible(ctx, tenant_id)` hides it from those who may not open it."""
    if any(s.endpoint == endpoint for s in SECTIONS):
        return
    SECTIONS.append(Section(kind, label, endpoint, order, visible))
    SECTIONS.sort(key=lambda s: (s.order, str(s.label)))


def sections_for(kind: str, tenant_id: int) -> list[Section]:
    ctx = context.current()
    return [s for s in SECTIONS if s.kind == kind and s.visible(ctx, tenant_id)]


def is_centre_director(ctx: TenantContext, centre_id: int) -> bool:
    return centre_id in ctx.director_centre_ids


def is_employer_director(ctx: TenantContext, employer_id: int) -> bool:
    return employer_id in ctx.director_employer_ids
