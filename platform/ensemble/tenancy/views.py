"""Landing page and centre pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ensemble.accounts.models import Membership, User
from ensemble.audit.models import AuditEntry
from ensemble.extensions import db
from ensemble.tenancy import context
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import centre_or_404, object_or_404
from ensemble.tenancy.switcher import ROLE_LABELS, current_places
from ensemble.tenancy.urls import object_arg
from ensemble.web import page_cache

bp = Blueprint("tenancy", __name__, template_folder="templates")
object_arg("membership_id", Membership)
section("centre", _l("Accueil du centre"), "tenancy.centre_home", order=0)


@bp.route("/")
@login_required
def home():
    return render_template("tenancy/home.html")


def _home_versions(centre_slug: str) -> list[str] | None:
    """A member's centre home shows the directory, the centre's recent activity and
    the person's notifications; anyone else's view is not cached."""
    place = next(
        (p for p in current_places() if p.kind == "centre" and p.slug == centre_slug), None
    )
    if place is None:
        return None
    return [f"centre-activity:{place.tenant_id}", f"notifications:{current_user.id}"]


@bp.route("/c/<centre_slug>/")
@login_required
@page_cache.cached(_home_versions)
def centre_home(centre_slug: str):
    centre = centre_or_404(centre_slug)
    team = db.session.execute(
        select(Membership, User)
        .join(User, Membership.user_id == User.id)
        .where(Membership.centre_id == centre.id)
        .order_by(User.full_name)
    ).all()
    is_director = centre.id in context.current().director_centre_ids
    recent = []
    if is_director:
        recent = db.session.scalars(
            select(AuditEntry)
            .options(joinedload(AuditEntry.user))
            .where(AuditEntry.centre_id == centre.id)
            .order_by(AuditEntry.occurred_at.desc())
            .limit(5)
        ).all()
    return render_template(
        "tenancy/centre_home.html",
        centre=centre,
        team=team,
        role_labels=ROLE_LABELS,
        is_director=is_director,
        recent=recent,
        current_user=current_user,
    )


@bp.route("/c/<centre_slug>/equipe/<int:membership_id>")
@login_required
def member(centre_slug: str, membership_id: int):
    centre = centre_or_404(centre_slug)
    membership = object_or_404(Membership, membership_id, centre_id=centre.id)
    return render_template(
        "tenancy/member.html", centre=centre, membership=membership, role_labels=ROLE_LABELS
    )
