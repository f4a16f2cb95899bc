"""What every calendar page shares: the blueprint, its URL arguments and
navigation, template helpers, and loading what the URL names (a 404 for
anything another centre's)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ensemble.agenda import forms, permissions, recurrence
from ensemble.agenda.models import Calendar, Event, Request, RequestStatus
from ensemble.extensions import db
from ensemble.network.models import Centre
from ensemble.sharing.models import VISIBLE_STATUSES, AgreementParty
from ensemble.tenancy import context
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import centre_or_404, object_or_404
from ensemble.tenancy.urls import object_arg

# Rooted at the capability's folder, where its templates/ are.
bp = Blueprint("agenda", "ensemble.agenda", template_folder="templates")
object_arg("agenda_calendar_id", Calendar)
object_arg("agenda_event_id", Event)
object_arg("agenda_request_id", Request)
section("centre", _l("Agenda"), "agenda.index", order=35)

VIEWS = {"semaine": 7, "mois": 0, "jour": 1}
COLOURS = 8
STATUS_LABELS = {
    RequestStatus.PENDING: _l("En attente"),
    RequestStatus.ACCEPTED: _l("Acceptée"),
    RequestStatus.DECLINED: _l("Refusée"),
    RequestStatus.PROPOSED: _l("Autre créneau proposé"),
}


@bp.context_processor
def helpers():
    return {
        "category_labels": forms.CATEGORY_LABELS,
        "status_labels": STATUS_LABELS,
        "local_time": local_time,
        "local_day": lambda day: format_date(day, "EEEE d MMMM"),
        "local_when": local_when,
        "slot_time": slot_time,
        "colour": lambda centre_id: f"agenda-c{centre_id % COLOURS}",
        "hours": lambda value: _("%(value)s\u00a0h", value=format(value, "f").replace(".", ",")),
    }


def season(instant: datetime) -> str:
    """« heure d’été » or « heure d’hiver »: the offset in force at `instant` in Paris."""
    dst = instant.astimezone(ZoneInfo(recurrence.PARIS)).dst()
    return _("heure d’été") if dst else _("heure d’hiver")


def local_time(instant: datetime) -> str:
    """« 14:30 »; in the autumn hour that happens twice, « 02:30 (heure d’hiver) »."""
    shown = format_datetime(instant, "HH:mm")
    if recurrence.needs_offset(instant):
        return _("%(time)s (%(season)s)", time=shown, season=season(instant))
    return shown


def local_when(local: datetime) -> str:
    """A local wall time as a day and a time. One that does not exist (the spring
    gap) says when it really happens; one that happens twice says which."""
    instant = recurrence.to_instant(local)
    day = format_datetime(instant, "EEEE d MMMM y")
    kind = recurrence.wall_time_kind(local)
    if kind == "skipped":
        return _(
            "%(day)s à %(time)s (heure d’été : %(wall)s n’existe pas ce jour-là)",
            day=day,
            time=format_datetime(instant, "HH:mm"),
            wall=local.strftime("%H:%M"),
        )
    return _("%(day)s à %(time)s", day=day, time=local_time(instant))


def slot_time(slot, day: date | None = None) -> str:
    """When a slot is, as the grid shows it under `day`: « 14:00–16:00 », « Toute
    la journée », and for what crosses midnight the times of that day only
    (« jusqu’à 08:00 », « dès 20:00 »)."""
    if slot.all_day:
        return _("Toute la journée")
    starts_on = recurrence.to_local(slot.starts_at).date()
    ends_on = recurrence.to_local(slot.ends_at - timedelta(microseconds=1)).date()
    if starts_on == ends_on:
        return f"{local_time(slot.starts_at)}–{local_time(slot.ends_at)}"
    if day is None:
        return _(
            "du %(start)s au %(end)s",
            start=format_datetime(slot.starts_at, "d MMMM HH:mm"),
            end=format_datetime(slot.ends_at, "d MMMM HH:mm"),
        )
    if day == starts_on:
        return _("dès %(time)s", time=local_time(slot.starts_at))
    if day == ends_on:
        return _("jusqu’à %(time)s", time=local_time(slot.ends_at))
    return _("toute la journée (suite)")


# --- Loading what the URL names ------------------------------------------------------


def _centre(slug: str) -> Centre:
    return centre_or_404(slug)


def _takes_part(centre: Centre, calendar: Calendar) -> bool:
    return (
        db.session.scalar(
            select(AgreementParty.id)
            .where(
                AgreementParty.agreement_id == calendar.agreement_id,
                AgreementParty.status.in_(VISIBLE_STATUSES),
                (AgreementParty.centre_id == centre.id)
                | (AgreementParty.employer_id == centre.employer_id),
            )
            .limit(1)
        )
        is not None
    )


def _calendar_or_404(centre: Centre, calendar_id: int) -> Calendar:
    calendar = object_or_404(Calendar, calendar_id)
    if not _takes_part(centre, calendar):
        abort(404)
    return calendar


def _event_or_404(centre: Centre, event_id: int) -> Event:
    event = object_or_404(Event, event_id)
    if event.centre_id != centre.id and event.user_id != context.current().user_id:
        abort(404)
    return event


def _request_or_404(centre: Centre, request_id: int) -> Request:
    item = object_or_404(Request, request_id)
    if item.centre_id != centre.id and item.user_id != context.current().user_id:
        abort(404)
    return item


_can_edit = permissions.can_edit_event
