"""Reading the audit log: a tenant's director reads its entries, admins read all."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ensemble.audit.labels import label_for, sentence
from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.extensions import db
from ensemble.tenancy import context
from ensemble.tenancy.navigation import is_centre_director, is_employer_director, section
from ensemble.tenancy.resolve import MAX_ID, centre_or_404, employer_or_404, object_or_404
from ensemble.tenancy.urls import object_arg

bp = Blueprint("audit", __name__, template_folder="templates")
object_arg("entry_id", AuditEntry)
section("centre", _l("Journal"), "audit.centre_log", order=90, visible=is_centre_director)
section("employer", _l("Journal"), "audit.employer_log", order=90, visible=is_employer_director)

ACTION_LABELS = {
    AuditAction.CREATE: _l("Création"),
    AuditAction.UPDATE: _l("Modification"),
    AuditAction.DELETE: _l("Suppression"),
    AuditAction.READ: _l("Consultation"),
    AuditAction.SIGN_IN: _l("Connexion"),
    AuditAction.SIGN_OUT: _l("Déconnexion"),
    AuditAction.PASSWORD_RESET_REQUESTED: _l("Demande de nouveau mot de passe"),
    AuditAction.PASSWORD_CHANGED: _l("Mot de passe changé"),
}


@bp.app_context_processor
def labels():
    return {
        "action_labels": ACTION_LABELS,
        "object_label": label_for,
        "audit_sentence": lambda entry: sentence(
            ACTION_LABELS[entry.action],
            entry.object_type,
            entry.user.full_name if entry.user else None,
        ),
    }


PAGE_SIZE = 50


def _page(**tenant: int) -> tuple[list[AuditEntry], int | None]:
    """Newest first, by keyset (`?avant=<id>`), so deep pages stay fast."""
    query = select(AuditEntry).options(joinedload(AuditEntry.user))
    for key, value in tenant.items():
        query = query.where(getattr(AuditEntry, key) == value)
    before = request.args.get("avant", type=int)
    if before and 0 < before <= MAX_ID:
        query = query.where(AuditEntry.id < before)
    entries = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)).all()
    next_before = entries[PAGE_SIZE - 1].id if len(entries) > PAGE_SIZE else None
    return list(entries[:PAGE_SIZE]), next_before


def _centre_for_director(slug: str):
    centre = centre_or_404(slug)
    if centre.id not in context.current().director_centre_ids:
        abort(404)
    return centre


def _employer_for_director(slug: str):
    employer = employer_or_404(slug)
    if employer.id not in context.current().director_employer_ids:
        abort(404)
    return employer


@bp.route("/c/<centre_slug>/journal")
@login_required
def centre_log(centre_slug: str):
    centre = _centre_for_director(centre_slug)
    entries, next_before = _page(centre_id=centre.id)
    return render_template(
        "audit/log.html",
        tenant=centre,
        tenant_kind="centre",
        entries=entries,
        next_before=next_before,
    )


@bp.route("/c/<centre_slug>/journal/<int:entry_id>")
@login_required
def centre_entry(centre_slug: str, entry_id: int):
    centre = _centre_for_director(centre_slug)
    entry = object_or_404(AuditEntry, entry_id, centre_id=centre.id)
    return render_template("audit/entry.html", tenant=centre, tenant_kind="centre", entry=entry)


@bp.route("/e/<employer_slug>/journal")
@login_required
def employer_log(employer_slug: str):
    employer = _employer_for_director(employer_slug)
    entries, next_before = _page(employer_id=employer.id)
    return render_template(
        "audit/log.html",
        tenant=employer,
        tenant_kind="employer",
        entries=entries,
        next_before=next_before,
    )


@bp.route("/e/<employer_slug>/journal/<int:entry_id>")
@login_required
def employer_entry(employer_slug: str, entry_id: int):
    employer = _employer_for_director(employer_slug)
    entry = object_or_404(AuditEntry, entry_id, employer_id=employer.id)
    return render_template("audit/entry.html", tenant=employer, tenant_kind="employer", entry=entry)


@bp.route("/admin/journal")
@login_required
def admin_log():
    if not context.current().is_admin:
        abort(404)
    entries, next_before = _page()
    return render_template(
        "audit/log.html",
        tenant=None,
        tenant_kind="admin",
        entries=entries,
        next_before=next_before,
    )
