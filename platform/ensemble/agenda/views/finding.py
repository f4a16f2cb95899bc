"""Finding a slot (the finder's form and its proposals, each one click from a
request or a booking) and one's working hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from ensemble.agenda import finder_forms, finding, holidays, hours, permissions
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category
from ensemble.agenda.views.common import _calendar_or_404, _centre, bp
from ensemble.agenda.views.events import _flash_warnings
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.kernel.views import act, attempt, page, require
from ensemble.network.models import Centre
from ensemble.tenancy import context

# The window offered first: « dans les trois semaines qui viennent ».
DEFAULT_WINDOW_DAYS = 21
SHOWN, SERIES_SHOWN = 8, 6


def _places(calendar: Calendar, centre: Centre, is_person: bool) -> list[Centre]:
    """Where the finder looks: the person's centres for the person, this centre
    for its director."""
    bookable = agenda.bookable_centres(db.session, calendar)
    if is_person:
        return bookable
    return [centre] if permissions.is_director(centre) else []


def _series_exceptions(
    place: Centre, starts: datetime, form: finder_forms.TakeForm, posted: list[datetime]
) -> list[datetime]:
    """The exceptions of a posted series, as the finder proposes them: exactly the
    occurrences on a day closed at the place (public holidays). The hidden field
    is the reader's to change: an emptied one would book Christmas, one covering
    every occurrence an empty series over a clash; either is refused."""
    every, count = int(form.every_weeks.data), int(form.count.data or "")
    closed = _closed_at(place)
    occurrences = [starts + timedelta(weeks=every * k) for k in range(count)]
    expected = [o for o in occurrences if closed(o.date())]
    if sorted(set(posted)) != expected:
        raise Refusal(
            _("Les exceptions de cette série ne sont plus celles proposées : cherchez à nouveau.")
        )
    if len(expected) == len(occurrences):
        raise Refusal(_("Toutes les séances tombent un jour férié : cherchez à nouveau."))
    return expected


def _check_proposable(
    calendar, place: Centre, starts: datetime, ends: datetime, *, series: bool = False
) -> None:
    """The posted slot is one the finder could have proposed: the hidden fields are
    the reader's to change, so the window, the person's working hours and the
    public holidays are checked again here (the booking itself allows any time)."""
    today = clock.today()
    last = today + timedelta(days=finding.MAX_WINDOW_DAYS)
    if not (today <= starts.date() <= last and starts < ends and ends.date() == starts.date()):
        raise Refusal(_("Ce créneau n’est plus dans la fenêtre de recherche : cherchez à nouveau."))
    # (A series' first day may be closed: it is then one of its checked exceptions.)
    if not series and _closed_at(place)(starts.date()):
        raise Refusal(_("Ce jour est férié : cherchez à nouveau."))
    week = hours.week_of(db.session, calendar.user_id)
    if not any(
        datetime.combine(starts.date(), lo) <= starts
        and ends <= datetime.combine(starts.date(), hi)
        for lo, hi in week.on(starts.weekday()).intervals()
    ):
        raise Refusal(
            _("Ce créneau sort des horaires de travail de la personne : cherchez à nouveau.")
        )


def _closed_at(place: Centre) -> Callable[[date], bool]:
    """The public holidays where the slot takes place (Alsace-Moselle has two more)."""
    return lambda day: holidays.is_public_holiday(day, place.departement or None)


def _search(form: finder_forms.FinderForm, calendar: Calendar, places: list[Centre]):
    """Each centre's candidates, unchecked, ranked together; then the best ones
    confirmed by trial bookings once (not once per centre)."""
    chosen = [c for c in places if not form.centre.data or c.id == form.centre.data]
    first, last = form.first_day.data, form.last_day.data
    found: list[finding.Proposal] = []
    if form.repeat.data:
        for place in chosen:
            found += finding.find_series(
                db.session,
                calendar,
                [place.id],
                form.length,
                first,
                weekday=int(form.weekday.data),
                every_weeks=int(form.repeat.data),
                count=form.count.data,
                part=form.part_of_day,
                limit=finding.MAX_RESULTS,
                closed_days=_closed_at(place),
                verify=False,
            )
        ranked = sorted(found, key=finding.series_rank)
        return finding.confirmed(db.session, calendar, ranked, SERIES_SHOWN)
    if last < clock.today():
        raise Refusal(_("La période est passée."), "last_day")
    weekdays = {int(form.weekday.data)} if form.weekday.data else None
    for place in chosen:
        found += finding.find(
            db.session,
            calendar,
            place.id,
            form.length,
            first,
            last,
            weekdays=weekdays,
            part=form.part_of_day,
            limit=finding.MAX_RESULTS,
            closed_days=_closed_at(place),
            verify=False,
        )
    return finding.confirmed(db.session, calendar, sorted(found, key=finding.rank), SHOWN)


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/trouver", methods=("GET", "POST")
)
@login_required
def find(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    is_person = permissions.is_person(calendar)
    places = _places(calendar, centre, is_person)
    require(places)
    form = finder_forms.FinderForm()
    choices = [SelectChoice(c.id, c.name) for c in places]
    if len(places) > 1:
        choices.insert(0, SelectChoice(0, _("N’importe lequel de mes centres")))
    form.centre.choices = choices
    if request.method == "GET":
        today = clock.today()
        form.first_day.data = today
        form.last_day.data = today + timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        form.centre.data = centre.id if any(c.id == centre.id for c in places) else places[0].id
    done, proposals = attempt(form, lambda: _search(form, calendar, places))
    can_book_here = {c.id for c in agenda.bookable_centres(db.session, calendar)}
    return page(
        "agenda/find.html",
        status=200 if done or request.method == "GET" else None,
        centre=centre,
        calendar=calendar,
        form=form,
        proposals=proposals if done else None,
        places={c.id: c for c in places},
        can_ask=permissions.can_ask(centre, calendar),
        can_book_at=can_book_here,
        week=hours.week_of(db.session, calendar.user_id),
        weekday_names=hours.WEEKDAY_NAMES,
        duration_label=finder_forms.duration_label,
        take=finder_forms.TakeForm(formdata=None),
        iso_list=lambda instants: ",".join(x.isoformat(timespec="minutes") for x in instants),
    )


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/trouver/retenir", methods=("POST",)
)
@login_required
def take(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    is_person = permissions.is_person(calendar)
    places = {c.id: c for c in _places(calendar, centre, is_person)}
    require(places)
    form = finder_forms.TakeForm()
    back = url_for("agenda.find", centre_slug=centre.slug, agenda_calendar_id=calendar.id)

    def run():
        try:
            centre_id, starts, ends = form.slot()
            rrule, exdates = form.series()
        except (ValueError, OverflowError):  # 9999-12-31T23:00 + 2 h overflows
            raise Refusal(_("Créneau illisible : cherchez à nouveau.")) from None
        place = places.get(centre_id)
        if place is None:
            raise Refusal(_("Ce lieu n’est pas proposé : cherchez à nouveau."))
        if rrule:
            exdates = _series_exceptions(place, starts, form, exdates)
        _check_proposable(calendar, place, starts, ends, series=bool(rrule))
        if form.action.data == "demander":
            if not permissions.can_ask(centre, calendar) or rrule:
                raise Refusal(_("Ce créneau ne peut pas être demandé : réservez-le."))
            item = agenda.ask(
                db.session,
                calendar,
                place,
                title=form.title.data,
                category=Category(form.category.data),
                starts_local=starts,
                ends_local=ends,
            )
            return url_for(
                "agenda.request_detail", centre_slug=centre.slug, agenda_request_id=item.id
            )
        if place not in agenda.bookable_centres(db.session, calendar):
            raise Refusal(_("Vous ne pouvez pas réserver dans ce centre : demandez le créneau."))
        booking = agenda.book(
            db.session,
            calendar,
            centre_id=place.id,
            category=Category(form.category.data),
            title=form.title.data,
            starts_local=starts,
            ends_local=ends,
            rrule=rrule,
            exdates=exdates,
        )
        _flash_warnings(booking)
        return url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=booking.event.id)

    return act(
        form,
        run,
        success=lambda _url: (
            _("Demande envoyée.") if form.action.data == "demander" else _("Créneau réservé.")
        ),
        back=back,
        next_url=lambda url: url,
    )


@bp.route("/c/<centre_slug>/agenda/mes-horaires", methods=("GET", "POST"))
@login_required
def working_hours(centre_slug: str):
    centre = _centre(centre_slug)
    me = context.current().user_id
    require(me)
    form = finder_forms.HoursForm()
    week = hours.week_of(db.session, me)

    def save():
        if form.action.data == "defaut":
            hours.reset_week(db.session, me)
            return _("Horaires par défaut rétablis.")
        hours.set_week(db.session, me, form.days())
        return _("Horaires enregistrés.")

    done, message = attempt(form, save)
    if done:
        flash(message, "success")
        return redirect(url_for("agenda.working_hours", centre_slug=centre.slug))
    if request.method == "GET":
        form.fill(week)
    return page(
        "agenda/hours.html",
        centre=centre,
        form=form,
        week=week,
        default=hours.Week(hours.DEFAULT_WEEK, is_default=True),
        weekday_names=hours.WEEKDAY_NAMES,
    )
