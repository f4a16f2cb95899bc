"""What every calendar page shares: the blueprint, its URL arguments and
navigation, template helpers, and loading what the URL names (a 404 for
anything another centre's)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ensemble.agenda import forms, permissions, recurrence, words
from ensemble.agenda.models import Calendar, Event, Request, RequestStatus
from ensemble.extensions import db
from ensemble.kernel import french
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
        # The kernel's one French style: « 14 h 30 », « mardi 1er décembre », « 15 h 30 ».
        "local_time": french.time_of_day,
        "local_day": lambda day: french.long_date(day, weekday=True, year=False),
        "local_when": lambda local: french.long_datetime(
            recurrence.to_instant(local), weekday=True
        ),
        "colour": lambda centre_id: f"agenda-c{centre_id % COLOURS}",
        "hours": french.duration,
        "repetition": words.describe,
    }


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
