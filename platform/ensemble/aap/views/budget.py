"""The budget page: each party's lines and the consolidated budget."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ensemble.aap import forms
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer
from ensemble.aap.views.common import (
    _allowed_or_404,
    _answer_or_404,
    _common,
    _refuse,
    _url,
    _user_id,
    route,
)
from ensemble.extensions import db
from ensemble.network.models import Centre
from ensemble.sharing.models import PartyStatus
from ensemble.tenancy import context


def _own_lines(item: AapAnswer, centre: Centre, lines):
    party = aap.party_for(item, centre)
    return [line for line in lines if party is not None and line.party_id == party.id]


@route("/reponses/<int:answer_id>/budget", methods=("GET", "POST"))
def budget(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    party = aap.party_for(item, centre)
    can_edit = (
        item.is_open
        and party is not None
        and party.status is PartyStatus.ACTIVE
        and centre.id in context.current().centre_ids
    )
    lines = aap.budget_lines(db.session, item)
    own = _own_lines(item, centre, lines)
    form = forms.BudgetLineForm()
    status, conflict = 200, None
    if request.method == "GET":
        raw = request.args.get("ligne", "")
        editing = next((line for line in own if raw.isdigit() and line.id == int(raw)), None)
        if editing is not None:
            form = forms.BudgetLineForm(obj=editing)
            form.line_id.data = editing.id
            form.version.data = str(editing.version)
    else:
        _allowed_or_404(can_edit)
        if form.validate_on_submit():
            fields = {
                "account": form.account.data,
                "label": form.label.data,
                "funder": form.funder.data or "",
                "amount": form.amount.data,
                "user_id": _user_id(),
            }
            try:
                if form.line_id.data is None:
                    aap.add_budget_line(db.session, item, centre, **fields)
                else:
                    if form.line_id.data not in {line.id for line in own}:
                        raise aap.AapError(_l("Cette ligne n’est pas celle de votre centre."))
                    base = form.base_version()
                    if base is None:
                        raise aap.AapError(_l("Version invalide : rechargez la page."), "amount")
                    aap.update_budget_line(
                        db.session, item, form.line_id.data, base_version=base, **fields
                    )
            except aap.BudgetConflict as error:
                conflict, status = error, 409
            except aap.AapError as error:
                _refuse(form, error)
            else:
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
    _allowed_or_404(item.is_open and centre.id in context.current().centre_ids)
    form = forms.DeleteLineForm()
    if form.validate_on_submit():
        own = {line.id for line in _own_lines(item, centre, aap.budget_lines(db.session, item))}
        try:
            if form.line_id.data not in own:
                raise aap.AapError(_l("Cette ligne n’est pas celle de votre centre."))
            aap.delete_budget_line(db.session, item, form.line_id.data, form.version.data)
        except aap.BudgetConflict:
            flash(
                _("La ligne a été modifiée entre-temps : vérifiez-la avant de la supprimer."),
                "error",
            )
        except aap.AapError as error:
            flash(error.message, "error")
        else:
            flash(_("Ligne supprimée."), "success")
    return redirect(_url("budget", centre, answer_id=item.id))
