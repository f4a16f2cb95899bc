"""An answer's page and what the lead and the partners do there: invite or
remove partners, accept or decline, add and order sections, submit, record the outcome."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ensemble.aap import forms, permissions
from ensemble.aap import operations as aap
from ensemble.aap.models import AnswerStatus, SectionStatus
from ensemble.aap.views.common import (
    _answer_or_404,
    _common,
    _invited_answer_or_404,
    _section_or_404,
    _url,
    _user_id,
    route,
)
from ensemble.extensions import db
from ensemble.kernel.views import act, require
from ensemble.network.models import Centre
from ensemble.tenancy import context


@route("/reponses/<int:answer_id>/")
def answer(centre: Centre, answer_id: int):
    item = _invited_answer_or_404(centre, answer_id)
    if not aap.is_member(item, centre):
        return render_template("aap/invitation.html", **_common(centre, item))
    invite_form = forms.InviteForm()
    invite_form.centre_id.choices = [SelectChoice("", _("— Choisir —"))] + [
        SelectChoice(str(c.id), c.name) for c in aap.partner_choices(db.session, item)
    ]
    budget = aap.budget_of(db.session, item)
    return render_template(
        "aap/answer.html",
        invite_form=invite_form,
        section_form=forms.NewSectionForm(),
        outcome_form=forms.OutcomeForm(),
        budget=budget,
        pending=[s for s in item.sections if s.status is not SectionStatus.APPROVED],
        **_common(centre, item),
    )


@route("/reponses/<int:answer_id>/partenaires/inviter", methods=("POST",))
def invite(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.InviteForm()
    choices = aap.partner_choices(db.session, item)
    form.centre_id.choices = [SelectChoice(str(c.id), c.name) for c in choices]

    def invite_one() -> Centre:
        partner = next(c for c in choices if str(c.id) == form.centre_id.data)
        aap.invite_partner(db.session, item, partner)
        return partner

    return act(
        form,
        invite_one,
        success=lambda partner: _("%(name)s est invité.", name=partner.name),
        back=_url("answer", centre, answer_id=item.id),
        refused=_("Choisissez un centre de votre réseau."),
    )


@route("/reponses/<int:answer_id>/partenaires/retirer", methods=("POST",))
def remove(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.PartyForm()
    return act(
        form,
        lambda: aap.remove_partner(db.session, item, form.party_id.data),
        success=lambda party: _("%(name)s ne participe plus à la réponse.", name=party.label),
        back=_url("answer", centre, answer_id=item.id),
    )


@route("/reponses/<int:answer_id>/participation", methods=("POST",))
def respond(centre: Centre, answer_id: int):
    item = _invited_answer_or_404(centre, answer_id)
    form = forms.RespondForm()

    def decide() -> str:
        if form.decision.data == "leave":
            aap.leave(db.session, item, centre)
        else:
            aap.respond(db.session, item, centre, accept=form.decision.data == "accept")
        return form.decision.data

    answer_url = _url("answer", centre, answer_id=item.id)
    return act(
        form,
        decide,
        success=lambda decision: (
            _("Votre centre participe à la réponse.")
            if decision == "accept"
            else _("Votre centre ne participe plus à cette réponse.")
        ),
        back=answer_url,
        next_url=lambda decision: answer_url if decision == "accept" else _url("index", centre),
    )


@route("/reponses/<int:answer_id>/rubriques/nouvelle", methods=("POST",))
def new_section(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.NewSectionForm()
    return act(
        form,
        lambda: aap.add_section(db.session, item, form.title.data),
        success=None,
        back=_url("answer", centre, answer_id=item.id),
        next_url=lambda added: _url("section", centre, answer_id=item.id, section_id=added.id),
        refused=_("Indiquez l’intitulé de la rubrique."),
    )


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/deplacer", methods=("POST",))
def move(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.MoveForm()
    return act(
        form,
        lambda: aap.move_section(db.session, target, -1 if form.direction.data == "up" else 1),
        success=None,
        back=_url("answer", centre, answer_id=item.id) + "#rubriques",
    )


@route("/reponses/<int:answer_id>/deposer", methods=("POST",))
def submit(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    return act(
        forms.SubmitForm(),
        lambda: aap.submit(db.session, item, _user_id()),
        success=_("La réponse est déposée : le dossier est figé."),
        back=_url("answer", centre, answer_id=item.id),
    )


@route("/reponses/<int:answer_id>/resultat", methods=("POST",))
def outcome(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.OutcomeForm()
    correcting = item.status is not AnswerStatus.SUBMITTED

    def decide() -> None:
        decision = {
            "granted": form.outcome.data == "granted",
            "amount": form.amount.data,
            "on": form.decided_on.data,
        }
        if correcting:
            aap.correct_outcome(db.session, item, reason=form.reason.data or "", **decision)
        else:
            aap.record_outcome(db.session, item, **decision)

    return act(
        form,
        decide,
        success=(
            _("La décision du financeur est corrigée ; la correction figure au journal.")
            if correcting
            else _("La décision du financeur est enregistrée.")
        ),
        back=_url("answer", centre, answer_id=item.id),
        refused=_("Indiquez la décision et sa date."),
    )
