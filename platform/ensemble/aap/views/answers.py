"""An answer's page and what the lead and the partners do there: invite or
remove partners, accept or decline, add and order sections, submit, record the outcome."""

from __future__ import annotations

from flask import flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from ensemble.aap import forms, permissions
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AnswerStatus, SectionStatus
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
from ensemble.kernel import french
from ensemble.kernel.confirm import Confirmation, confirm
from ensemble.kernel.views import act, attempt, page, require
from ensemble.network.models import Centre
from ensemble.sharing.models import AgreementParty
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


@route("/reponses/<int:answer_id>/partenaires/<int:party_id>/retirer", methods=("GET", "POST"))
def remove(centre: Centre, answer_id: int, party_id: int):
    """The lead removes a partner, after a confirmation page saying what it loses."""
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()) and item.is_open)
    party = next((p for p in aap.visible_parties(item) if p.id == party_id), None)
    require(party is not None and not party.is_owner)
    assert party is not None and party.centre is not None
    name = party.centre.name
    answer_url = _url("answer", centre, answer_id=item.id)
    confirmation = Confirmation(
        title=_("Retirer %(name)s de la réponse ?", name=name),
        consequences=[
            _("%(name)s perd l’accès au dossier dès maintenant.", name=name),
            *_partner_losses(item, party),
            _("Pour travailler de nouveau ensemble, il faudra l’inviter à nouveau."),
        ],
        confirm_label=_("Retirer %(name)s", name=name),
        cancel_url=answer_url,
    )
    return confirm(
        confirmation,
        lambda: aap.remove_partner(db.session, item, party_id),
        success=lambda removed: _("%(name)s ne participe plus à la réponse.", name=removed.label),
        next_url=answer_url,
    )


def _partner_losses(item: AapAnswer, party: AgreementParty) -> list[str]:
    """What a party leaving takes away: its sections go back to the lead, its
    budget lines stop counting."""
    lines = []
    owned = [s.title for s in item.sections if s.owner_party_id == party.id]
    if owned:
        lines.append(
            ngettext(
                "Sa rubrique revient au chef de file : %(titles)s.",
                "Ses %(num)d rubriques reviennent au chef de file : %(titles)s.",
                len(owned),
                titles=_quoted(owned),
            )
        )
    totals = aap.budget_of(db.session, item).parties.get(party.id)
    if totals is not None and (totals.charges or totals.income):
        lines.append(
            _(
                "Ses lignes de budget ne comptent plus : %(charges)s de charges et "
                "%(income)s de produits sortent du budget du projet.",
                charges=french.euros(totals.charges),
                income=french.euros(totals.income),
            )
        )
    return lines


def _quoted(titles: list[str]) -> str:
    return french.list_of([f"« {t} »" for t in titles])


@route("/reponses/<int:answer_id>/quitter", methods=("GET", "POST"))
def leave(centre: Centre, answer_id: int):
    """A partner's director withdraws its centre, after a confirmation page."""
    item = _answer_or_404(centre, answer_id)
    party = aap.party_for(item, centre)
    assert party is not None  # _answer_or_404: an active party
    answer_url = _url("answer", centre, answer_id=item.id)
    if party.is_owner:
        return page("aap/lead_stays.html", **_common(centre, item))
    require(permissions.is_director(centre, context.current()) and item.is_open)
    confirmation = Confirmation(
        title=_("Retirer votre centre de la réponse « %(title)s » ?", title=item.title),
        consequences=[
            _("Votre centre perd l’accès au dossier dès maintenant."),
            *_partner_losses(item, party),
            _("Seul le chef de file peut vous inviter à nouveau."),
        ],
        confirm_label=_("Retirer mon centre"),
        cancel_url=answer_url,
    )
    return confirm(
        confirmation,
        lambda: aap.leave(db.session, item, centre),
        success=_("Votre centre ne participe plus à cette réponse."),
        next_url=_url("index", centre),
    )


@route("/reponses/<int:answer_id>/participation", methods=("POST",))
def respond(centre: Centre, answer_id: int):
    item = _invited_answer_or_404(centre, answer_id)
    form = forms.RespondForm()

    def decide() -> str:
        aap.respond(db.session, item, centre, accept=form.decision.data == "accept")
        return form.decision.data

    answer_url = _url("answer", centre, answer_id=item.id)
    return act(
        form,
        decide,
        success=lambda decision: (
            _("Votre centre participe à la réponse.")
            if decision == "accept"
            else _("Votre centre a décliné l’invitation.")
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
        # The field's own message: missing, or too long (not « Indiquez l’intitulé »).
        next_url=lambda added: _url("section", centre, answer_id=item.id, section_id=added.id),
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


@route("/reponses/<int:answer_id>/deposer", methods=("GET", "POST"))
def submit(centre: Centre, answer_id: int):
    """The lead submits, after a confirmation page listing what is not finished;
    unapproved sections need an explicit tick."""
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()) and item.is_open)
    ready = aap.readiness(db.session, item)
    partners = [p for p in aap.active_parties(item) if not p.is_owner]
    answer_url = _url("answer", centre, answer_id=item.id)
    acknowledgements = []
    if ready.unapproved:
        acknowledgements.append(
            ngettext(
                "Je dépose malgré %(num)d rubrique non approuvée.",
                "Je dépose malgré %(num)d rubriques non approuvées.",
                len(ready.unapproved),
            )
        )
    if ready.late_since is not None:
        acknowledgements.append(
            _(
                "Je dépose après la date limite du %(day)s : le financeur accepte ce dossier "
                "en retard.",
                day=french.short_date(ready.late_since),
            )
        )
    confirmation = Confirmation(
        title=_("Déposer la réponse « %(title)s » auprès du financeur ?", title=item.title),
        consequences=[
            _(
                "Le dossier est figé : rubriques, budget, partenaires et pièces jointes ne se "
                "modifient plus ; les versions restent consultables."
            ),
            ngettext(
                "Le centre partenaire est prévenu du dépôt.",
                "Les %(num)d centres partenaires sont prévenus du dépôt.",
                len(partners),
            )
            if partners
            else _("Aucun centre partenaire n’a accepté l’invitation."),
        ],
        incomplete=[
            *incomplete_lines(ready),
            *missing_attachment_lines(aap.missing_attachments(db.session, item)),
        ],
        acknowledgements=acknowledgements,
        confirm_label=_("Déposer la réponse"),
        cancel_url=answer_url,
        destructive=False,
    )
    return confirm(
        confirmation,
        lambda: aap.submit(
            db.session,
            item,
            _user_id(),
            despite_unapproved=bool(ready.unapproved),
            despite_late=ready.late_since is not None,
        ),
        success=_("La réponse est déposée : le dossier est figé."),
        next_url=answer_url,
    )


def missing_attachment_lines(missing: list[aap.MissingAttachment]) -> list[str]:
    """One line per centre that has not joined a required document (a warning: the
    lead may still submit, a funder often accepts a document sent afterwards)."""
    by_centre: dict[str, list[str]] = {}
    for item in missing:
        by_centre.setdefault(item.centre, []).append(item.kind)
    return [
        _(
            "Pièces jointes manquantes pour %(centre)s : %(kinds)s.",
            centre=centre,
            kinds=french.list_of(kinds),
        )
        for centre, kinds in by_centre.items()
    ]


def _over_limit_line(section) -> str:
    """« « Objectifs » (20 000 caractères pour 200 au plus) »."""
    values = {
        "title": section.title,
        "count": french.number(section.length),
        "limit": french.number(section.limit_value),
    }
    if section.limit_unit == "words":
        return _("« %(title)s » (%(count)s mots pour %(limit)s au plus)", **values)
    return _("« %(title)s » (%(count)s caractères pour %(limit)s au plus)", **values)


def incomplete_lines(ready: aap.Readiness) -> list[str]:
    """What the confirmation page lists as not finished, in French."""
    lines = []
    if ready.late_since is not None:
        lines.append(
            _(
                "La date limite de dépôt est passée (le %(day)s) : ne déposez que si le "
                "financeur accepte encore le dossier.",
                day=french.short_date(ready.late_since),
            )
        )
    if ready.unapproved:
        lines.append(
            ngettext(
                "%(num)d rubrique n’est pas approuvée : %(titles)s.",
                "%(num)d rubriques ne sont pas approuvées : %(titles)s.",
                len(ready.unapproved),
                titles=_quoted([s.title for s in ready.unapproved]),
            )
        )
    if ready.empty:
        lines.append(
            ngettext(
                "%(num)d rubrique est vide : %(titles)s.",
                "%(num)d rubriques sont vides : %(titles)s.",
                len(ready.empty),
                titles=_quoted([s.title for s in ready.empty]),
            )
        )
    if ready.over_limit:
        lines.append(
            ngettext(
                "%(num)d rubrique dépasse la limite fixée par l’appel : %(titles)s.",
                "%(num)d rubriques dépassent la limite fixée par l’appel : %(titles)s.",
                len(ready.over_limit),
                titles=french.list_of([_over_limit_line(s) for s in ready.over_limit]),
            )
        )
    if ready.not_partner:
        lines.append(
            ngettext(
                "%(num)d rubrique est encore confiée à un centre qui n’est pas partenaire "
                "(invitation non acceptée) : %(titles)s ; le dossier ne le citera pas.",
                "%(num)d rubriques sont encore confiées à un centre qui n’est pas partenaire "
                "(invitation non acceptée) : %(titles)s ; le dossier ne le citera pas.",
                len(ready.not_partner),
                titles=_quoted([s.title for s in ready.not_partner]),
            )
        )
    budget = ready.budget
    if not budget.lines:
        lines.append(_("Le budget est vide : le dépôt sera refusé tant qu’il l’est."))
    elif not budget.balanced:
        lines.append(
            _(
                "Le budget du projet n’est pas équilibré : %(charges)s de charges pour "
                "%(income)s de produits ; le dépôt sera refusé tant qu’il ne l’est pas.",
                charges=french.euros(budget.total_charges),
                income=french.euros(budget.total_income),
            )
        )
    return lines


@route("/reponses/<int:submitted_answer_id>/resultat", methods=("GET", "POST"))
def outcome(centre: Centre, submitted_answer_id: int):
    """The funder's decision on a submitted answer: recorded once, then corrected with
    a reason. A refused amount or date comes back on its field, with what was typed."""
    item = _answer_or_404(centre, submitted_answer_id)
    require(permissions.is_lead_director(item, context.current()) and not item.is_open)
    correcting = item.status is not AnswerStatus.SUBMITTED
    # A correction starts from what is recorded; a first decision from nothing.
    recorded = (
        {
            "outcome": "granted" if item.status is AnswerStatus.GRANTED else "refused",
            "amount": item.granted_amount,
            "decided_on": item.outcome_on,
        }
        if correcting
        else None
    )
    form = forms.OutcomeForm(data=recorded)

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

    done, _nothing = attempt(form, decide)
    if done:
        flash(
            _("La décision du financeur est corrigée ; la correction figure au journal.")
            if correcting
            else _("La décision du financeur est enregistrée."),
            "success",
        )
        return redirect(_url("answer", centre, answer_id=item.id))
    return page("aap/outcome.html", form=form, correcting=correcting, **_common(centre, item))
