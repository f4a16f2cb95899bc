"""Account work done by the workers: the password-reset mail.

The reset request itself does no work that depends on the account (see
accounts.views.forgot_password): it queues `send_reset_link` with the address
typed, whatever it is. Looking the account up, signing the token, writing the
audit entry and talking to the mail server all happen here, where neither
their duration nor their failure can tell the visitor whether the account
exists.
"""

from __future__ import annotations

from celery import shared_task
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ensemble import mail
from ensemble.accounts import operations
from ensemble.audit.models import AuditAction
from ensemble.audit.operations import record
from ensemble.extensions import db
from ensemble.tenancy import context
from ensemble.web.urls import external_url

SEND_RESET_LINK = "ensemble.accounts.send_reset_link"


@shared_task(name=SEND_RESET_LINK)
def send_reset_link(email: str, requested_from: str = "") -> bool:
    """Mail a reset link if `email` names an active account; True if one was sent.
    `requested_from` is the address the request came from, for the audit log."""
    user = operations.find_by_email(db.session, email)
    if user is None or not user.is_active:
        return False
    token = operations.make_reset_token(db.session, user)
    # From PUBLIC_URL: the request's Host header never reaches this link.
    link = external_url("accounts.reset_password", token=token)
    with force_locale(user.locale or "fr"):
        subject = _("Ensemble : réinitialisation de votre mot de passe")
        # No request here: the template alone, without the pages' context processors.
        template = current_app.jinja_env.get_template("accounts/reset_mail.txt")
        body = template.render(user=user, link=link)
    with context.using(context.TenantContext(user_id=user.id), db.session):
        record(
            db.session,
            AuditAction.PASSWORD_RESET_REQUESTED,
            "users",
            user.id,
            user_id=user.id,
            details={"requested_from": requested_from[:45]},
        )
        db.session.flush()
    # Delivered by its own task once this one commits, with its own retries.
    mail.send_after_commit(db.session, user.email, subject, body)
    return True
