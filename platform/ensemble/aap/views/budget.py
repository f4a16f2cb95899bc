"""The budget page: each party's lines and the consolidated budget."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ensemble.aap import forms, permissions
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer
from ensemble.aap.views.common import (
    _answer_or_404,
    _common,
    _url,
    _user_id,
    route,
)
from ensemble.extensions import db
from ensemble.kernel.refusal import Refusal
from ensemble.kernel.views import act, attempt, require
from ensemble.network.models import Centre


def _own_lines(item: AapAnswer, centre: Centre, lines):
    party = aap.party_for(item, centre)
    return [line for line in lines if party is not None and line.party_id == party.id]


@route("/reponses/<int:answer_id>/budget", methods=("GET", "POST"))
def budget(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    can_edit = permissions.can_edit_budget(item, centre)
    lines = aap.budget_lines(db.session, item)
    own = _own_lines(item, centre, lines)
    form = forms.BudgetLineForm()
    status, conflict = 200, None
    if request.method == "GET":
        raw = request.args.get("ligne", "")
        editing = next((line for line in own if raw.isdigit() and line.id == int(raw)), None)
        if editing is not None:
            form = forms.BudgetLineForm(obj=editing)
            form.offer_account(editing.account)
            form.line_id.data = editing.id
            form.version.data = str(editing.version)
    else:
        require(can_edit)
        form.offer_account((form.account.data or "").strip())

        def save_line():
            fields = {
                "account": form.account.data,
                "label": form.label.data,
                "funder": form.funder.data or "",
                "amount": form.amount.data,
                "user_id": _user_id(),
            }
            if form.line_id.data is None:
                return aap.add_budget_line(db.session, item, centre, **fields)
            if form.line_id.data not in {line.id for line in own}:
                raise aap.AapError(_l("Cette ligne n’est pas celle de votre centre."))
            base = form.base_version()
            if base is None:
                raise aap.AapError(_l("Version invalide : rechargez la page."), "amount")
            return aap.update_budget_line(
                db.session, item, form.line_id.data, base_version=base, **fields
            )

        try:
            done, _line = attempt(form, save_line)
        except aap.BudgetConflict as error:
            done, conflict, status = False, error, 409
        if done:
            flash(_("Ligne de budget enregistrée."), "success")
            return redirect(_url("budget", centre, answer_id=item.id))
        if status == 200:
            status = 422
        lines = aap.budget_lines(db.session, item)
        own = _own_lines(item, centre, lines)
    return render_template(
        "aap/budget.html",
        form=form,
        budget=aap.budget_of(db.session, item),
        own_lines=own,
        conflict=conflict,
        can_edit=can_edit,
        **_common(centre, item),
    ), status


@route("/reponses/<int:answer_id>/budget/supprimer", methods=("POST",))
def delete_line(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.can_delete_lines(item, centre))
    form = forms.DeleteLineForm()

    def delete_one():
        own = {line.id for line in _own_lines(item, centre, aap.budget_lines(db.session, item))}
        if form.line_id.data not in own:
            raise aap.AapError(_l("Cette ligne n’est pas celle de votre centre."))
        try:
            aap.delete_budget_line(db.session, item, form.line_id.data, form.version.data)
        except aap.BudgetConflict:
            raise Refusal(
                _("La ligne a été modifiée entre-temps : vérifiez-la avant de la supprimer.")
            ) from None
        return True

    return act(
        form,
        delete_one,
        success=_("Ligne supprimée."),
        back=_url("budget", centre, answer_id=item.id),
    )
