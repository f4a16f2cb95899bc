"""Requests from centres: asking for the person, the list, answering one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from ensemble.agenda import forms, permissions
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Category, Request
from ensemble.agenda.views.common import (
    _calendar_or_404,
    _centre,
    _request_or_404,
    bp,
)
from ensemble.agenda.views.events import _flash_warnings
from ensemble.agenda.views.periods import _centres
from ensemble.extensions import db
from ensemble.kernel.views import attempt, first_error, page, require
from ensemble.network.models import Centre
from ensemble.tenancy import context

DONE_MESSAGES = {
    "accepter": _l("Demande acceptée : l’événement est dans l’agenda."),
    "refuser": _l("Demande refusée."),
    "proposer": _l("Autre créneau proposé."),
    "retenir": _l("Créneau retenu : l’événement est dans l’agenda."),
}


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/demander", methods=("GET", "POST")
)
@login_required
def ask(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    require(permissions.is_director(centre))
    form = forms.RequestForm()
    done, item = attempt(
        form,
        lambda: agenda.ask(
            db.session,
            calendar,
            centre,
            title=form.title.data,
            category=Category(form.category.data),
            starts_local=form.starts_local(),
            ends_local=form.ends_local(),
            message=form.message.data or "",
        ),
    )
    if done:
        flash(_("Demande envoyée."), "success")
        return redirect(
            url_for("agenda.request_detail", centre_slug=centre.slug, agenda_request_id=item.id)
        )
    return page("agenda/ask.html", centre=centre, calendar=calendar, form=form)


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
    is_person = permissions.is_person(item)
    is_requester = permissions.is_requester(item)
    decline_form = forms.DeclineForm(prefix="refus")
    propose_form = forms.ProposeForm(prefix="autre")
    confirm = forms.ConfirmForm()
    link = url_for(
        "agenda.request_detail", centre_slug=_slug_of(item.centre_id), agenda_request_id=item.id
    )
    if request.method == "POST":
        action = request.form.get("action", "")
        require(is_person or is_requester)
        # Each button is its own form; the one pressed is validated and run.
        actions = {
            "accepter": (is_person, confirm, lambda: agenda.accept(db.session, item, link=link)),
            "refuser": (
                is_person,
                decline_form,
                lambda: agenda.decline(db.session, item, decline_form.reason.data, link=link),
            ),
            "proposer": (
                is_person,
                propose_form,
                lambda: agenda.propose(
                    db.session,
                    item,
                    propose_form.starts_local(),
                    propose_form.ends_local(),
                    propose_form.reason.data or "",
                    link=link,
                ),
            ),
            "retenir": (is_requester, confirm, lambda: agenda.take_proposal(db.session, item)),
        }
        allowed, form, run = actions.get(action, (False, confirm, None))
        done, booking = attempt(form, run) if allowed else (False, None)
        if done:
            if isinstance(booking, agenda.Booking):
                _flash_warnings(booking)
            flash(str(DONE_MESSAGES[action]), "success")
            return redirect(
                url_for("agenda.request_detail", centre_slug=centre.slug, agenda_request_id=item.id)
            )
        if not allowed:
            confirm.form_errors.append(_("Vérifiez le formulaire."))
        if form is confirm:
            # Buttons without fields (accept, take the proposal): their refusal is
            # said at the top of the page; the other forms show it on their fields.
            flash(first_error(confirm), "error")
    else:
        if is_requester:
            agenda.answer_seen(db.session, item)
        propose_form.day.data = item.starts_local.date()
        propose_form.start.data = item.starts_local.time()
        propose_form.end.data = item.ends_local.time()
    return page(
        "agenda/request.html",
        centre=centre,
        item=item,
        place=db.session.get(Centre, item.centre_id),
        is_person=is_person,
        # Said before the person clicks « Accepter », not after.
        refusal=agenda.accept_refusal(db.session, item) if is_person else None,
        proposal_refusal=agenda.proposal_refusal(db.session, item) if is_requester else None,
        is_requester=is_requester,
        decline_form=decline_form,
        propose_form=propose_form,
        confirm=confirm,
    )


def _slug_of(centre_id: int) -> str:
    centre = db.session.get(Centre, centre_id)
    return centre.slug if centre else ""
