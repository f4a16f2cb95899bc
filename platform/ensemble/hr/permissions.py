"""Who may read and write an employer's HR data: named predicates, one place.

Row-level security stays the backstop: every HR query also runs inside
`operations.employer_scope`, which the database checks."""

from __future__ import annotations

from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext


def serves(ctx: TenantContext | None, employer_id: int) -> bool:
    """The person reads and writes `employer_id`'s HR data (its HR manager or director)."""
    return employer_id in (ctx or context.current()).employer_ids


def serves_any(ctx: TenantContext | None = None) -> bool:
    """The person serves at least one employer (the view across employers, the toolbox)."""
    return bool((ctx or context.current()).employer_ids)
