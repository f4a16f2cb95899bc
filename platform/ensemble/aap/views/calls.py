"""The network's calls: the list, publishing, correcting or withdrawing a call,
and starting an answer as lead."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from ensemble.aap import forms, permissions
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AapCall
from ensemble.aap.views.common import _url, _user_id, route
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.kernel.views import act, attempt, first_error, page, require
from ensemble.network.models import Centre
from ensemble.tenancy import context


@route("/")
def index(centre: Centre):
    return render_template(
        "aap/index.html",
        centre=centre,
        calls=aap.network_calls(db.session, centre, clock.today()),
        answers=aap.answers_of(db.session, centre),
        is_director=permissions.is_director(centre),
        start_form=forms.StartAnswerForm(),
    )


@route("/mes-rubriques")
def mine(centre: Centre):
    """The sections assigned to me across the answers being written."""
    return render_template(
        "aap/mine.html",
        centre=centre,
        mine=aap.my_sections(db.session, context.current().user_id),
        status_labels=forms.STATUS_LABELS,
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
    require(permissions.is_director(centre))
    return _call_page(centre, None)


def _own_call_or_404(centre: Centre, call_id: int) -> AapCall:
    """A call this centre published, for its directors; anyone else gets 404."""
    call = db.session.get(AapCall, call_id)
    require(permissions.can_correct_call(call, centre))
    return call


@route("/appels/<int:call_id>/modifier", methods=("GET", "POST"))
def edit_call(centre: Centre, call_id: int):
    return _call_page(centre, _own_call_or_404(centre, call_id))


def _call_page(centre: Centre, call: AapCall | None):
    """Publishing a call (`call` None) or correcting one: the same form."""
    form = forms.CallForm(obj=call if call is not None and request.method == "GET" else None)
    if call is not None and request.method == "GET":
        form.funder.data = call.funder.value

    def save():
        if call is None:
            return aap.create_call(db.session, centre, created_by=_user_id(), **_call_fields(form))
        return aap.update_call(db.session, call, **_call_fields(form))

    done, _saved = attempt(form, save)
    if done:
        flash(
            _("L’appel est publié dans le réseau.") if call is None else _("L’appel est modifié."),
            "success",
        )
        return redirect(_url("index", centre))
    return page(
        "aap/call_new.html",
        centre=centre,
        form=form,
        call=call,
        withdraw_form=forms.WithdrawCallForm(),
    )


@route("/appels/<int:call_id>/retirer", methods=("POST",))
def withdraw_call(centre: Centre, call_id: int):
    call = _own_call_or_404(centre, call_id)
    edit_url = _url("edit_call", centre, call_id=call.id)
    return act(
        forms.WithdrawCallForm(),
        lambda: aap.withdraw_call(db.session, call),
        success=_("L’appel est retiré du réseau."),
        back=edit_url,
        next_url=_url("index", centre),
    )


@route("/reponses/nouvelle", methods=("POST",))
def start_answer(centre: Centre):
    require(permissions.can_start_answer(centre))
    form = forms.StartAnswerForm()
    choose = _("Choisissez un appel de la liste.")

    def start() -> AapAnswer:
        call = db.session.get(AapCall, form.call_id.data)
        if call is None or call.federation_id != centre.federation_id:
            raise Refusal(choose)
        return aap.create_answer(db.session, call, centre)

    done, answer = attempt(form, start)
    if done and answer is not None:
        flash(_("Votre centre est chef de file : invitez vos partenaires."), "success")
        return redirect(_url("answer", centre, answer_id=answer.id))
    # A closed call, a second answer, a call of another network: said on the list, 422.
    message = first_error(form) if form.form_errors or form.csrf_token.errors else choose
    db.session.rollback()
    flash(message, "error")
    return page(
        "aap/index.html",
        centre=centre,
        calls=aap.network_calls(db.session, centre, clock.today()),
        answers=aap.answers_of(db.session, centre),
        is_director=permissions.is_director(centre),
        start_form=forms.StartAnswerForm(formdata=None),
    )
