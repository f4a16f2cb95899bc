"""The network's calls: the list, publishing, correcting or withdrawing a call,
and starting an answer as lead."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from ensemble.aap import forms
from ensemble.aap import operations as aap
from ensemble.aap.models import AapCall
from ensemble.aap.views.common import _allowed_or_404, _refuse, _today, _url, _user_id, route
from ensemble.extensions import db
from ensemble.network.models import Centre
from ensemble.tenancy import context


@route("/")
def index(centre: Centre):
    return render_template(
        "aap/index.html",
        centre=centre,
        calls=aap.network_calls(db.session, centre, _today()),
        answers=aap.answers_of(db.session, centre),
        is_director=centre.id in context.current().director_centre_ids,
        start_form=forms.StartAnswerForm(),
    )


def _call_fields(form: forms.CallForm) -> dict:
    return {
        "funder": form.funder_value(),
        "title": form.title.data,
        "deadline": form.deadline.data,
        "link": form.link.data or "",
        "theme": form.theme.data or "",
        "envelope": form.envelope.data,
        "eligibility": form.eligibility.data or "",
    }


@route("/appels/nouveau", methods=("GET", "POST"))
def new_call(centre: Centre):
    _allowed_or_404(centre.id in context.current().director_centre_ids)
    return _call_page(centre, None)


def _own_call_or_404(centre: Centre, call_id: int) -> AapCall:
    """A call this centre published, for its directors; anyone else gets 404."""
    call = db.session.get(AapCall, call_id)
    _allowed_or_404(
        call is not None
        and call.centre_id == centre.id
        and centre.id in context.current().director_centre_ids
    )
    return call


@route("/appels/<int:call_id>/modifier", methods=("GET", "POST"))
def edit_call(centre: Centre, call_id: int):
    return _call_page(centre, _own_call_or_404(centre, call_id))


def _call_page(centre: Centre, call: AapCall | None):
    """Publishing a call (`call` None) or correcting one: the same form."""
    form = forms.CallForm(obj=call if call is not None and request.method == "GET" else None)
    if call is not None and request.method == "GET":
        form.funder.data = call.funder.value
    if form.validate_on_submit():
        try:
            if call is None:
                aap.create_call(db.session, centre, created_by=_user_id(), **_call_fields(form))
            else:
                aap.update_call(db.session, call, **_call_fields(form))
        except aap.AapError as error:
            _refuse(form, error)
        else:
            flash(
                _("L’appel est publié dans le réseau.")
                if call is None
                else _("L’appel est modifié."),
                "success",
            )
            return redirect(_url("index", centre))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "aap/call_new.html",
        centre=centre,
        form=form,
        call=call,
        withdraw_form=forms.WithdrawCallForm(),
    ), status


@route("/appels/<int:call_id>/retirer", methods=("POST",))
def withdraw_call(centre: Centre, call_id: int):
    call = _own_call_or_404(centre, call_id)
    if not forms.WithdrawCallForm().validate_on_submit():
        flash(_("Le formulaire a expiré : rechargez la page et recommencez."), "error")
        return redirect(_url("edit_call", centre, call_id=call.id))
    try:
        aap.withdraw_call(db.session, call)
    except aap.AapError as error:
        flash(str(error.message), "error")
        return redirect(_url("edit_call", centre, call_id=call.id))
    flash(_("L’appel est retiré du réseau."), "success")
    return redirect(_url("index", centre))


@route("/reponses/nouvelle", methods=("POST",))
def start_answer(centre: Centre):
    _allowed_or_404(centre.id in context.current().director_centre_ids)
    form = forms.StartAnswerForm()
    if not form.validate_on_submit():
        flash(_("Choisissez un appel de la liste."), "error")
        return redirect(_url("index", centre))
    call = db.session.get(AapCall, form.call_id.data)
    if call is None or call.federation_id != centre.federation_id:
        flash(_("Choisissez un appel de la liste."), "error")
        return redirect(_url("index", centre))
    answer = aap.create_answer(db.session, call, centre)
    flash(_("Votre centre est chef de file : invitez vos partenaires."), "success")
    return redirect(_url("answer", centre, answer_id=answer.id))
