"""The one form-view helper: validate, call the operation, refuse or redirect.

    form = forms.PostForm()
    done, post = attempt(form, lambda: posts.create_post(db.session, …))
    if done:
        flash(_("Le poste est créé."), "success")
        return redirect(…)
    return page("posts/new.html", form=form, …)

- `attempt(form, action)` validates the form and, if it is valid, runs `action`
  in a savepoint. A `Refusal(message, field)` raised by the action rolls back
  what it had flushed and becomes an error of that field (or of the form when
  the field is not one of the form's). Returns `(True, result)` or `(False, None)`.
- `page(template, **context)` renders: status 422 after a refused POST (the form
  is shown again with its errors), 200 otherwise.
- `form_page(…)` is the two together, with the flash and the redirect.
- `act(form, action, success=…, back=…, next_url=…)` is for buttons posted from
  another page (submit, invite, move…): the outcome is flashed and the person
  sent on (`next_url`) or `back`; on refusal nothing of the request is kept.
- `require(allowed)` is a 404 when not allowed: a page one may not use does not
  exist for them (a 403 would confirm it exists).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ensemble.extensions import db
from ensemble.kernel.refusal import Refusal

T = TypeVar("T")

REFUSED_STATUS = 422


def require(allowed: object) -> None:
    """Abort with a 404 unless `allowed`."""
    if not allowed:
        abort(404)


def refuse(form, refusal: Refusal) -> None:
    """Show `refusal` on its field, or on the form when it names no field of it."""
    field = form._fields.get(refusal.field) if refusal.field else None
    if field is None or field.name == "csrf_token" or field.type == "HiddenField":
        form.form_errors.append(refusal.message)
    else:
        field.errors = [*field.errors, refusal.message]


def attempt(form, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Validate `form` (a POST with a valid CSRF token); run `action` if valid.
    A Refusal rolls back what the action flushed and is shown on the form."""
    if not form.validate_on_submit():
        return False, None
    return _run(form, action)


def _run(form, action: Callable[[], T]) -> tuple[bool, T | None]:
    savepoint = db.session.begin_nested()
    try:
        result = action()
        db.session.flush()
    except Refusal as refusal:
        savepoint.rollback()
        refuse(form, refusal)
        return False, None
    savepoint.commit()
    return True, result


def page(template: str, status: int | None = None, **context: Any) -> ResponseReturnValue:
    """Render a form page: 422 when a POST comes back to it (refused), 200 on GET."""
    if status is None:
        status = REFUSED_STATUS if request.method == "POST" else 200
    return render_template(template, **context), status


def _resolve(value, result):
    return value(result) if callable(value) else value


def form_page(
    form,
    action: Callable[[], T],
    *,
    template: str,
    success: str | Callable[[T], str] | None,
    next_url: str | Callable[[T], str],
    context: dict | Callable[[], dict] | None = None,
) -> ResponseReturnValue:
    """GET shows the form; a valid POST runs `action`, flashes `success` and
    redirects to `next_url`; anything else shows the form again with its errors."""
    done, result = attempt(form, action)
    if done:
        message = _resolve(success, result)
        if message:
            flash(message, "success")
        return redirect(_resolve(next_url, result))
    extra = context() if callable(context) else dict(context or {})
    return page(template, form=form, **extra)


def first_error(form) -> str:
    """The message to flash for a refused button: the form's own error first."""
    if form.form_errors:
        return str(form.form_errors[0])
    csrf = getattr(form, "csrf_token", None)
    if csrf is not None and csrf.errors:
        return _("Le formulaire a expiré : rechargez la page et recommencez.")
    for field in form:
        if field.errors:
            return f"{field.label.text}\u00a0: {field.errors[0]}"
    return _("Vérifiez le formulaire.")


def act(
    form,
    action: Callable[[], T],
    *,
    success: str | Callable[[T], str] | None,
    back: str,
    next_url: str | Callable[[T], str] | None = None,
    refused: str | None = None,
) -> Response:
    """A button posted from another page: run `action` if the form is valid, flash
    the outcome, and redirect to `next_url` (after success) or `back` (the page the
    button was on). On refusal nothing of the request is kept and the refusal (or
    `refused`, for a form that is not valid) is flashed as an error."""
    valid = form.validate_on_submit()
    if valid:
        done, result = _run(form, action)
        if done:
            message = _resolve(success, result)
            if message:
                flash(message, "success")
            return redirect(_resolve(next_url, result) if next_url is not None else back)
    message = refused if not valid and refused is not None else first_error(form)
    # Nothing read or noted while handling the refused request is kept either.
    db.session.rollback()
    flash(message, "error")
    return redirect(back)
