"""HR pages: each employer's workspace under /e/<employer_slug>/rh/…, and the HR
manager's view across the employers she serves under /rh/.

Every employer page runs inside `operations.employer_scope` (see `employer_page`):
the database sees one employer's HR rows for the whole request, templates included.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import secrets
from datetime import timedelta

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename
from wtforms.fields.choices import SelectChoice

from ensemble import redis_store
from ensemble.audit.models import AuditAction
from ensemble.audit.operations import record, record_read
from ensemble.extensions import db
from ensemble.home.panels import HomePlace, home_panel
from ensemble.hr import importing, operations, permissions
from ensemble.hr.forms import (
    CATEGORY_LABELS,
    CONTRACT_LABELS,
    DOCUMENT_LABELS,
    FOLLOW_UP_LABELS,
    ConfirmImportForm,
    DocumentForm,
    ImportForm,
    StaffMemberForm,
    ToolboxForm,
    TrainingForm,
)
from ensemble.hr.labels import DUE_LABELS
from ensemble.hr.models import (
    DocumentKind,
    EmployerDocument,
    StaffMember,
    ToolboxDocument,
)
from ensemble.kernel import clock, spreadsheets
from ensemble.kernel.views import attempt, page, require
from ensemble.network.models import Centre, Employer
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import employer_or_404, object_or_404
from ensemble.tenancy.switcher import current_places
from ensemble.tenancy.urls import object_arg

bp = Blueprint("hr", __name__, template_folder="templates")
object_arg("staff_member_id", StaffMember)
object_arg("document_id", EmployerDocument)
object_arg("toolbox_document_id", ToolboxDocument)


serves = permissions.serves

section("employer", _l("À faire RH"), "hr.todo", order=20, visible=serves)
section("employer", _l("Registre du personnel"), "hr.register", order=21, visible=serves)
section("employer", _l("Documents RH"), "hr.documents", order=22, visible=serves)
section("employer", _l("Boîte à outils RH"), "hr.employer_toolbox", order=23, visible=serves)

URGENCY_LABELS = {
    "overdue": _l("En retard"),
    "soon": _l("Sous 30 jours"),
    "later": _l("À venir"),
}
HORIZONS = {"90": 90, "365": 365, "tout": None}
IMPORT_TTL = 30 * 60


@bp.context_processor
def labels():
    return {
        "due_labels": DUE_LABELS,
        "urgency_labels": URGENCY_LABELS,
        "contract_labels": CONTRACT_LABELS,
        "category_labels": CATEGORY_LABELS,
        "follow_up_labels": FOLLOW_UP_LABELS,
        "document_labels": DOCUMENT_LABELS,
        "urgency": operations.urgency,
        "today": clock.today(),
    }


HOME_DUE_SHOWN = 8


@home_panel("person", "hr.overview", "hr/_home_overview.html", order=10)
def hr_overview_link(place: HomePlace) -> dict | None:
    """The landing page shows whoever reads HR data the next due items across her
    employers, each labelled with its employer, and leads to the full view."""
    if not permissions.serves_any(place.context):
        return None
    today = clock.today()
    employers = operations.served_employers(db.session, place.context)
    items = operations.due_across(
        db.session,
        employers,
        until=today + timedelta(days=operations.DUE_SOON_DAYS),
        limit=HOME_DUE_SHOWN,
    )
    return {"url": url_for("hr.overview"), "items": items, **_due_words(today)}


def _due_words(today) -> dict:
    """What a panel needs to say a due item outside this blueprint's pages."""
    return {
        "today": today,
        "due_labels": DUE_LABELS,
        "urgency_labels": URGENCY_LABELS,
        "urgency": operations.urgency,
    }


@home_panel(
    "centre",
    "hr.due_at_centre",
    "hr/_home_centre_due.html",
    order=40,
    versions=lambda place: [operations.due_version(_employer_of(place))],
)
def hr_due_at_centre(place: HomePlace) -> dict | None:
    """A centre's director sees the HR due dates of the people working there."""
    assert place.tenant_id is not None
    if place.tenant_id not in place.context.director_centre_ids:
        return None
    employer_id = _employer_of(place)
    if not permissions.serves(place.context, employer_id):
        return None
    today = clock.today()
    with operations.employer_scope(db.session, employer_id):
        items = operations.due_at_centre(
            db.session,
            employer_id,
            place.tenant_id,
            until=today + timedelta(days=operations.DUE_SOON_DAYS),
            limit=HOME_DUE_SHOWN,
        )
        operations.record_staff_reads(db.session, [i.staff_member for i in items])
    employer = db.session.get_one(Employer, employer_id)
    return {"items": [(employer, i) for i in items], "employer": employer, **_due_words(today)}


def _employer_of(place: HomePlace) -> int:
    """The employer of the centre whose home this is: known from the person's places
    (no query, so a page served from the cache costs none)."""
    for known in current_places():
        if known.kind == "centre" and known.tenant_id == place.tenant_id and known.employer_id:
            return known.employer_id
    return db.session.get_one(Centre, place.tenant_id).employer_id


def employer_page(view):
    """Resolve the employer in the URL (404 unless one reads its HR data) and run
    the whole view, rendering included, scoped to that one employer.

    POSTs stay under the global CSRF check: a request without a valid token gets a
    400 whatever the employer in the URL, which reveals nothing about any tenant."""

    @login_required
    @functools.wraps(view)
    def wrapper(employer_slug: str, **kwargs):
        employer = employer_or_404(employer_slug)
        with operations.employer_scope(db.session, employer.id):
            return view(employer, **kwargs)

    return wrapper


def _horizon() -> tuple[str, int | None]:
    key = request.args.get("horizon", "90")
    key = key if key in HORIZONS else "90"
    return key, HORIZONS[key]


def _until(days: int | None):
    return None if days is None else clock.today() + timedelta(days=days)


# --- Across employers ----------------------------------------------------------


@bp.route("/rh/")
@login_required
def overview():
    employers = operations.served_employers(db.session)
    require(employers)
    chosen = request.args.get("employeur", "")
    shown = [e for e in employers if e.slug == chosen] or employers
    horizon_key, days = _horizon()
    today = clock.today()
    until = _until(days) or today + timedelta(days=365 * 50)
    parts = operations.overview(db.session, shown, today, until)
    items = sorted(
        ((part.employer, item) for part in parts for item in part.due_items),
        key=lambda pair: (pair[1].due_on, pair[0].name, pair[1].id),
    )
    return render_template(
        "hr/overview.html",
        employers=employers,
        chosen=chosen if len(shown) == 1 and len(employers) > 1 else "",
        parts=parts,
        items=items,
        horizon=horizon_key,
    )


@bp.route("/rh/boite-a-outils", methods=["GET", "POST"])
@login_required
def toolbox():
    employers = operations.served_employers(db.session)
    require(employers)
    form = ToolboxForm()
    form.employer_ids.choices = [SelectChoice(e.id, e.name) for e in employers]
    done, document = attempt(
        form,
        lambda: operations.share_toolbox_document(
            db.session,
            form.employer_ids.data,
            title=form.title.data,
            kind=DocumentKind(form.kind.data),
            description=form.description.data or "",
            filename=secure_filename(form.file.data.filename) or "document",
            content_type=form.file.data.mimetype or "",
            content=form.file.read(),
        ),
    )
    if done:
        flash(_("« %(title)s » est partagé.", title=document.title), "success")
        return redirect(url_for("hr.toolbox"))
    names = {e.id: e for e in employers}
    mine = operations.toolbox_of_author(db.session, current_user.id)
    return page("hr/toolbox.html", form=form, documents=mine, employers_by_id=names)


# --- One employer ---------------------------------------------------------------


@bp.route("/e/<employer_slug>/rh/")
@employer_page
def todo(employer):
    horizon_key, days = _horizon()
    items = operations.todo(db.session, employer.id, until=_until(days))
    operations.record_staff_reads(db.session, (i.staff_member for i in items))
    return render_template("hr/todo.html", employer=employer, items=items, horizon=horizon_key)


@bp.route("/e/<employer_slug>/rh/personnel")
@employer_page
def register(employer):
    former = request.args.get("anciens") == "1"
    staff = operations.register(db.session, employer.id, clock.today(), include_former=former)
    operations.record_staff_reads(db.session, staff)
    return render_template("hr/register.html", employer=employer, staff=staff, former=former)


def _staff_form(employer, member: StaffMember | None = None) -> StaffMemberForm:
    obj = operations.staff_data(member) if member and request.method == "GET" else None
    form = StaffMemberForm(obj=obj)
    centres = operations.employer_centres(db.session, employer.id)
    form.centre_ids.choices = [SelectChoice(c.id, c.name) for c in centres]
    if request.method == "GET" and member is None and len(centres) == 1:
        form.centre_ids.data = [centres[0].id]
    return form


def _form_data(form: StaffMemberForm) -> operations.StaffData:
    values = {
        name: form[name].data
        for name in (
            "last_name",
            "first_name",
            "job_title",
            "start_date",
            "fte",
            "end_date",
            "trial_renewed",
            "alisfa_weighting",
            "last_health_visit_on",
            "last_review_on",
            "last_career_review_on",
        )
    }
    return operations.StaffData(
        **values,
        email=(form.email.data or "").strip(),
        alisfa_job=(form.alisfa_job.data or "").strip(),
        contract_type=operations.ContractType(form.contract_type.data),
        category=operations.Category(form.category.data),
        health_follow_up=operations.HealthFollowUp(form.health_follow_up.data),
        centre_ids=list(form.centre_ids.data or []),
    )


def _save_staff(employer, member: StaffMember | None):
    form = _staff_form(employer, member)
    today = clock.today()

    def save() -> StaffMember | None:
        data = _form_data(form)
        problems = operations.staff_problems(data, today)
        if problems:
            form.add_rule_errors(problems)
            return None
        if member is None:
            return operations.create_staff_member(db.session, employer.id, data, today)
        operations.update_staff_member(db.session, member, data, today)
        return member

    done, saved = attempt(form, save)
    if done and saved is not None:
        if member is None:
            flash(_("%(name)s est ajouté·e au registre.", name=saved.full_name), "success")
        else:
            flash(_("Fiche enregistrée ; les échéances sont à jour."), "success")
        return redirect(url_for("hr.staff", employer_slug=employer.slug, staff_member_id=saved.id))
    return page("hr/staff_form.html", employer=employer, form=form, member=member)


@bp.route("/e/<employer_slug>/rh/personnel/nouveau", methods=["GET", "POST"])
@employer_page
def new_staff(employer):
    return _save_staff(employer, None)


def _member(employer, staff_member_id: int) -> StaffMember:
    return object_or_404(StaffMember, staff_member_id, employer_id=employer.id)


@bp.route("/e/<employer_slug>/rh/personnel/<int:staff_member_id>/modifier", methods=["GET", "POST"])
@employer_page
def edit_staff(employer, staff_member_id: int):
    member = operations.open_staff_member(db.session, _member(employer, staff_member_id))
    return _save_staff(employer, member)


def _staff_page(employer, member: StaffMember, training_form: TrainingForm, status: int = 200):
    documents = [
        d
        for d in operations.employer_documents(db.session, employer.id)
        if d.staff_member_id == member.id
    ]
    return render_template(
        "hr/staff.html",
        employer=employer,
        member=member,
        training_form=training_form,
        documents=documents,
    ), status


@bp.route("/e/<employer_slug>/rh/personnel/<int:staff_member_id>")
@employer_page
def staff(employer, staff_member_id: int):
    member = operations.open_staff_member(db.session, _member(employer, staff_member_id))
    return _staff_page(employer, member, TrainingForm(formdata=None))


@bp.route("/e/<employer_slug>/rh/personnel/<int:staff_member_id>/formations", methods=["POST"])
@employer_page
def add_training(employer, staff_member_id: int):
    member = operations.open_staff_member(db.session, _member(employer, staff_member_id))
    form = TrainingForm()
    done, _training = attempt(
        form,
        lambda: operations.add_training(
            db.session,
            member,
            title=form.title.data,
            completed_on=form.completed_on.data,
            hours=form.hours.data,
            mandatory=form.mandatory.data,
            valid_until=form.valid_until.data,
            today=clock.today(),
        ),
    )
    if not done:
        return _staff_page(employer, member, form, 422)
    flash(_("Formation enregistrée ; les échéances sont à jour."), "success")
    return redirect(url_for("hr.staff", employer_slug=employer.slug, staff_member_id=member.id))


# --- Import ---------------------------------------------------------------------


def _import_key(token: str) -> str:
    return redis_store.key("hr-import", current_user.id, token)


@bp.route("/e/<employer_slug>/rh/import", methods=["GET", "POST"])
@employer_page
def import_register(employer):
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.read()
        filename = form.file.data.filename or ""
        result = importing.preview(db.session, employer.id, filename, data, clock.today())
        token = ""
        if result.importable:
            token = secrets.token_urlsafe(16)
            payload = {
                "employer_id": employer.id,
                "filename": filename,
                "data": base64.b64encode(data).decode(),
            }
            redis_store.current().set(_import_key(token), json.dumps(payload), ex=IMPORT_TTL)
        status = 200 if result.importable else 422
        return render_template(
            "hr/import_preview.html", employer=employer, result=result, token=token
        ), status
    return page("hr/import.html", employer=employer, form=form, columns=importing.COLUMNS)


@bp.route("/e/<employer_slug>/rh/import/confirmer", methods=["POST"])
@employer_page
def confirm_import(employer):
    form = ConfirmImportForm()
    token = form.token.data or "" if form.validate_on_submit() else ""
    stored = redis_store.current().getdel(_import_key(token)) if token else None
    payload = json.loads(stored) if stored else None
    if not payload or payload.get("employer_id") != employer.id:
        flash(_("Cet aperçu a expiré : déposez le fichier de nouveau."), "info")
        return redirect(url_for("hr.import_register", employer_slug=employer.slug))
    today = clock.today()
    data = base64.b64decode(payload["data"])
    result = importing.preview(db.session, employer.id, payload["filename"], data, today)
    if not result.importable:
        # The register changed since the preview (someone added the same people).
        return render_template(
            "hr/import_preview.html", employer=employer, result=result, token=""
        ), 422
    count = importing.apply(db.session, employer.id, result, today)
    flash(_("%(n)d personnes importées dans le registre.", n=count), "success")
    return redirect(url_for("hr.register", employer_slug=employer.slug))


@bp.route("/e/<employer_slug>/rh/import/modele.csv")
@employer_page
def import_template(employer):
    centres = operations.employer_centres(db.session, employer.id)
    content = importing.template_csv(centres[0].name if centres else "")
    return send_file(
        io.BytesIO(content),
        mimetype=spreadsheets.CSV,
        as_attachment=True,
        download_name="registre-du-personnel.csv",
    )


# --- Documents ------------------------------------------------------------------


def _download(document, filename: str):
    return send_file(
        io.BytesIO(document.content),
        mimetype=document.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )


@bp.route("/e/<employer_slug>/rh/documents", methods=["GET", "POST"])
@employer_page
def documents(employer):
    form = DocumentForm()
    people = operations.register(db.session, employer.id, clock.today())
    form.staff_member_id.choices = [SelectChoice(0, _("Aucune (document de l’employeur)"))] + [
        SelectChoice(p.id, p.full_name) for p in people
    ]
    done, _document = attempt(
        form,
        lambda: operations.add_document(
            db.session,
            employer.id,
            title=form.title.data,
            kind=DocumentKind(form.kind.data),
            filename=secure_filename(form.file.data.filename) or "document",
            content_type=form.file.data.mimetype or "",
            content=form.file.read(),
            staff_member_id=form.staff_member_id.data or None,
        ),
    )
    if done:
        flash(_("Document enregistré."), "success")
        return redirect(url_for("hr.documents", employer_slug=employer.slug))
    people_by_id = {p.id: p for p in people}
    return page(
        "hr/documents.html",
        employer=employer,
        form=form,
        documents=operations.employer_documents(db.session, employer.id),
        people_by_id=people_by_id,
    )


@bp.route("/e/<employer_slug>/rh/documents/<int:document_id>")
@employer_page
def document(employer, document_id: int):
    found = object_or_404(EmployerDocument, document_id, employer_id=employer.id)
    record_read(db.session, found)
    return _download(found, found.filename)


@bp.route("/e/<employer_slug>/rh/boite-a-outils")
@employer_page
def employer_toolbox(employer):
    shared = operations.toolbox_for_employer(db.session, employer.id)
    return render_template("hr/employer_toolbox.html", employer=employer, documents=shared)


@bp.route("/e/<employer_slug>/rh/boite-a-outils/<int:toolbox_document_id>")
@employer_page
def toolbox_document(employer, toolbox_document_id: int):
    found = object_or_404(ToolboxDocument, toolbox_document_id)
    require(employer.id in found.employer_ids)
    record(db.session, AuditAction.READ, found.__tablename__, found.id, employer_id=employer.id)
    return _download(found, found.filename)
