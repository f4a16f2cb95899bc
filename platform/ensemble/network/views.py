"""Employer and federation home pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import func, select

from ensemble.accounts.models import Membership, Role, User
from ensemble.extensions import db
from ensemble.network.models import Centre
from ensemble.tenancy import context
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import employer_or_404, federation_or_404

bp = Blueprint("network", __name__, template_folder="templates")
section("employer", _l("Accueil de l’employeur"), "network.employer_home", order=0)
section("federation", _l("Le réseau"), "network.federation_home", order=0)


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
        "network/employer_home.html",
        employer=employer,
        centres=centres,
        hr_managers=hr_managers,
        is_director=employer.id in context.current().director_employer_ids,
    )


@bp.route("/f/<federation_slug>/")
@login_required
def federation_home(federation_slug: str):
    federation = federation_or_404(federation_slug)
    by_city = db.session.execute(
        select(Centre.city, func.count(Centre.id))
        .where(Centre.federation_id == federation.id)
        .group_by(Centre.city)
        .order_by(Centre.city)
    ).all()
    return render_template("network/federation_home.html", federation=federation, by_city=by_city)
