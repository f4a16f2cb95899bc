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

from ensemble import mail
from ensemble.accounts import operations, sessions
from ensemble.accounts.forms import ForgotPasswordForm, ResetPasswordForm, SignInForm
from ensemble.audit.models import AuditAction
from ensemble.audit.operations import record
from ensemble.extensions import db, limiter
from ensemble.tenancy import context, identity
from ensemble.web.safety import safe_next_url

bp = Blueprint("accounts", __name__, template_folder="templates")


def _login_key() -> str:
    email = operations.normalise_email(request.form.get("email", ""))[:254]
    return f"{request.remote_addr}|{email}"


def _failed(response) -> bool:
    # The form re-rendered (200 or 422): a failed attempt. A redirect is a success.
    return request.method == "POST" and response.status_code != 302


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    key_func=_login_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT_PER_IP"],
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-ip",
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.landing"))
    form = SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            sessions.start(user.id)
            login_user(user)
            # Computed now and cached, so the first page after sign-in is served from the cache.
            person = identity.load(db.session, user.id)
            context.activate(person.context, db.session)
            g.tenant_context = person.context
            record(db.session, AuditAction.SIGN_IN, "users", user.id)
            return redirect(safe_next_url(request.args.get("next")) or url_for("home.landing"))
        # One message for the whole form: naming a field would hint at which was wrong.
        form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/sign_in.html", form=form), status


@bp.route("/deconnexion", methods=["POST"])
@login_required
def sign_out():
    record(db.session, AuditAction.SIGN_OUT, "users", current_user.id)
    sessions.end()
    logout_user()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/mot-de-passe/oubli", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="password-forgot")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = operations.find_by_email(db.session, form.email.data)
        if user is not None and user.is_active:
            token = operations.make_reset_token(db.session, user)
            link = url_for("accounts.reset_password", token=token, _external=True)
            mail.send(
                user.email,
                _("Ensemble : réinitialisation de votre mot de passe"),
                render_template("accounts/reset_mail.txt", user=user, link=link),
            )
            with context.using(context.TenantContext(user_id=user.id), db.session):
                record(
                    db.session,
                    AuditAction.PASSWORD_RESET_REQUESTED,
                    "users",
                    user.id,
                    user_id=user.id,
                )
                db.session.flush()
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
        sessions.end_all(user.id)
        flash(_("Votre mot de passe a été changé. Vous pouvez vous connecter."), "success")
        return redirect(url_for("accounts.sign_in"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/reset_password.html", form=form), status
