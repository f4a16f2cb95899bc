"""Who may do what with declarations: named predicates, one place.

Row-level security stays the backstop: a centre sees its own declarations, a
federation those its centres submitted."""

from __future__ import annotations

from ensemble.network.models import Centre
from ensemble.reporting.models import Declaration
from ensemble.reporting.operations import EDITABLE
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext
from ensemble.tenancy.navigation import is_centre_director


def is_director(centre: Centre, ctx: TenantContext | None = None) -> bool:
    """A director of the centre declares, imports, submits and answers for it."""
    return is_centre_director(ctx or context.current(), centre.id)


def can_edit(declaration: Declaration, centre: Centre, ctx: TenantContext | None = None) -> bool:
    """Figures are typed or imported by the centre's directors while the declaration
    is a draft or has been returned with a question."""
    return is_director(centre, ctx) and declaration.status in EDITABLE
