"""Pages of the shared calendars, under /c/<centre>/agenda/…, and the private
feeds under /agenda/flux/<token>.ics.

What a page shows follows row-level security: the events of the centre in
the URL (and all of one's own) in full, the shared people's time elsewhere as
« Occupé — autre structure ». An id from elsewhere is a 404.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ensemble.agenda import feeds, forms, importing, permissions, recurrence
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Event, Request, RequestStatus
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.kernel.views import attempt, first_error, page, require
from ensemble.network.models import Centre
from ensemble.sharing.models import VISIBLE_STATUSES, AgreementParty
from ensemble.tenancy import context
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import MAX_ID, centre_or_404, object_or_404
from ensemble.tenancy.urls import object_arg

bp = Blueprint("agenda", __name__, template_folder="templates")
object_arg("agenda_calendar_id", Calendar)
object_arg("agenda_event_id", Event)
object_arg("agenda_request_id", Request)
section("centre", _l("Agenda"), "agenda.index", order=35)

VIEWS = {"semaine": 7, "mois": 0, "jour": 1}
COLOURS = 8
DONE_MESSAGES = {
    "accepter": _l("Demande acceptée : l’événement est dans l’agenda."),
    "refuser": _l("Demande refusée."),
    "proposer": _l("Autre créneau proposé."),
    "retenir": _l("Créneau retenu : l’événement est dans l’agenda."),
}
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
        "local_time": lambda instant: format_datetime(instant, "HH:mm"),
        "local_day": lambda day: format_date(day, "EEEE d MMMM"),
        "local_when": lambda local: format_datetime(
            recurrence.to_instant(local), "EEEE d MMMM y 'à' HH:mm"
        ),
        "colour": lambda centre_id: f"agenda-c{centre_id % COLOURS}",
        "hours": lambda value: _("%(value)s\u00a0h", value=format(value, "f").replace(".", ",")),
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


# --- Periods -----------------------------------------------------------------------------


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
        if self.view == "jour":
            return format_date(self.anchor, "EEEE d MMMM y")
        if self.view == "mois":
            return format_date(self.anchor, "MMMM y")
        return _(
            "Semaine du %(start)s au %(end)s",
            start=format_date(self.start, "d MMMM"),
            end=format_date(self.end - timedelta(days=1), "d MMMM y"),
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
    days: dict[date, list[agenda.Slot]] = {}
    for slot in slots:
        days.setdefault(recurrence.to_local(slot.starts_at).date(), []).append(slot)
    return days


def _centres(ids) -> dict[int, Centre]:
    ids = set(ids)
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Centre).where(Centre.id.in_(ids)))}


def _render_period(template: str, centre: Centre, slots, period: Period, **extra):
    centres = _centres({s.centre_id for s in slots} | {centre.id})
    return render_template(
        template,
        centre=centre,
        period=period,
        by_day=_by_day(slots),
        centres=centres,
        today=clock.today(),
        **extra,
    )


# --- Centre and person calendars ------------------------------------------------------------


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
    shares = agenda.share_lines(db.session, calendar.user_id, period.anchor)
    ctx = context.current()
    return _render_period(
        "agenda/person.html",
        centre,
        slots,
        period,
        calendar=calendar,
        shares=shares,
        share_centres=_centres(line.centre_id for line in shares),
        month_label=format_date(period.anchor, "MMMM y"),
        can_book=agenda.can_book(db.session, calendar),
        can_ask=permissions.can_ask(centre, calendar, ctx),
        is_person=calendar.user_id == ctx.user_id,
        endpoint="agenda.person",
        args={"centre_slug": centre.slug, "agenda_calendar_id": calendar.id},
    )


# --- Events ---------------------------------------------------------------------------------


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
        lambda: _booking(form, lambda: agenda.book(db.session, calendar, **_event_fields(form))),
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
        form.start.data, form.end.data = item.starts_local.time(), item.ends_local.time()
        if item.rrule:
            form.repeat.data, form.rrule.data = "CUSTOM", item.rrule
    done, booking = attempt(
        form, lambda: _booking(form, lambda: agenda.move(db.session, item, **_event_fields(form)))
    )
    if done:
        _flash_warnings(booking)
        flash(_("Événement modifié."), "success")
        return redirect(url_for("agenda.event", centre_slug=centre.slug, agenda_event_id=item.id))
    return page("agenda/event_form.html", centre=centre, calendar=calendar, form=form, event=item)


@bp.route("/c/<centre_slug>/agenda/evenements/<int:agenda_event_id>/supprimer", methods=("POST",))
@login_required
def delete_event(centre_slug: str, agenda_event_id: int):
    centre = _centre(centre_slug)
    item = _event_or_404(centre, agenda_event_id)
    require(_can_edit(item))
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


# --- Requests --------------------------------------------------------------------------------


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
        is_requester=is_requester,
        decline_form=decline_form,
        propose_form=propose_form,
        confirm=confirm,
    )


def _slug_of(centre_id: int) -> str:
    centre = db.session.get(Centre, centre_id)
    return centre.slug if centre else ""


# --- Subscription feeds ----------------------------------------------------------------------


def _feed_url(feed) -> str | None:
    if feed is None:
        return None
    value = feeds.token(current_app.config["SECRET_KEY"], feed.id, feed.nonce)
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("agenda.feed", token=value)


@bp.route("/c/<centre_slug>/agenda/abonnement", methods=("GET", "POST"))
@login_required
def subscription(centre_slug: str):
    centre = _centre(centre_slug)
    ctx = context.current()
    has_calendar = (
        db.session.scalar(select(Calendar.id).where(Calendar.user_id == ctx.user_id).limit(1))
        is not None
    )
    is_director = permissions.is_director(centre, ctx)
    form = forms.FeedForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        scope = form.scope.data
        require(has_calendar if scope == "person" else is_director)
        target = {"user_id": ctx.user_id} if scope == "person" else {"centre_id": centre.id}
        if form.action.data == "regenerate":
            had_one = agenda.active_feed(db.session, **target) is not None
            agenda.regenerate_feed(db.session, **target)
            if had_one:
                flash(_("Nouvelle adresse créée : l’ancienne ne fonctionne plus."), "success")
            else:
                flash(_("Adresse créée : copiez-la dans l’application d’agenda."), "success")
        else:
            agenda.revoke_feed(db.session, **target)
            flash(_("Adresse révoquée."), "success")
        return redirect(url_for("agenda.subscription", centre_slug=centre.slug))
    person_feed = agenda.active_feed(db.session, user_id=ctx.user_id) if has_calendar else None
    centre_feed = agenda.active_feed(db.session, centre_id=centre.id) if is_director else None
    return render_template(
        "agenda/subscription.html",
        centre=centre,
        form=form,
        has_calendar=has_calendar,
        is_director=is_director,
        person_url=_feed_url(person_feed),
        centre_url=_feed_url(centre_feed),
    )


@bp.route("/agenda/flux/<token:token>.ics")
def feed(token: str):
    """The private feed: no session, the token is the key. A revoked, regenerated
    or forged token is a 404, like any unknown page."""
    parsed = feeds.parse_token(token)
    if parsed is None or parsed[0] > MAX_ID:
        abort(404)
    found = agenda.feed_scope(db.session, parsed[0])
    if found is None or not feeds.verify(current_app.config["SECRET_KEY"], token, found[0]):
        abort(404)
    nonce, user_id, centre_id = found
    scope = feeds.Scope(user_id, centre_id)
    context.activate(scope.context(), db.session)
    today = clock.today()
    tag = feeds.etag(db.session, scope, nonce, today)
    headers = {"ETag": tag, "Cache-Control": "private, max-age=300"}
    if feeds.matches(request.headers.get("If-None-Match"), tag):
        return Response(status=304, headers=headers)
    if centre_id is not None:
        centre = db.session.get(Centre, centre_id)
        name = centre.name if centre else _("Agenda du centre")
    else:
        name = _("Mon agenda — Ensemble")
    body = feeds.build(db.session, scope, name, today)
    return Response(
        body, headers=headers, mimetype="text/calendar", content_type="text/calendar; charset=utf-8"
    )


# --- Import ------------------------------------------------------------------------------------


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/importer", methods=("GET", "POST")
)
@login_required
def import_ics(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    places = agenda.bookable_centres(db.session, calendar)
    require(places)
    choices = [SelectChoice(c.id, c.name) for c in places]
    upload = forms.ImportForm()
    confirm = forms.ConfirmImportForm(prefix="confirmer")
    upload.centre.choices = confirm.centre.choices = choices
    candidates, outcome, status = None, None, None
    if request.method == "POST" and "confirmer-content" in request.form:

        def import_all():
            try:
                data = base64.b64decode(confirm.content.data, validate=True)
            except (binascii.Error, ValueError):
                raise importing.ImportProblem(_("Fichier manquant : recommencez.")) from None
            return importing.import_candidates(
                db.session,
                calendar,
                importing.parse(data),
                centre_id=confirm.centre.data,
                category=Category(confirm.category.data),
            )

        done, outcome = attempt(confirm, import_all)
        if done:
            status = 200
            flash(_("%(num)d événement(s) importé(s).", num=outcome.imported), "success")
    else:

        def preview():
            data = upload.file.read()
            try:
                found = importing.parse(data)
            except importing.ImportProblem as problem:
                problem.field = "file"
                raise
            confirm.content.data = base64.b64encode(data).decode()
            confirm.centre.data = upload.centre.data
            confirm.category.data = upload.category.data
            return found

        done, candidates = attempt(upload, preview)
        if done:
            status = 200
    return page(
        "agenda/import.html",
        centre=centre,
        calendar=calendar,
        upload=upload,
        confirm=confirm,
        candidates=candidates,
        outcome=outcome,
        status=status,
    )
