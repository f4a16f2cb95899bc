"""A person's notifications (not tenant pages: they follow the person)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ensemble.extensions import db
from ensemble.kernel.views import act
from ensemble.notifications import forms, operations
from ensemble.notifications.models import Notification
from ensemble.web.safety import safe_next_url

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.app_context_processor
def unread_notifications():
    if current_user and current_user.is_authenticated:
        return {"unread_notifications": operations.unread_count(db.session, current_user.id)}
    return {"unread_notifications": 0}


@bp.route("/notifications")
@login_required
def index():
    items = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc())
        .limit(100)
    ).all()
    form = forms.EmailChoiceForm(
        delivery=forms.DIGEST if current_user.email_digest else forms.IMMEDIATE
    )
    return render_template("notifications/index.html", items=items, email_form=form)


@bp.route("/notifications/courriels", methods=["POST"])
@login_required
def email_choice():
    """Immediate e-mails, or one daily digest of the day's notifications."""
    form = forms.EmailChoiceForm()
    return act(
        form,
        lambda: operations.set_email_digest(
            db.session, current_user.id, form.delivery.data == forms.DIGEST
        ),
        success=_("Votre choix est enregistré."),
        back=url_for("notifications.index"),
    )


@bp.route("/notifications/lues", methods=["POST"])
@login_required
def mark_all_read():
    operations.mark_read(db.session, current_user.id)
    return redirect(safe_next_url(request.form.get("next")) or url_for("notifications.index"))
