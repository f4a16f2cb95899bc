"""Requests from centres: asking for the person, the list, answering one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ensemble.agenda import forms
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Category, Request
from ensemble.agenda.views.common import (
    _allowed_or_404,
    _calendar_or_404,
    _centre,
    _request_or_404,
    bp,
)
from ensemble.agenda.views.events import _flash_warnings, _refuse
from ensemble.agenda.views.periods import _centres
from ensemble.extensions import db
from ensemble.network.models import Centre
from ensemble.tenancy import context


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/demander", methods=("GET", "POST")
)
@login_required
def ask(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    _allowed_or_404(centre.id in context.current().director_centre_ids)
    form = forms.RequestForm()
    if form.validate_on_submit():
        try:
            item = agenda.ask(
                db.session,
                calendar,
                centre,
                title=form.title.data,
                category=Category(form.category.data),
                starts_local=form.starts_local(),
                ends_local=form.ends_local(),
                message=form.message.data or "",
            )
        except agenda.AgendaError as error:
            _refuse(form, error.message)
        else:
            flash(_("Demande envoyée."), "success")
            return redirect(
                url_for("agenda.request_detail", centre_slug=centre.slug, agenda_request_id=item.id)
            )
    return render_template("agenda/ask.html", centre=centre, calendar=calendar, form=form)


@bp.route("/c/<centre_slug>/agenda/demandes")
@login_required
def requests(centre_slug: str):
    centre = _centre(centre_slug)
    me = context.current().user_id
    items = db.session.scalars(
        select(Request)
        .where((Request.user_id == me) | (Request.centre_id == centre.id))
        .order_by(Request.created_at.desc(), Request.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "agenda/requests.html",
        centre=centre,
        items=items,
        centres=_centres(i.centre_id for i in items),
    )


@bp.route("/c/<centre_slug>/agenda/demandes/<int:agenda_request_id>", methods=("GET", "POST"))
@login_required
def request_detail(centre_slug: str, agenda_request_id: int):
    centre = _centre(centre_slug)
    item = _request_or_404(centre, agenda_request_id)
    ctx = context.current()
    is_person = item.user_id == ctx.user_id
    is_requester = item.centre_id in ctx.director_centre_ids
    decline_form = forms.DeclineForm(prefix="refus")
    propose_form = forms.ProposeForm(prefix="autre")
    confirm = forms.ConfirmForm()
    link = url_for(
        "agenda.request_detail", centre_slug=_slug_of(item.centre_id), agenda_request_id=item.id
    )
    if request.method == "POST":
        action = request.form.get("action", "")
        _allowed_or_404(is_person or is_requester)
        try:
            if action == "accepter" and is_person and confirm.validate_on_submit():
                _flash_warnings(agenda.accept(db.session, item, link=link))
                flash(_("Demande acceptée : l’événement est dans l’agenda."), "success")
            elif action == "refuser" and is_person and decline_form.validate_on_submit():
                agenda.decline(db.session, item, decline_form.reason.data, link=link)
                flash(_("Demande refusée."), "success")
            elif action == "proposer" and is_person and propose_form.validate_on_submit():
                agenda.propose(
                    db.session,
                    item,
                    propose_form.starts_local(),
                    propose_form.ends_local(),
                    propose_form.reason.data or "",
                    link=link,
                )
                flash(_("Autre créneau proposé."), "success")
            elif action == "retenir" and is_requester and confirm.validate_on_submit():
                _flash_warnings(agenda.take_proposal(db.session, item))
                flash(_("Créneau retenu : l’événement est dans l’agenda."), "success")
            else:
                raise agenda.AgendaError(_("Vérifiez le formulaire."))
        except agenda.AgendaError as error:
            flash(error.message, "error")
            status = 200
        else:
            return redirect(
                url_for("agenda.request_detail", centre_slug=centre.slug, agenda_request_id=item.id)
            )
    else:
        status = 200
        propose_form.day.data = item.starts_local.date()
        propose_form.start.data = item.starts_local.time()
        propose_form.end.data = item.ends_local.time()
    return render_template(
        "agenda/request.html",
        centre=centre,
        item=item,
        place=db.session.get(Centre, item.centre_id),
        is_person=is_person,
        # Said before the person clicks « Accepter », not after.
        refusal=agenda.accept_refusal(db.session, item) if is_person else None,
        is_requester=is_requester,
        decline_form=decline_form,
        propose_form=propose_form,
        confirm=confirm,
    ), status


def _slug_of(centre_id: int) -> str:
    centre = db.session.get(Centre, centre_id)
    return centre.slug if centre else ""
