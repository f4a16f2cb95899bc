"""Booking, opening, changing and deleting an event, a series or one occurrence."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from ensemble.agenda import forms
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Event
from ensemble.agenda.views.common import (
    _allowed_or_404,
    _calendar_or_404,
    _can_edit,
    _centre,
    _event_or_404,
    _today,
    bp,
)
from ensemble.extensions import db
from ensemble.network.models import Centre


def _event_form(calendar: Calendar, centre: Centre, **kwargs) -> forms.EventForm:
    form = forms.EventForm(**kwargs)
    places = agenda.bookable_centres(db.session, calendar)
    form.centre.choices = [SelectChoice(c.id, c.name) for c in places]
    if form.centre.data is None and any(c.id == centre.id for c in places):
        form.centre.data = centre.id
    return form


def _refuse(form, message: str) -> None:
    form.form_errors.append(message)


def _flash_warnings(booking: agenda.Booking) -> None:
    for warning in booking.warnings:
        flash(warning, "warning")


def _event_fields(form: forms.EventForm) -> dict:
    """What the event form says, as `agenda.book` and `agenda.move` take it."""
    return {
        "centre_id": form.centre.data,
        "category": Category(form.category.data),
        "title": form.title.data,
        "description": form.description.data or "",
        "participants": form.participants.data or "",
        "starts_local": form.starts_local(),
        "ends_local": form.ends_local(),
        "rrule": form.rule(),
    }


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/nouveau", methods=("GET", "POST")
)
@login_required
def new_event(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    _allowed_or_404(agenda.can_book(db.session, calendar))
    form = _event_form(calendar, centre)
    if request.method == "GET":
        try:
            form.day.data = date.fromisoformat(request.args.get("date", "")[:10])
        except ValueError:
            form.day.data = _today()
    if form.validate_on_submit():
        try:
            booking = agenda.book(db.session, calendar, **_event_fields(form))
        except agenda.AgendaError as error:
            _refuse(form, error.message)
        except ValueError:
            form.rrule.errors.append(_("Règle de répétition invalide."))
        else:
            _flash_warnings(booking)
            flash(_("Événement enregistré."), "success")
            return redirect(
                url_for(
                    "agenda.person",
                    centre_slug=centre.slug,
                    agenda_calendar_id=calendar.id,
                    date=form.day.data.isoformat(),
                )
            )
    return render_template(
        "agenda/event_form.html", centre=centre, calendar=calendar, form=form, event=None
    )


@bp.route("/c/<centre_slug>/agenda/evenements/<int:agenda_event_id>")
@login_required
def event(centre_slug: str, agenda_event_id: int):
    centre = _centre(centre_slug)
    item = _event_or_404(centre, agenda_event_id)
    series = db.session.get(Event, item.series_id) if item.series_id else item
    now = agenda.now()
    occurrences = [o for o in agenda.occurrences_of(db.session, series) if o.ends_at >= now][:20]
    return render_template(
        "agenda/event.html",
        centre=centre,
        event=item,
        series=series,
        occurrences=occurrences,
        place=db.session.get(Centre, item.centre_id),
        can_edit=_can_edit(item),
        form=forms.ConfirmForm(),
    )


@bp.route(
    "/c/<centre_slug>/agenda/evenements/<int:agenda_event_id>/modifier", methods=("GET", "POST")
)
@login_required
def edit_event(centre_slug: str, agenda_event_id: int):
    centre = _centre(centre_slug)
    item = _event_or_404(centre, agenda_event_id)
    _allowed_or_404(_can_edit(item) and item.series_id is None)
    calendar = db.session.get(Calendar, item.calendar_id)
    form = _event_form(calendar, centre, obj=None)
    if request.method == "GET":
        form.title.data, form.category.data = item.title, item.category.value
        form.centre.data = item.centre_id
        form.description.data, form.participants.data = item.description, item.participants
        form.day.data = item.starts_local.date()
        form.start.data, form.end.data = item.starts_local.time(), item.ends_local.time()
        if item.rrule:
            form.repeat.data, form.rrule.data = "CUSTOM", item.rrule
    if form.validate_on_submit():
        try:
            booking = agenda.move(db.session, item, **_event_fields(form))
        except agenda.AgendaError as error:
            db.session.refresh(item)
            _refuse(form, error.message)
        except ValueError:
            db.session.refresh(item)
            form.rrule.errors.append(_("Règle de répétition invalide."))
        else:
            _flash_warnings(booking)
            flash(_("Événement modifié."), "success")
            return redirect(
                url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=item.id)
            )
    return render_template(
        "agenda/event_form.html", centre=centre, calendar=calendar, form=form, event=item
    )


@bp.route("/c/<centre_slug>/agenda/evenements/<int:agenda_event_id>/supprimer", methods=("POST",))
@login_required
def delete_event(centre_slug: str, agenda_event_id: int):
    centre = _centre(centre_slug)
    item = _event_or_404(centre, agenda_event_id)
    _allowed_or_404(_can_edit(item))
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    calendar_id = item.calendar_id
    agenda.delete_event(db.session, item)
    flash(_("Événement supprimé."), "success")
    return redirect(
        url_for("agenda.person", centre_slug=centre.slug, agenda_calendar_id=calendar_id)
    )


def _occurrence_arg(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat((value or "")[:16])
    except ValueError:
        return None


@bp.route(
    "/c/<centre_slug>/agenda/evenements/<int:agenda_event_id>/occurrence",
    methods=("GET", "POST"),
)
@login_required
def occurrence(centre_slug: str, agenda_event_id: int):
    centre = _centre(centre_slug)
    series = _event_or_404(centre, agenda_event_id)
    _allowed_or_404(_can_edit(series) and bool(series.rrule))
    form = forms.OccurrenceForm()
    original = _occurrence_arg(form.occurrence.data or request.args.get("le"))
    if original is None:
        original = series.starts_local  # the first occurrence
    if request.method == "GET":
        form.occurrence.data = original.isoformat(timespec="minutes")
        form.day.data = original.date()
        form.start.data = original.time()
        form.end.data = (original + (series.ends_local - series.starts_local)).time()
    if request.method == "POST" and request.form.get("annuler") and form.csrf_token.validate(form):
        try:
            agenda.cancel_occurrence(db.session, series, original)
        except agenda.AgendaError as error:
            _refuse(form, error.message)
        else:
            flash(_("Occurrence annulée."), "success")
            return redirect(
                url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=series.id)
            )
    elif form.validate_on_submit():
        try:
            booking = agenda.move_occurrence(
                db.session,
                series,
                original,
                starts_local=form.starts_local(),
                ends_local=form.ends_local(),
            )
        except agenda.AgendaError as error:
            _refuse(form, error.message)
        else:
            _flash_warnings(booking)
            flash(_("Occurrence déplacée."), "success")
            return redirect(
                url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=series.id)
            )
    return render_template(
        "agenda/occurrence.html", centre=centre, series=series, form=form, original=original
    )
