"""The period a page shows (a week, a month or a day) and rendering its slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ensemble.agenda import operations as agenda
from ensemble.agenda import recurrence
from ensemble.agenda.holidays import public_holidays
from ensemble.agenda.views.common import VIEWS
from ensemble.extensions import db
from ensemble.kernel import clock, french
from ensemble.network.models import Centre


@dataclass(frozen=True)
class Period:
    view: str
    anchor: date
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(n) for n in range((self.end - self.start).days)]

    @property
    def weeks(self) -> list[list[date]]:
        days = self.days
        return [days[i : i + 7] for i in range(0, len(days), 7)]

    def shifted(self, direction: int) -> date:
        if self.view == "jour":
            return self.anchor + timedelta(days=direction)
        if self.view == "semaine":
            return self.anchor + timedelta(days=7 * direction)
        month = self.anchor.replace(day=1) + timedelta(days=32 * direction if direction > 0 else -1)
        return month.replace(day=1)

    @property
    def label(self) -> str:
        # The kernel's French dates: « 1er janvier », never « 1 janvier ».
        if self.view == "jour":
            return french.long_date(self.anchor, weekday=True)
        if self.view == "mois":
            return french.month_label(self.anchor)
        return _(
            "Semaine du %(start)s au %(end)s",
            start=french.long_date(self.start, year=False),
            end=french.long_date(self.end - timedelta(days=1)),
        )


def _period() -> Period:
    view = request.args.get("vue", "semaine")
    view = view if view in VIEWS else "semaine"
    try:
        anchor = date.fromisoformat(request.args.get("date", "")[:10])
    except ValueError:
        anchor = clock.today()
    if not date(2000, 1, 1) <= anchor <= date(2100, 1, 1):
        anchor = clock.today()
    if view == "jour":
        return Period(view, anchor, anchor, anchor + timedelta(days=1))
    if view == "semaine":
        start = anchor - timedelta(days=anchor.weekday())
        return Period(view, anchor, start, start + timedelta(days=7))
    first = anchor.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=7 - last.weekday())
    return Period(view, anchor, start, end)


def _by_day(slots: list[agenda.Slot]) -> dict[date, list[agenda.Slot]]:
    """Each slot under every local day it covers (a night, a trip, leave)."""
    days: dict[date, list[agenda.Slot]] = {}
    for slot in slots:
        day = recurrence.to_local(slot.starts_at).date()
        last = recurrence.to_local(slot.ends_at - timedelta(microseconds=1)).date()
        while day <= last:
            days.setdefault(day, []).append(slot)
            day += timedelta(days=1)
    return days


def _centres(ids) -> dict[int, Centre]:
    ids = set(ids)
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Centre).where(Centre.id.in_(ids)))}


def _render_period(template: str, centre: Centre, slots, period: Period, **extra):
    # Only the centres of what the reader may see: a legend naming the centres
    # of busy-only time would say where the person is elsewhere.
    centres = _centres({s.centre_id for s in slots if not s.hidden} | {centre.id})
    return render_template(
        template,
        centre=centre,
        period=period,
        by_day=_by_day(slots),
        centres=centres,
        today=clock.today(),
        holidays=public_holidays(period.start, period.end, centre.departement),
        **extra,
    )
