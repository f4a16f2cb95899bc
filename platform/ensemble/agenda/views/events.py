"""Booking, opening, changing and deleting an event, a series or one occurrence."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from ensemble.agenda import forms, recurrence
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Event
from ensemble.agenda.views.common import (
    _calendar_or_404,
    _can_edit,
    _centre,
    _event_or_404,
    bp,
)
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.kernel.confirm import Confirmation, confirm
from ensemble.kernel.french import plural
from ensemble.kernel.views import attempt, page, require
from ensemble.network.models import Centre


def _event_form(calendar: Calendar, centre: Centre, **kwargs) -> forms.EventForm:
    form = forms.EventForm(**kwargs)
    places = agenda.bookable_centres(db.session, calendar)
    form.centre.choices = [SelectChoice(c.id, c.name) for c in places]
    if form.centre.data is None and any(c.id == centre.id for c in places):
        form.centre.data = centre.id
    return form


def _flash_warnings(booking: agenda.Booking) -> None:
    for warning in booking.warnings:
        flash(warning, "warning")


def _booking(form: forms.EventForm, operation):
    """Run `operation` (book or move); a refused rule is said on the field the person
    used (the repetition choice, unless they typed a custom rule)."""
    try:
        return operation()
    except recurrence.RuleRefused as refusal:
        if refusal.field == "rrule" and form.repeat.data != "CUSTOM":
            refusal.field = "repeat"
        raise


def _event_fields(form: forms.EventForm, current: Event | None = None) -> dict:
    """What the event form says, as `agenda.book` and `agenda.move` take it."""
    return {
        "reminders": form.reminders(current.reminders if current is not None else None),
        "centre_id": form.centre.data,
        "category": Category(form.category.data),
        "title": form.title.data,
        "description": form.description.data or "",
        "participants": form.participants.data or "",
        "starts_local": form.starts_local(),
        "ends_local": form.ends_local(),
        "rrule": form.rule(),
        "all_day": bool(form.all_day.data),
    }


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/nouveau", methods=("GET", "POST")
)
@login_required
def new_event(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    require(agenda.can_book(db.session, calendar))
    form = _event_form(calendar, centre)
    if request.method == "GET":
        try:
            day = date.fromisoformat(request.args.get("date", "")[:10])
        except ValueError:
            day = clock.today()
        form.day.data = day if date(1900, 1, 1) <= day <= date(2100, 12, 31) else clock.today()
    done, booking = attempt(
        form,
        lambda: _booking(
            form,
            lambda: agenda.book(db.session, calendar, within_hours=True, **_event_fields(form)),
        ),
    )
    if done:
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
    return page("agenda/event_form.html", centre=centre, calendar=calendar, form=form, event=None)


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
        on_holidays=agenda.holiday_occurrences(db.session, series, now) if series.rrule else [],
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
    require(_can_edit(item) and item.series_id is None)
    calendar = db.session.get(Calendar, item.calendar_id)
    form = _event_form(calendar, centre, obj=None)
    if request.method == "GET":
        form.title.data, form.category.data = item.title, item.category.value
        form.centre.data = item.centre_id
        form.description.data, form.participants.data = item.description, item.participants
        form.day.data = item.starts_local.date()
        form.all_day.data = item.all_day
        if item.all_day:
            form.end_day.data = (item.ends_local - timedelta(days=1)).date()
        else:
            form.start.data, form.end.data = item.starts_local.time(), item.ends_local.time()
            if item.ends_local.date() != item.starts_local.date():
                form.end_day.data = item.ends_local.date()
        if item.rrule:
            form.repeat.data, form.rrule.data = "CUSTOM", item.rrule
        if item.reminders:
            form.reminder.data = str(item.reminders[0])
    decided = request.form.get("exceptions") == "decided"
    if request.method == "POST" and not decided and item.rrule and form.validate_on_submit():
        found = _exceptions_changed(item, form)
        if found:
            return page(
                "agenda/series_exceptions.html",
                status=200,
                centre=centre,
                calendar=calendar,
                form=form,
                event=item,
                exceptions=found,
                resent=[
                    (k, v)
                    for k, v in request.form.items(multi=True)
                    if k != "csrf_token" and not k.startswith("garder-")
                ],
            )
    done, booking = attempt(
        form,
        lambda: _booking(
            form,
            lambda: agenda.move(
                db.session,
                item,
                keep=_kept_exceptions(),
                within_hours=True,
                **_event_fields(form, item),
            ),
        ),
    )
    if done:
        _flash_warnings(booking)
        flash(_("Événement modifié."), "success")
        return redirect(url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=item.id))
    return page("agenda/event_form.html", centre=centre, calendar=calendar, form=form, event=item)


def _exceptions_changed(item: Event, form: forms.EventForm) -> list[agenda.SeriesException]:
    """The cancelled and moved occurrences an edit of the series' start or rule
    affects (the confirmation lists them); none when the rule is refused: the
    edit then says so on the form."""
    try:
        return agenda.series_exceptions(
            db.session, item, starts_local=form.starts_local(), rrule=form.rule()
        )
    except recurrence.RuleRefused:
        return []


def _kept_exceptions() -> dict[datetime, bool]:
    """The choices of the confirmation (« garder-<identity> »: oui / non)."""
    kept = {}
    for name, value in request.form.items():
        if not name.startswith("garder-"):
            continue
        try:
            kept[datetime.fromisoformat(name.removeprefix("garder-"))] = value == "oui"
        except ValueError:
            continue
    return kept


@bp.route(
    "/c/<centre_slug>/agenda/evenements/<int:agenda_event_id>/supprimer", methods=("GET", "POST")
)
@login_required
def delete_event(centre_slug: str, agenda_event_id: int):
    """A confirmation page first (issue 13: « Supprimer la série » deleted six
    sessions at once): it says how many sessions go, then the form deletes."""
    centre = _centre(centre_slug)
    item = _event_or_404(centre, agenda_event_id)
    require(_can_edit(item))
    calendar_id = item.calendar_id
    now = agenda.now()
    coming = (
        len([o for o in agenda.occurrences_of(db.session, item) if o.ends_at >= now])
        if item.rrule
        else 1
    )
    if item.rrule:
        title = _("Supprimer la série « %(title)s » ?", title=item.title)
        consequences = [
            plural(
                coming,
                "La séance à venir sera retirée de l’agenda, et des agendas abonnés.",
                "Les %(num)s séances à venir seront retirées de l’agenda, et des agendas abonnés.",
            ),
            _("Cela ne peut pas être annulé : il faudrait recréer la série."),
        ]
        label = plural(coming, "Supprimer la séance", "Supprimer les %(num)s séances")
        done = plural(
            coming,
            "Série supprimée : %(num)s séance retirée.",
            "Série supprimée : %(num)s séances retirées.",
        )
    else:
        title = _("Supprimer « %(title)s » ?", title=item.title)
        consequences = [
            _("La séance sera retirée de l’agenda, et des agendas abonnés."),
            _("Cela ne peut pas être annulé."),
        ]
        label, done = _("Supprimer la séance"), _("Séance supprimée.")
    confirmation = Confirmation(
        title=title,
        consequences=consequences,
        confirm_label=label,
        cancel_url=url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=item.id),
    )
    return confirm(
        confirmation,
        lambda: agenda.delete_event(db.session, item),
        success=done,
        next_url=url_for("agenda.person", centre_slug=centre.slug, agenda_calendar_id=calendar_id),
    )


@bp.route(
    "/c/<centre_slug>/agenda/evenements/<int:agenda_event_id>/jours-feries", methods=("POST",)
)
@login_required
def skip_holidays(centre_slug: str, agenda_event_id: int):
    """Cancel the upcoming occurrences of a series that fall on a public holiday."""
    centre = _centre(centre_slug)
    series = _event_or_404(centre, agenda_event_id)
    require(_can_edit(series) and bool(series.rrule))
    form = forms.ConfirmForm()
    done, count = attempt(
        form, lambda: agenda.skip_holidays(db.session, series, since=agenda.now())
    )
    if done:
        flash(
            ngettext(
                "Une occurrence retirée (jour férié).",
                "%(num)s occurrences retirées (jours fériés).",
                count,
            )
            if count
            else _("Aucune occurrence à venir ne tombe un jour férié."),
            "success",
        )
    else:
        flash(_("Vérifiez le formulaire."), "error")
    return redirect(url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=series.id))


def _occurrence_arg(value: str | None) -> datetime | None:
    """An occurrence named by its original local start (« 2026-06-15T10:00 »)."""
    try:
        found = datetime.fromisoformat((value or "")[:16])
    except ValueError:
        return None
    return found if 1900 <= found.year <= 2100 else None


@bp.route(
    "/c/<centre_slug>/agenda/evenements/<int:agenda_event_id>/occurrence",
    methods=("GET", "POST"),
)
@login_required
def occurrence(centre_slug: str, agenda_event_id: int):
    centre = _centre(centre_slug)
    series = _event_or_404(centre, agenda_event_id)
    require(_can_edit(series) and bool(series.rrule))
    form = forms.OccurrenceForm()
    original = _occurrence_arg(form.occurrence.data or request.args.get("le"))
    if original is None and request.method == "POST":
        abort(404)  # an occurrence nobody can name
    if original is None:
        original = series.starts_local  # the first occurrence
    if request.method == "GET":
        form.occurrence.data = original.isoformat(timespec="minutes")
        form.day.data = original.date()
        form.start.data = original.time()
        form.end.data = (original + (series.ends_local - series.starts_local)).time()
    event_url = url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=series.id)
    if request.method == "POST" and request.form.get("annuler"):
        # Cancelling needs no slot: only the CSRF token and the occurrence.
        confirm = forms.ConfirmForm()
        done, _cancelled = attempt(
            confirm, lambda: agenda.cancel_occurrence(db.session, series, original)
        )
        form.form_errors.extend(confirm.form_errors)
        if done:
            flash(_("Occurrence annulée."), "success")
            return redirect(event_url)
    else:
        done, booking = attempt(
            form,
            lambda: agenda.move_occurrence(
                db.session,
                series,
                original,
                starts_local=form.starts_local(),
                ends_local=form.ends_local(),
            ),
        )
        if done:
            _flash_warnings(booking)
            flash(_("Occurrence déplacée."), "success")
            return redirect(event_url)
    return page(
        "agenda/occurrence.html", centre=centre, series=series, form=form, original=original
    )
