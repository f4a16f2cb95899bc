"""Shared posts: creating them, sharing them out, recording time, costs and
documents, issuing cost statements. Flush, never commit.

Refusals raise `PostError` with a French message and the form field it is about.

One module per part (reading, allocations, hours, documents, statements; what
they share in `common`). Every public name is re-exported here, so callers
write `from ensemble.posts import operations as posts`.
"""

from __future__ import annotations

# Read by the upload form's limit, as it was when this package was one module.
from ensemble.posts.models import MAX_DOCUMENT_BYTES
from ensemble.posts.operations.allocations import (
    add_allocation,
    allocations_with_parties,
    create_post,
    network_federation_ids,
    partner_choices,
    resolve_partner,
    sites_of,
)
from ensemble.posts.operations.common import DOCX, MANUAL, PostError, Tenant
from ensemble.posts.operations.documents import (
    ChecklistItem,
    add_document,
    documents_of,
    secondment_checklist,
)
from ensemble.posts.operations.hours import (
    Gauge,
    add_time_entry,
    agreed_share,
    gauges,
    manual_hours,
    post_sites,
    time_entries,
)
from ensemble.posts.operations.notices import statement_seen
from ensemble.posts.operations.reading import (
    can_manage,
    can_record_time,
    can_see_costs,
    carrier_of,
    posts_of,
    takes_part,
    visible_parties,
)
from ensemble.posts.operations.statements import (
    StatementFigures,
    cost_for_month,
    costs_of,
    current_version,
    ensure_monthly_statement,
    issue_statement,
    month_shares,
    set_cost,
    statement_figures,
    statements_of,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "ChecklistItem",
    "DOCX",
    "Gauge",
    "MANUAL",
    "PostError",
    "StatementFigures",
    "Tenant",
    "add_allocation",
    "add_document",
    "add_time_entry",
    "agreed_share",
    "allocations_with_parties",
    "can_manage",
    "can_record_time",
    "can_see_costs",
    "carrier_of",
    "cost_for_month",
    "costs_of",
    "create_post",
    "current_version",
    "documents_of",
    "ensure_monthly_statement",
    "gauges",
    "issue_statement",
    "manual_hours",
    "month_shares",
    "network_federation_ids",
    "partner_choices",
    "post_sites",
    "posts_of",
    "resolve_partner",
    "secondment_checklist",
    "set_cost",
    "sites_of",
    "statement_figures",
    "statements_of",
    "statement_seen",
    "takes_part",
    "time_entries",
    "visible_parties",
]
