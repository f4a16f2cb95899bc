"""Sign-in, sign-out and password reset. Thin: the logic is in operations."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ensemble.accounts import operations, sessions, throttle
from ensemble.accounts.forms import ForgotPasswordForm, ResetPasswordForm, SignInForm
from ensemble.accounts.tasks import SEND_RESET_LINK
from ensemble.audit.models import AuditAction
from ensemble.audit.operations import record
from ensemble.celery_app import enqueue_after_commit
from ensemble.extensions import db, limiter
from ensemble.tenancy import context, identity
from ensemble.web.safety import safe_next_url

bp = Blueprint("accounts", __name__, template_folder="templates")


def _device() -> str | None:
    return request.cookies.get(throttle.DEVICE_COOKIE)


@bp.route("/connexion", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.landing"))
    form = SignInForm()
    if form.validate_on_submit():
        email, address = form.email.data, request.remote_addr
        verdict = throttle.check(email, address, device=_device())
        if not verdict.allowed:
            # Refused before the password is checked: a guess made now learns nothing.
            form.form_errors.append(verdict.message())
            response = current_app.make_response(
                (render_template("accounts/sign_in.html", form=form), 429)
            )
            response.headers["Retry-After"] = str(verdict.retry_after)
            return response
        user = operations.authenticate(db.session, email, form.password.data)
        if user is not None:
            sessions.start(db.session, user.id)
            login_user(user)
            # Computed now and cached, so the first page after sign-in is served from the cache.
            person = identity.load(db.session, user.id)
            context.activate(person.context, db.session)
            g.tenant_context = person.context
            record(db.session, AuditAction.SIGN_IN, "users", user.id)
            response = redirect(safe_next_url(request.args.get("next")) or url_for("home.landing"))
            _remember_device(response, user.email)
            return response
        throttle.failed(email, address, device=_device())
        # One message for the whole form: naming a field would hint at which was wrong.
        form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/sign_in.html", form=form), status


def _remember_device(response, email: str) -> None:
    """This browser signed in: its later attempts on this account get their own count."""
    token = _device()
    if token and throttle.device_id(token, throttle.account_key(email)):
        return
    config = current_app.config
    response.set_cookie(
        throttle.DEVICE_COOKIE,
        throttle.device_token(email),
        max_age=throttle.DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        secure=config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
        path=url_for("accounts.sign_in"),
    )


@bp.route("/deconnexion", methods=["POST"])
@login_required
def sign_out():
    record(db.session, AuditAction.SIGN_OUT, "users", current_user.id)
    sessions.end(db.session, current_user.id)
    logout_user()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/mot-de-passe/oubli", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="password-forgot")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same work whatever the address: no lookup here, one task queued after
        # the commit. Whether an account exists is found out by the worker only.
        enqueue_after_commit(
            db.session,
            SEND_RESET_LINK,
            operations.normalise_email(form.email.data),
            (request.remote_addr or "")[:45],
        )
        # Same answer whether or not the account exists.
        flash(
            _(
                "Si un compte existe pour cette adresse, un lien de réinitialisation vient "
                "d’y être envoyé. Il est valable une heure."
            ),
            "info",
        )
        return redirect(url_for("accounts.sign_in"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        operations.check_reset_token(db.session, token)
    except operations.InvalidResetLink:
        return render_template("accounts/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = operations.reset_password(db.session, token, form.password.data)
        sessions.end_all(db.session, user.id)
        flash(_("Votre mot de passe a été changé. Vous pouvez vous connecter."), "success")
        return redirect(url_for("accounts.sign_in"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/reset_password.html", form=form), status
