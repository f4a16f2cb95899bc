"""Pages of the actions: the list, an action with its sessions and its list of
participants, planning sessions, recording a session's attendance on a phone,
and what is kept about participants and why. Thin: logic is in operations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from ensemble.activity import forms, permissions, prefill
from ensemble.activity import operations as activity
from ensemble.activity.models import Action, ActionSession
from ensemble.cache_versions import bump_after_commit
from ensemble.extensions import db
from ensemble.kernel import clock, french
from ensemble.kernel.views import act, attempt, form_page, page, require
from ensemble.network.models import Centre
from ensemble.sharing import activity as registry
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import centre_or_404, object_or_404
from ensemble.tenancy.urls import object_arg

T = TypeVar("T")

bp = Blueprint("activity", "ensemble.activity", template_folder="templates")
object_arg("activity_action_id", Action)
object_arg("activity_session_id", ActionSession)
section("centre", _l("Actions"), "activity.index", order=37)

BREAKDOWN_LABELS = {
    "": _l("Total"),
    "femmes": _l("Femmes"),
    "hommes": _l("Hommes"),
    "0-17": _l("0-17 ans"),
    "18-25": _l("18-25 ans"),
    "26-59": _l("26-59 ans"),
    "60+": _l("60 ans et plus"),
}


@bp.context_processor
def helpers():
    return {
        "sector_labels": activity.sectors(),
        "when": lambda s: french.long_datetime(clock.paris(s.starts_at), weekday=True),
        "until": lambda s: french.time_of_day(clock.paris(s.ends_at)),
        "french_number": lambda value, decimals=0: french.number(
            value, decimals if value != int(value) else 0
        ),
    }


def _action_or_404(centre: Centre, action_id: int) -> Action:
    return object_or_404(Action, action_id, centre_id=centre.id)


def _session_or_404(centre: Centre, session_id: int) -> ActionSession:
    return object_or_404(ActionSession, session_id, centre_id=centre.id)


def _bump(centre: Centre) -> None:
    bump_after_commit(db.session(), {f"activity:{centre.id}"})


def _action_form(centre: Centre, action: Action | None = None) -> forms.ActionForm:
    form = forms.ActionForm(obj=action)
    form.sector.choices = [SelectChoice(code, label) for code, label in activity.sectors().items()]
    none = [(0, _("Aucune"))]
    form.funding_agreement_id.choices = none + [
        (a.id, a.title) for a in activity.joint_answers(db.session, centre)
    ]
    form.post_agreement_id.choices = [(0, _("Aucun"))] + [
        (a.id, a.title) for a in activity.shared_posts(db.session, centre)
    ]
    choices = activity.indicator_choices(db.session)
    for figure, (column, _unit) in activity.FIGURES.items():
        getattr(form, column).choices = [SelectChoice("", _("Aucune ligne"))] + [
            SelectChoice(
                line.code, f"{activity.sectors().get(line.sector, line.sector)} — {line.label}"
            )
            for line in choices[figure]
        ]
        if action is not None and not form.is_submitted():
            getattr(form, column).data = getattr(action, column) or ""
    if action is not None and not form.is_submitted():
        form.funding_agreement_id.data = action.funding_agreement_id or 0
        form.post_agreement_id.data = action.post_agreement_id or 0
    return form


def _save(centre: Centre, form: forms.ActionForm, action: Action | None = None) -> Action:
    saved = activity.save_action(
        db.session,
        centre,
        name=form.name.data or "",
        sector=form.sector.data or "",
        public=form.public.data or "",
        place=form.place.data or "",
        funding_agreement_id=form.funding_agreement_id.data or None,
        post_agreement_id=form.post_agreement_id.data or None,
        indicators={
            figure: getattr(form, column).data or None
            for figure, (column, _unit) in activity.FIGURES.items()
        },
        action=action,
    )
    _bump(centre)
    return saved


@bp.route("/c/<centre_slug>/actions/")
@login_required
def index(centre_slug: str) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    return page(
        "activity/index.html",
        centre=centre,
        actions=activity.actions_of(db.session, centre),
        to_record=activity.to_record(db.session, centre),
        can_manage=permissions.can_manage(centre.id),
    )


@bp.route("/c/<centre_slug>/actions/nouvelle", methods=["GET", "POST"])
@login_required
def new(centre_slug: str) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    require(permissions.can_manage(centre.id))
    form = _action_form(centre)
    return form_page(
        form,
        lambda: _save(centre, form),
        template="activity/action_form.html",
        success=_("L’action est créée."),
        next_url=lambda a: url_for(
            "activity.action", centre_slug=centre.slug, activity_action_id=a.id
        ),
        context={"centre": centre, "action": None},
    )


@bp.route("/c/<centre_slug>/actions/<int:activity_action_id>")
@login_required
def action(centre_slug: str, activity_action_id: int) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    item = _action_or_404(centre, activity_action_id)
    participants = activity.registered(db.session, item)
    activity.read_participants(db.session, participants)
    return page(
        "activity/action.html",
        centre=centre,
        action=item,
        sessions=activity.sessions_of(db.session, item),
        participants=participants,
        now=clock.utcnow(),
        can_edit=permissions.can_edit(item),
        can_register=permissions.can_register(item),
        plan_form=forms.PlanForm(),
    )


@bp.route("/c/<centre_slug>/actions/<int:activity_action_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(centre_slug: str, activity_action_id: int) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    item = _action_or_404(centre, activity_action_id)
    require(permissions.can_edit(item))
    form = _action_form(centre, item)
    return form_page(
        form,
        lambda: _save(centre, form, item),
        template="activity/action_form.html",
        success=_("L’action est enregistrée."),
        next_url=url_for("activity.action", centre_slug=centre.slug, activity_action_id=item.id),
        context={"centre": centre, "action": item},
    )


@bp.route("/c/<centre_slug>/actions/<int:activity_action_id>/seances", methods=["GET", "POST"])
@login_required
def plan(centre_slug: str, activity_action_id: int) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    item = _action_or_404(centre, activity_action_id)
    require(permissions.can_edit(item))
    form = forms.PlanForm()

    def run() -> activity.Planned:
        assert form.first_day.data and form.start.data and form.end.data and form.count.data
        planned = activity.plan_sessions(
            db.session,
            item,
            first_day=form.first_day.data,
            start=form.start.data,
            end=form.end.data,
            count=form.count.data,
        )
        _bump(centre)
        return planned

    done, planned = attempt(form, run)
    if done and planned is not None:
        n = len(planned.sessions)
        flash(ngettext("%(num)d séance planifiée.", "%(num)d séances planifiées.", n), "success")
        for warning in planned.warnings:
            flash(warning, "warning")
        return redirect(
            url_for("activity.action", centre_slug=centre.slug, activity_action_id=item.id)
        )
    return page("activity/plan.html", centre=centre, action=item, form=form)


@bp.route("/c/<centre_slug>/actions/<int:activity_action_id>/inscrire", methods=["GET", "POST"])
@login_required
def register(centre_slug: str, activity_action_id: int) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    item = _action_or_404(centre, activity_action_id)
    require(permissions.can_register(item))
    form = forms.ParticipantForm()
    return form_page(
        form,
        lambda: activity.register_participant(
            db.session,
            item,
            display_name=form.display_name.data or "",
            consent=bool(form.consent.data),
            birth_year=form.birth_year.data,
            age_band=form.age_band.data or "",
            sex=form.sex.data or "",
        ),
        template="activity/register.html",
        success=_("La personne est inscrite."),
        next_url=url_for("activity.action", centre_slug=centre.slug, activity_action_id=item.id),
        context={"centre": centre, "action": item},
    )


def _attendance_form(
    act_session: ActionSession, action_: Action
) -> tuple[forms.AttendanceForm, list]:
    participants = activity.registered(db.session, action_)
    form = forms.AttendanceForm(obj=act_session if act_session.recorded_at else None)
    form.present.choices = [(p.id, p.display_name) for p in participants]
    if not form.is_submitted():
        form.present.data = sorted(activity.present_ids(db.session, act_session))
    return form, participants


@bp.route("/c/<centre_slug>/seances/<int:activity_session_id>/presences", methods=["GET", "POST"])
@login_required
def attendance(centre_slug: str, activity_session_id: int) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    act_session = _session_or_404(centre, activity_session_id)
    require(permissions.can_record(act_session))
    action_ = db.session.get_one(Action, act_session.action_id)
    form, participants = _attendance_form(act_session, action_)

    def run() -> ActionSession:
        recorded = activity.record_attendance(
            db.session,
            act_session,
            activity.Attendance(
                participants=form.participants.data,
                women=form.women.data,
                men=form.men.data,
                age_0_17=form.age_0_17.data,
                age_18_25=form.age_18_25.data,
                age_26_59=form.age_26_59.data,
                age_60_plus=form.age_60_plus.data,
                volunteers=form.volunteers.data or 0,
                volunteer_hours=form.volunteer_hours.data or 0,
                present_ids=tuple(form.present.data or ()),
            ),
        )
        _bump(centre)
        return recorded

    if not form.is_submitted():
        activity.read_participants(db.session, participants)
    return form_page(
        form,
        run,
        template="activity/attendance.html",
        success=_("Présences enregistrées."),
        next_url=url_for("activity.index", centre_slug=centre.slug),
        context={
            "centre": centre,
            "action": action_,
            "act_session": act_session,
            "participants": participants,
            "started": act_session.starts_at <= clock.utcnow(),
        },
    )


@bp.route("/c/<centre_slug>/actions/donnees-personnelles")
@login_required
def privacy(centre_slug: str) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    return page("activity/privacy.html", centre=centre, retention=activity.retention_months())


# --- The yearly declaration, pre-filled -------------------------------------------------


def _year(raw: object) -> int:
    """The campaign year asked (?annee=…), by default last year's: a year's
    declaration is made the next spring. Anything else is a 404."""
    text = str(raw or "").strip()
    if not text:
        return clock.today().year - 1
    require(text.isascii() and text.isdigit() and len(text) == 4)
    year = int(text)
    require(2000 <= year <= 2100)
    return year


def _review_url(centre: Centre, year: int) -> str:
    return url_for("activity.declaration", centre_slug=centre.slug, annee=year)


@bp.route("/c/<centre_slug>/actions/declaration")
@login_required
def declaration(centre_slug: str) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    require(permissions.can_manage(centre.id))
    year = _year(request.args.get("annee"))
    lines = prefill.lines(db.session, centre, year)
    correction_forms = {}
    for n, line in enumerate(lines):
        form = forms.CorrectionForm(prefix=f"c{n}", formdata=None)
        form.year.data, form.code.data, form.key.data = year, line.indicator.code, line.key
        # A count reads « 3 », not « 3,00 ».
        value = line.value
        form.value.data = (
            value.to_integral() if value is not None and value == value.to_integral() else value
        )
        form.reason.data = line.correction.reason if line.correction else ""
        correction_forms[(line.indicator.code, line.key)] = form
    return page(
        "activity/declaration.html",
        centre=centre,
        year=year,
        lines=lines,
        correction_forms=correction_forms,
        button=forms.ButtonForm(),
        breakdown_labels=BREAKDOWN_LABELS,
    )


def _posted_year(form) -> int:
    return _year(str(form.year.data or "")) if form.year.data else clock.today().year - 1


@bp.route("/c/<centre_slug>/actions/declaration/corriger", methods=["POST"])
@login_required
def correct(centre_slug: str) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    require(permissions.can_manage(centre.id))
    # Each line's form has its own prefix (unique ids on the review page).
    prefix = request.form.get("prefix", "")
    form = forms.CorrectionForm(prefix=prefix if re.fullmatch(r"c\d{1,4}", prefix) else "c0")
    year = _posted_year(form)
    return act(
        form,
        lambda: prefill.correct(
            db.session,
            centre,
            year,
            form.code.data or "",
            form.key.data or "",
            form.value.data,
            form.reason.data or "",
        ),
        success=_("La correction est enregistrée avec sa raison."),
        back=_review_url(centre, year),
    )


def _declaration_button(
    centre_slug: str,
    work: Callable[[Centre, int], T],
    *,
    success: str | Callable[[T], str],
    next_url: Callable[[Centre], str] | None = None,
) -> ResponseReturnValue:
    """A button of the declaration's review page: the director runs `work(centre,
    year)` for the year posted, then comes back to the review (or goes on to
    `next_url`)."""
    centre = centre_or_404(centre_slug)
    require(permissions.can_manage(centre.id))
    form = forms.ButtonForm()
    year = _posted_year(form)
    return act(
        form,
        lambda: work(centre, year),
        success=success,
        back=_review_url(centre, year),
        next_url=next_url(centre) if next_url is not None else None,
    )


@bp.route("/c/<centre_slug>/actions/declaration/recalculer", methods=["POST"])
@login_required
def recompute(centre_slug: str) -> ResponseReturnValue:
    return _declaration_button(
        centre_slug,
        lambda centre, year: prefill.refresh(db.session, [centre.id], year),
        success=_("Les chiffres sont recalculés à partir des présences."),
    )


@bp.route("/c/<centre_slug>/actions/declaration/reporter", methods=["POST"])
@login_required
def carry_over(centre_slug: str) -> ResponseReturnValue:
    return _declaration_button(
        centre_slug,
        lambda centre, year: prefill.carry_over(db.session, centre, year),
        success=lambda n: ngettext(
            "%(num)d chiffre reporté dans la déclaration : vérifiez-la puis transmettez-la.",
            "%(num)d chiffres reportés dans la déclaration : vérifiez-la puis transmettez-la.",
            n,
        ),
        next_url=lambda centre: url_for("reporting.centre_index", centre_slug=centre.slug),
    )


@bp.route("/c/<centre_slug>/actions/declaration/sources")
@login_required
def sources(centre_slug: str) -> ResponseReturnValue:
    centre = centre_or_404(centre_slug)
    require(permissions.can_manage(centre.id))
    year = _year(request.args.get("annee"))
    code = request.args.get("ligne", "")
    indicator = None
    if code:  # one line's sessions; without, every recorded session of the year
        lines = [line for line in registry.catalogue(db.session, year) if line.code == code]
        require(lines)
        indicator = lines[0]
    return page(
        "activity/sources.html",
        centre=centre,
        year=year,
        indicator=indicator,
        sessions=prefill.sources(db.session, centre, year, code or None),
    )
