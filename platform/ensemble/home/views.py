"""The home pages: a person's landing page, a centre's home (and its team), an
employer's and a federation's. Each shows its own basics and the panels that
capabilities register (ensemble.home.panels)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ensemble.audit.models import AuditEntry
from ensemble.extensions import db
from ensemble.home import panels
from ensemble.home.panels import HomePlace, ShownPanel
from ensemble.network.models import Centre
from ensemble.notifications import operations as notifications
from ensemble.people.models import Membership, Role, User
from ensemble.tenancy import context
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import (
    centre_or_404,
    employer_or_404,
    federation_or_404,
    object_or_404,
)
from ensemble.tenancy.switcher import ROLE_LABELS, current_places
from ensemble.tenancy.urls import object_arg
from ensemble.web import page_cache

bp = Blueprint("home", __name__, template_folder="templates")
object_arg("membership_id", Membership)
section("centre", _l("Accueil du centre"), "home.centre_home", order=0)
section("employer", _l("Accueil de l’employeur"), "home.employer_home", order=0)
section("federation", _l("Le réseau"), "home.federation_home", order=0)


def _place(kind: str, tenant_id: int | None = None, slug: str | None = None) -> HomePlace:
    return HomePlace(kind, tenant_id, slug, current_user.id, context.current())


def _panels(kind: str, tenant_id: int | None = None, slug: str | None = None) -> list[ShownPanel]:
    return panels.panels_for(_place(kind, tenant_id, slug))


@bp.route("/")
@login_required
def landing():
    """A person with one place lands on it: there is nothing to choose."""
    places = current_places()
    if len(places) == 1:
        return redirect(places[0].url)
    return render_template("home/index.html", panels=_panels("person"))


WAITING_SHOWN = 6


def _waiting(place: HomePlace) -> dict | None:
    """What waits for the reader: their unread notifications, newest first, each
    leading to its object (on every home page, above the capabilities' panels)."""
    items = notifications.unread(db.session, place.user_id, limit=WAITING_SHOWN + 1)
    return {
        "items": items[:WAITING_SHOWN],
        "more": len(items) > WAITING_SHOWN,
        "total": notifications.unread_count(db.session, place.user_id),
    }


for _kind in panels.KINDS:
    panels.home_panel(
        _kind,
        f"home.waiting.{_kind}",
        "home/_waiting.html",
        order=0,
        versions=lambda place: [f"notifications:{place.user_id}"],
    )(_waiting)


def _home_versions(centre_slug: str) -> list[str] | None:
    """A member's centre home shows the directory, the centre's recent activity,
    the person's notifications and the panels' own versions; anyone else's view,
    or a page with a panel that names no version, is not cached."""
    place = next(
        (p for p in current_places() if p.kind == "centre" and p.slug == centre_slug), None
    )
    if place is None:
        return None
    extra = panels.versions_for(_place("centre", place.tenant_id, centre_slug))
    if extra is None:
        return None
    return [f"centre-activity:{place.tenant_id}", f"notifications:{current_user.id}", *extra]


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
        "home/centre.html",
        centre=centre,
        team=team,
        role_labels=ROLE_LABELS,
        is_director=is_director,
        recent=recent,
        current_user=current_user,
        panels=_panels("centre", centre.id, centre.slug),
    )


@bp.route("/c/<centre_slug>/equipe/<int:membership_id>")
@login_required
def member(centre_slug: str, membership_id: int):
    centre = centre_or_404(centre_slug)
    membership = object_or_404(Membership, membership_id, centre_id=centre.id)
    return render_template(
        "home/member.html", centre=centre, membership=membership, role_labels=ROLE_LABELS
    )


@bp.route("/e/<employer_slug>/")
@login_required
def employer_home(employer_slug: str):
    employer = employer_or_404(employer_slug)
    centres = db.session.scalars(
        select(Centre).where(Centre.employer_id == employer.id).order_by(Centre.name)
    ).all()
    hr_managers = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.employer_id == employer.id, Membership.role == Role.HR_MANAGER)
        .order_by(User.full_name)
    ).all()
    return render_template(
        "home/employer.html",
        employer=employer,
        centres=centres,
        hr_managers=hr_managers,
        is_director=employer.id in context.current().director_employer_ids,
        panels=_panels("employer", employer.id, employer.slug),
    )


@bp.route("/f/<federation_slug>/")
@login_required
def federation_home(federation_slug: str):
    federation = federation_or_404(federation_slug)
    centres, cities = db.session.execute(
        select(func.count(Centre.id), func.count(func.distinct(Centre.city))).where(
            Centre.federation_id == federation.id
        )
    ).one()
    return render_template(
        "home/federation.html",
        federation=federation,
        centres=centres,
        cities=cities,
        panels=_panels("federation", federation.id, federation.slug),
    )
