"""Confirmation before what cannot be undone: a page of its own, no JavaScript needed.

The button that used to act at once becomes a link to the confirmation page
(GET); the page says what will happen and what will be lost, lists what is
incomplete, asks for an explicit tick where a choice must be made (« Je dépose
malgré 3 rubriques non validées »), and its form posts back to the same URL,
which acts. The destructive button is never styled as the primary action.

    @bp.route("/…/supprimer", methods=("GET", "POST"))
    def delete_series(...):
        confirmation = Confirmation(
            title=_("Supprimer la série « Atelier numérique » ?"),
            consequences=[_("Les 6 séances à venir seront supprimées.")],
            confirm_label=_("Supprimer les 6 séances"),
            cancel_url=url_for(...),
        )
        return confirm(confirmation, lambda: agenda.delete_series(db.session, …),
                       success=_("La série est supprimée."), next_url=url_for(...))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from ensemble.kernel.forms import Form
from ensemble.kernel.views import act, page

T = TypeVar("T")


@dataclass(frozen=True)
class Confirmation:
    """What the page says. `acknowledgements` are statements the person must tick
    before the action is allowed (each refused unticked, server-side)."""

    title: str
    confirm_label: str
    cancel_url: str
    consequences: Sequence[str] = ()
    incomplete: Sequence[str] = ()
    acknowledgements: Sequence[str] = ()
    destructive: bool = True
    intro: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class ConfirmForm(Form):
    """The CSRF token, and one required checkbox per acknowledgement (see confirm_form)."""

    acknowledgement_count = 0

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for index in range(self.acknowledgement_count):
            box = self[f"acknowledge_{index}"]
            if not box.data:
                box.errors = [*box.errors, str(_l("Cochez cette case pour continuer."))]
                valid = False
        return valid


def confirm_form(confirmation: Confirmation) -> ConfirmForm:
    """The form of `confirmation`, with a required tick per acknowledgement."""
    fields: dict[str, Any] = {
        f"acknowledge_{index}": BooleanField(statement)
        for index, statement in enumerate(confirmation.acknowledgements)
    }
    fields["acknowledgement_count"] = len(confirmation.acknowledgements)
    return type("ConfirmationForm", (ConfirmForm,), fields)()


def confirm(
    confirmation: Confirmation,
    action: Callable[[], T],
    *,
    success: str | Callable[[T], str] | None,
    next_url: str | Callable[[T], str],
    template: str = "confirm.html",
) -> ResponseReturnValue:
    """GET shows the confirmation page; POST (with its token and ticks) acts, flashes
    `success` and goes to `next_url`; a refusal comes back to the page with its reason."""
    form = confirm_form(confirmation)
    if request.method == "POST" and not form.validate_on_submit():
        return page(template, status=422, form=form, confirmation=confirmation)
    if request.method == "POST":
        return act(form, action, success=success, back=request.path, next_url=next_url)
    return page(template, form=form, confirmation=confirmation)
