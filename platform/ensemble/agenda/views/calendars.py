"""A centre's calendar and a shared person's calendar."""

from __future__ import annotations

from flask_login import login_required
from sqlalchemy import select

from ensemble.agenda import operations as agenda
from ensemble.agenda import permissions
from ensemble.agenda.models import Request, RequestStatus
from ensemble.agenda.views.common import _calendar_or_404, _centre, bp
from ensemble.agenda.views.periods import _centres, _period, _render_period
from ensemble.extensions import db
from ensemble.kernel import french
from ensemble.tenancy import context


@bp.route("/c/<centre_slug>/agenda/")
@login_required
def index(centre_slug: str):
    centre = _centre(centre_slug)
    period = _period()
    calendars = agenda.calendars_of_centre(db.session, centre)
    slots = agenda.slots(
        db.session,
        period.start,
        period.end,
        user_ids=[c.user_id for c in calendars],
        centre_id=centre.id,
    )
    pending = db.session.scalars(
        select(Request).where(
            Request.status == RequestStatus.PENDING,
            (Request.user_id == context.current().user_id) | (Request.centre_id == centre.id),
        )
    ).all()
    return _render_period(
        "agenda/index.html",
        centre,
        slots,
        period,
        calendars=calendars,
        pending=pending,
        endpoint="agenda.index",
        args={"centre_slug": centre.slug},
    )


@bp.route("/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>")
@login_required
def person(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    period = _period()
    slots = agenda.slots(db.session, period.start, period.end, user_ids=[calendar.user_id])
    ctx = context.current()
    shares = [
        line
        for line in agenda.share_lines(db.session, calendar.user_id, period.anchor)
        if permissions.sees_hours_at(calendar, line.centre_id, ctx)
    ]
    return _render_period(
        "agenda/person.html",
        centre,
        slots,
        period,
        calendar=calendar,
        shares=shares,
        share_centres=_centres(line.centre_id for line in shares),
        month_label=french.month_label(period.anchor),
        can_book=agenda.can_book(db.session, calendar),
        can_ask=permissions.can_ask(centre, calendar, ctx),
        is_person=calendar.user_id == ctx.user_id,
        endpoint="agenda.person",
        args={"centre_slug": centre.slug, "agenda_calendar_id": calendar.id},
    )
