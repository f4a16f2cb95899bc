"""What federation reporting puts on the home pages (ensemble.home.panels): a
centre's director sees where the year's declaration stands and what it waits
for; the federation's analyst sees the campaign's progress, the declarations
to review and the centres that have not declared yet."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import joinedload, object_session

from ensemble import cache_versions
from ensemble.extensions import db
from ensemble.home.panels import HomePlace, home_panel
from ensemble.network.models import Centre
from ensemble.reporting import dashboard, forms
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration, Status
from ensemble.reporting.views.common import _campaign_year

SHOWN = 10


def declaration_version(centre_id: int) -> str:
    return f"reporting-declaration:{centre_id}"


@event.listens_for(Declaration, "after_insert")
@event.listens_for(Declaration, "after_update")
def _declaration_changed(mapper, connection, target: Declaration) -> None:  # noqa: ARG001
    """The centre's home shows the declaration's state: a change is a new version."""
    session = object_session(target)
    if session is not None:
        cache_versions.bump_after_commit(session, [declaration_version(target.centre_id)])


@home_panel(
    "centre",
    "reporting.declaration",
    "reporting/_home_centre.html",
    order=30,
    versions=lambda place: [declaration_version(place.tenant_id or 0)],
)
def centre_declaration(place: HomePlace) -> dict | None:
    assert place.tenant_id is not None
    if place.tenant_id not in place.context.director_centre_ids:
        return None
    year = _campaign_year()
    centre = db.session.get_one(Centre, place.tenant_id)  # loaded by the page already
    # The year's declaration and whether its campaign is closed, in one statement.
    closed = func.app_campaign_closed(centre.federation_id, year).label("closed")
    declaration, is_closed = db.session.execute(
        select(Declaration, closed)
        .select_from(select(closed).subquery())
        .outerjoin(
            Declaration,
            (Declaration.centre_id == place.tenant_id) & (Declaration.year == year),
        )
    ).one()
    if declaration is not None and declaration.status is Status.VALIDATED:
        return None
    if declaration is None and is_closed:
        return None
    return {"year": year, "declaration": declaration, "status": Status}


@home_panel("federation", "reporting.campaign", "reporting/_home_federation.html", order=20)
def federation_campaign(place: HomePlace) -> dict | None:
    assert place.tenant_id is not None
    if place.tenant_id not in place.context.federation_ids:
        return None
    year = _campaign_year()
    progress = dashboard.completeness(db.session, place.tenant_id, year)
    to_review = list(
        db.session.scalars(
            select(Declaration)
            .options(joinedload(Declaration.centre))
            .where(
                Declaration.federation_id == place.tenant_id,
                Declaration.year == year,
                Declaration.status == Status.SUBMITTED,
            )
            .order_by(Declaration.submitted_at, Declaration.id)
            .limit(SHOWN)
        )
    )
    missing = reporting.missing_centres(db.session, place.tenant_id, year, limit=SHOWN)
    return {
        "year": year,
        "progress": progress,
        "to_review": to_review,
        "missing": missing,
        "closed": progress.closed,
        "remind_form": forms.ActionForm(),
    }
