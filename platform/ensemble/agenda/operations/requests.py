"""Requests from centres: a director asks for the person at a date and place;
the person accepts, declines with a reason or proposes another slot."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ensemble.agenda import recurrence
from ensemble.agenda.models import Calendar, Category, Request, RequestStatus
from ensemble.agenda.operations.booking import _check_period, book
from ensemble.agenda.operations.common import AgendaError, Booking, Settings
from ensemble.db import utcnow
from ensemble.kernel import french
from ensemble.network.models import Centre
from ensemble.notifications.operations import notify, resolve
from ensemble.people.models import User
from ensemble.tenancy import context


def _recipient(session: Session, user_id: int) -> list[tuple[int, str]]:
    user = session.get(User, user_id)
    return [(user.id, user.email)] if user is not None else []


def ask(
    session: Session,
    calendar: Calendar,
    centre: Centre,
    *,
    title: str,
    category: Category,
    starts_local: datetime,
    ends_local: datetime,
    message: str = "",
    link: str = "",
) -> Request:
    """A director asks for the person at a date and place; the person is notified."""
    _check_period(starts_local, ends_local)
    request = Request(
        calendar_id=calendar.id,
        user_id=calendar.user_id,
        agreement_id=calendar.agreement_id,
        centre_id=centre.id,
        requested_by_user_id=context.current().user_id,
        category=category,
        title=title.strip(),
        message=message.strip(),
        starts_local=starts_local,
        ends_local=ends_local,
        status=RequestStatus.PENDING,
        reason="",
    )
    session.add(request)
    session.flush()
    notify(
        session,
        _recipient(session, calendar.user_id),
        _("Demande de créneau de %(centre)s", centre=centre.name),
        body=_(
            "%(centre)s vous demande pour « %(title)s » le %(when)s.",
            centre=centre.name,
            title=request.title,
            when=_when(starts_local),
        ),
        link=link or request_link(centre.slug, request.id),
        centre_id=centre.id,
        subject=asked_subject(request.id),
    )
    return request


# What each notification about a request waits on (notifications.resolve ends it):
# the person's answer; the requester's taking of a proposed slot; the requester's
# reading of an accepted or declined answer.
def asked_subject(request_id: int) -> str:
    return f"agenda_request:{request_id}"


def proposal_subject(request_id: int) -> str:
    return f"agenda_proposal:{request_id}"


def answer_subject(request_id: int) -> str:
    return f"agenda_answer:{request_id}"


def request_link(centre_slug: str, request_id: int) -> str:
    """The request's page, under the requesting centre (open to its members and to
    the person asked)."""
    return f"/c/{centre_slug}/agenda/demandes/{request_id}"


def answer_seen(session: Session, request: Request) -> None:
    """The requester read the answer (accepted or declined): it waits no more."""
    if request.status in (RequestStatus.ACCEPTED, RequestStatus.DECLINED):
        resolve(session, answer_subject(request.id))


def _when(local: datetime) -> str:
    """« lundi 4 février 2030 à 9 h », the kernel's one French style."""
    return french.long_datetime(recurrence.to_instant(local), weekday=True)


def _answered(session: Session, request: Request, title: str, body: str, link: str) -> None:
    request.answered_at = utcnow()
    session.flush()
    resolve(session, asked_subject(request.id))
    proposed = request.status is RequestStatus.PROPOSED
    if not link:
        centre = session.get(Centre, request.centre_id)
        link = request_link(centre.slug, request.id) if centre is not None else ""
    notify(
        session,
        _recipient(session, request.requested_by_user_id),
        title,
        body=body,
        link=link,
        centre_id=request.centre_id,
        subject=proposal_subject(request.id) if proposed else answer_subject(request.id),
    )


def accept(
    session: Session, request: Request, *, link: str = "", config: Settings | None = None
) -> Booking:
    """The person accepts: the event is booked (clash and share checks apply)."""
    if request.status is not RequestStatus.PENDING:
        raise AgendaError(_("Cette demande a déjà reçu une réponse."))
    booking = _book_requested(session, request, config)
    request.status = RequestStatus.ACCEPTED
    request.event_id = booking.event.id
    _answered(
        session,
        request,
        _("Demande acceptée : %(title)s", title=request.title),
        _(
            "Votre demande « %(title)s » du %(when)s est acceptée.",
            title=request.title,
            when=_when(request.starts_local),
        ),
        link,
    )
    return booking


def _book_requested(
    session: Session,
    request: Request,
    config: Settings | None,
    slot: tuple[datetime, datetime] | None = None,
) -> Booking:
    """Book the slot a request asks for (or `slot`), in the person's calendar."""
    starts_local, ends_local = slot or (request.starts_local, request.ends_local)
    return book(
        session,
        session.get_one(Calendar, request.calendar_id),
        centre_id=request.centre_id,
        category=request.category,
        title=request.title,
        description=request.message,
        starts_local=starts_local,
        ends_local=ends_local,
        config=config,
    )


def _refusal(
    session: Session,
    request: Request,
    config: Settings | None,
    slot: tuple[datetime, datetime] | None = None,
) -> str | None:
    """Why booking the request's slot (or `slot`) would be refused right now, or
    None. The booking is tried in a savepoint that is always rolled back, so the
    database trigger stays the one judge (clash and travel time) and nothing is kept."""
    trial = session.begin_nested()
    try:
        _book_requested(session, request, config, slot)
    except AgendaError as refused:
        return refused.message
    finally:
        if trial.is_active:
            trial.rollback()
    return None


def accept_refusal(
    session: Session, request: Request, *, config: Settings | None = None
) -> str | None:
    """Why accepting `request` would be refused right now (a clash, a share
    refused), or None: « Accepter » is offered only when it can succeed."""
    if request.status is not RequestStatus.PENDING:
        return None
    return _refusal(session, request, config)


def proposal_refusal(
    session: Session, request: Request, *, config: Settings | None = None
) -> str | None:
    """Why the requester could not take the proposed slot right now, or None:
    « Retenir » is offered only when it can succeed."""
    if request.status is not RequestStatus.PROPOSED or request.proposed_starts_local is None:
        return None
    assert request.proposed_ends_local is not None  # set with the start (check constraint)
    slot = (request.proposed_starts_local, request.proposed_ends_local)
    return _refusal(session, request, config, slot)


def decline(session: Session, request: Request, reason: str, *, link: str = "") -> None:
    """The person declines, with a reason sent to the requester."""
    if request.status is not RequestStatus.PENDING:
        raise AgendaError(_("Cette demande a déjà reçu une réponse."))
    if not reason.strip():
        raise AgendaError(_("Indiquez la raison du refus."))
    request.status = RequestStatus.DECLINED
    request.reason = reason.strip()
    _answered(
        session,
        request,
        _("Demande refusée : %(title)s", title=request.title),
        _(
            "Votre demande « %(title)s » du %(when)s est refusée. Raison : %(reason)s",
            title=request.title,
            when=_when(request.starts_local),
            reason=request.reason,
        ),
        link,
    )


def propose(
    session: Session,
    request: Request,
    starts_local: datetime,
    ends_local: datetime,
    reason: str = "",
    *,
    link: str = "",
    config: Settings | None = None,
) -> None:
    """The person proposes another slot; the requester may take it. The slot
    must be bookable now: the same clash and travel rules as a booking run on
    it before it is sent (a proposal nobody can take helps nobody)."""
    if request.status is not RequestStatus.PENDING:
        raise AgendaError(_("Cette demande a déjà reçu une réponse."))
    _check_period(starts_local, ends_local)
    refused = _refusal(session, request, config, (starts_local, ends_local))
    if refused is not None:
        raise AgendaError(_("Ce créneau ne peut pas être proposé : %(why)s", why=refused))
    request.status = RequestStatus.PROPOSED
    request.proposed_starts_local, request.proposed_ends_local = starts_local, ends_local
    request.reason = reason.strip()
    _answered(
        session,
        request,
        _("Autre créneau proposé : %(title)s", title=request.title),
        _(
            "Pour « %(title)s », un autre créneau vous est proposé : le %(when)s.",
            title=request.title,
            when=_when(starts_local),
        ),
        link,
    )


def take_proposal(session: Session, request: Request, *, config: Settings | None = None) -> Booking:
    """The requester takes the proposed slot: it is booked at their centre."""
    if request.status is not RequestStatus.PROPOSED:
        raise AgendaError(_("Aucun autre créneau n’a été proposé."))
    # `propose` sets the slot with the status.
    assert request.proposed_starts_local is not None and request.proposed_ends_local is not None
    calendar = session.get_one(Calendar, request.calendar_id)
    booking = book(
        session,
        calendar,
        centre_id=request.centre_id,
        category=request.category,
        title=request.title,
        description=request.message,
        starts_local=request.proposed_starts_local,
        ends_local=request.proposed_ends_local,
        config=config,
    )
    request.status = RequestStatus.ACCEPTED
    request.event_id = booking.event.id
    session.flush()
    resolve(session, proposal_subject(request.id))
    return booking
