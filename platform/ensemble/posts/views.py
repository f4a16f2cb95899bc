"""Pages of the shared posts, under /c/<centre>/postes/… and /e/<employer>/postes/….

Every page exists for both kinds of place: the centre or employer named in the
URL must take part in the post (or it is a 404), and what the person may see
or do follows from their context (see operations.can_*)."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from ensemble.audit.operations import record_read, record_reads
from ensemble.extensions import db
from ensemble.kernel import clock, french, spreadsheets
from ensemble.kernel.documents import MIMETYPES
from ensemble.kernel.fields import parse_id
from ensemble.kernel.refusal import Refusal
from ensemble.kernel.views import attempt, page, require
from ensemble.network.models import Centre, Employer
from ensemble.people.models import User
from ensemble.posts import costing, exports, forms, permissions
from ensemble.posts import operations as posts
from ensemble.posts.models import (
    Arrangement,
    DocumentKind,
    PostDocument,
    PostStatement,
    SharedPost,
    ShareUnit,
)
from ensemble.tenancy import context
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import centre_or_404, employer_or_404, object_or_404
from ensemble.tenancy.urls import object_arg

bp = Blueprint("posts", __name__, template_folder="templates")
object_arg("post_id", SharedPost)
object_arg("post_document_id", PostDocument)
object_arg("post_statement_id", PostStatement)
section("centre", _l("Postes mutualisés"), "posts.centre_index", order=30)
section("employer", _l("Postes mutualisés"), "posts.employer_index", order=30)


@dataclass(frozen=True)
class Place:
    """The centre or employer named in the URL."""

    kind: str  # "centre" or "employer"
    tenant: Centre | Employer

    def url(self, name: str, **values) -> str:
        return url_for(
            f"posts.{self.kind}_{name}", **{f"{self.kind}_slug": self.tenant.slug}, **values
        )

    @property
    def carrier(self) -> Employer | None:
        """The employer that would carry a new post, if this person acts for it."""
        return permissions.carrier_for(self.tenant)


def route(rule: str, name: str, methods: tuple[str, ...] = ("GET",)):
    """Register `view(place, …)` under /c/<centre_slug>/postes and /e/<employer_slug>/postes."""

    def register(view):
        @functools.wraps(view)
        @login_required
        def wrapped(centre_slug: str | None = None, employer_slug: str | None = None, **kwargs):
            if centre_slug is not None:
                place = Place("centre", centre_or_404(centre_slug))
            else:
                place = Place("employer", employer_or_404(employer_slug))
            return view(place, **kwargs)

        for kind in ("centre", "employer"):
            bp.add_url_rule(
                f"/{kind[0]}/<{kind}_slug>/postes{rule}", f"{kind}_{name}", wrapped, methods=methods
            )
        return wrapped

    return register


def _share(allocation) -> str:
    value = french.compact_number(allocation.share)
    if allocation.unit is ShareUnit.PERCENT:
        return f"{value}\u202f%"
    return _("%(value)s\u00a0h par semaine", value=value)


@bp.context_processor
def helpers():
    """Labels and the kernel's French number formats for the posts' templates."""
    return {
        "arrangement_labels": forms.ARRANGEMENT_LABELS,
        "unit_labels": forms.UNIT_LABELS,
        "document_labels": forms.DOCUMENT_LABELS,
        "hours": lambda value: f"{french.compact_number(value)}\u00a0h",
        "percent": lambda value: f"{french.compact_number(value)}\u202f%",
        "signed_percent": lambda value: french.percent(
            Decimal(value).quantize(Decimal("0.1")), decimals=1, signed=True
        ),
        "fraction_percent": lambda value: french.percent(value, decimals=2, ratio=True),
        "share": _share,
        "month_label": french.month_label,
        "kilobytes": lambda size: f"{french.number(Decimal(size) / 1024)}\u00a0ko",
    }


def _month_arg() -> date:
    """?mois=AAAA-MM, else the current month."""
    raw = request.args.get("mois", "")
    this_month = clock.today().replace(day=1)
    try:
        month = datetime.strptime(raw, "%Y-%m").date() if raw[:7] == raw else this_month
    except ValueError:
        month = this_month
    return month if date(2000, 1, 1) <= month <= date(2100, 1, 1) else this_month


def _post_or_404(place: Place, post_id: int) -> SharedPost:
    post = object_or_404(SharedPost, post_id)
    if not posts.takes_part(db.session, post, place.tenant):
        abort(404)
    return post


def _rights(post: SharedPost) -> dict[str, bool]:
    ctx = context.current()
    return {
        "can_manage": permissions.can_manage_post(post, ctx),
        "can_see_costs": permissions.can_see_costs(post, ctx),
        "can_record_time": permissions.can_record_time(post, ctx),
    }


def _months_around(month: date) -> tuple[date, date]:
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    return previous, costing.next_month(month)


# --- List and creation ------------------------------------------------------------------


@route("/", "index")
def index(place: Place):
    return render_template(
        "posts/index.html",
        place=place,
        posts=posts.posts_of(db.session, place.tenant),
        can_create=place.carrier is not None,
    )


@route("/nouveau", "new", methods=("GET", "POST"))
def new(place: Place):
    carrier = place.carrier
    require(carrier is not None)
    form = forms.PostForm()

    def create() -> SharedPost:
        holder = db.session.scalar(
            select(User).where(func.lower(User.email) == form.holder_email.data.strip().lower())
        )
        if holder is None:
            raise Refusal(
                _("Aucune personne de votre réseau n’a cette adresse sur la plateforme."),
                "holder_email",
            )
        return posts.create_post(
            db.session,
            carrier,
            title=form.title.data,
            arrangement=Arrangement(form.arrangement.data),
            holder=holder,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            weekly_hours=form.weekly_hours.data,
            tasks=form.tasks.data or "",
            insurance=form.insurance.data or "",
            drift_threshold_percent=form.drift_threshold_percent.data,
        )

    done, post = attempt(form, create)
    if done:
        flash(_("Le poste est créé. Indiquez maintenant la part de chaque structure."), "success")
        return redirect(place.url("allocation", post_id=post.id))
    return page("posts/new.html", place=place, form=form, carrier=carrier)


# --- A post ------------------------------------------------------------------------------


@route("/<int:post_id>/", "detail")
def detail(place: Place, post_id: int):
    post = _post_or_404(place, post_id)
    month = _month_arg()
    gauges, _sources = posts.gauges(db.session, post, month, clock.today())
    allocations = posts.allocations_with_parties(db.session, post)
    documents = posts.documents_of(db.session, post)
    rights = _rights(post)
    checklist = (
        posts.secondment_checklist(
            db.session, post, documents, allocations, show_costs=rights["can_see_costs"]
        )
        if post.arrangement is Arrangement.SECONDMENT
        else []
    )
    statements = posts.statements_of(db.session, post)
    previous, following = _months_around(month)
    return render_template(
        "posts/detail.html",
        place=place,
        post=post,
        carrier=posts.carrier_of(post),
        month=month,
        previous_month=previous,
        next_month=following,
        month_is_past=costing.month_bounds(month)[1] < clock.today(),
        gauges=gauges,
        allocations=allocations,
        checklist=checklist,
        missing=sum(1 for item in checklist if item.done is False),
        statements=statements[:6],
        **rights,
    )


def _partner_choices(carrier) -> tuple[list[SelectChoice], list[SelectChoice]]:
    employers, centres = posts.partner_choices(db.session, carrier)
    employers_group, centres_group = _("Employeurs"), _("Centres")
    parties = [SelectChoice("", _("— Choisir —"))]
    parties += [SelectChoice(f"e:{e.id}", e.name, optgroup=employers_group) for e in employers]
    parties += [SelectChoice(f"c:{c.id}", c.name, optgroup=centres_group) for c in centres]
    sites = [SelectChoice("", _("Le seul centre de la structure"))]
    sites += [SelectChoice(str(c.id), c.name) for c in centres]
    return parties, sites


@route("/<int:post_id>/repartition", "allocation", methods=("GET", "POST"))
def allocation(place: Place, post_id: int):
    post = _post_or_404(place, post_id)
    require(permissions.can_manage_post(post))
    carrier = posts.carrier_of(post)
    form = forms.AllocationForm()
    form.party.choices, form.site_centre_id.choices = _partner_choices(carrier)

    def share_out():
        partner = posts.resolve_partner(db.session, carrier, form.party.data)
        posts.add_allocation(
            db.session,
            post,
            partner,
            unit=ShareUnit(form.unit.data),
            share=form.share.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            site_centre_id=parse_id(form.site_centre_id.data),
        )
        return partner

    done, partner = attempt(form, share_out)
    if done:
        flash(_("La part de %(name)s est enregistrée.", name=partner.name), "success")
        return redirect(place.url("allocation", post_id=post.id))
    return page(
        "posts/allocation.html",
        place=place,
        post=post,
        form=form,
        allocations=posts.allocations_with_parties(db.session, post),
        **_rights(post),
    )


# --- Documents ---------------------------------------------------------------------------


@route("/<int:post_id>/documents", "documents", methods=("GET", "POST"))
def documents(place: Place, post_id: int):
    post = _post_or_404(place, post_id)
    rights = _rights(post)
    form = forms.DocumentForm()
    if request.method == "POST":
        require(rights["can_manage"])
        done, _document = attempt(
            form,
            lambda: posts.add_document(
                db.session,
                post,
                kind=DocumentKind(form.kind.data),
                signed_on=form.signed_on.data,
                filename=form.file.data.filename or "",
                data=form.file.read(),
                uploaded_by=current_user.id,
            ),
        )
        if done:
            flash(_("Le document est enregistré."), "success")
            return redirect(place.url("documents", post_id=post.id))
    items = posts.documents_of(db.session, post)
    checklist = (
        posts.secondment_checklist(
            db.session,
            post,
            items,
            posts.allocations_with_parties(db.session, post),
            show_costs=rights["can_see_costs"],
        )
        if post.arrangement is Arrangement.SECONDMENT
        else []
    )
    return page(
        "posts/documents.html",
        place=place,
        post=post,
        form=form,
        documents=items,
        checklist=checklist,
        **rights,
    )


@route("/<int:post_id>/documents/<int:post_document_id>", "document")
def document(place: Place, post_id: int, post_document_id: int):
    post = _post_or_404(place, post_id)
    item = object_or_404(PostDocument, post_document_id, post_id=post.id)
    return send_file(
        io.BytesIO(item.content),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
    )


def _agreement(place: Place, post_id: int, fmt: str):
    # Every party's people may read it, as they read the signed copies on the documents
    # page: it holds no salary figure. Built from what the reader sees (see exports).
    post = _post_or_404(place, post_id)
    require(post.arrangement is Arrangement.SECONDMENT)
    return send_file(
        io.BytesIO(exports.agreement_for(db.session, post, fmt)),
        mimetype=MIMETYPES[fmt],
        as_attachment=True,
        download_name=f"convention-mise-a-disposition-{post.id}.{fmt}",
    )


@route("/<int:post_id>/convention.docx", "agreement")
def agreement(place: Place, post_id: int):
    return _agreement(place, post_id, "docx")


@route("/<int:post_id>/convention.pdf", "agreement_pdf")
def agreement_pdf(place: Place, post_id: int):
    return _agreement(place, post_id, "pdf")


@route("/<int:post_id>/convention.odt", "agreement_odt")
def agreement_odt(place: Place, post_id: int):
    return _agreement(place, post_id, "odt")


# --- Time ----------------------------------------------------------------------------------


@route("/<int:post_id>/temps", "time", methods=("GET", "POST"))
def time(place: Place, post_id: int):
    post = _post_or_404(place, post_id)
    rights = _rights(post)
    month = _month_arg()
    form = forms.TimeEntryForm()
    sites = posts.post_sites(db.session, post)
    form.centre_id.choices = [SelectChoice("", _("— Choisir —"))]
    form.centre_id.choices += [SelectChoice(str(c.id), c.name) for c in sites]
    if request.method == "POST":
        require(rights["can_record_time"])
        done, entry = attempt(
            form,
            lambda: posts.add_time_entry(
                db.session,
                post,
                centre_id=parse_id(form.centre_id.data) or 0,
                work_date=form.work_date.data,
                hours=form.hours.data,
                note=form.note.data or "",
                entered_by=current_user.id,
            ),
        )
        if done:
            flash(_("Les heures sont enregistrées."), "success")
            return redirect(
                place.url("time", post_id=post.id, mois=entry.work_date.strftime("%Y-%m"))
            )
    elif not form.work_date.data:
        form.work_date.data = clock.today()
    gauges, by_source = posts.gauges(db.session, post, month, clock.today())
    previous, following = _months_around(month)
    return page(
        "posts/time.html",
        place=place,
        post=post,
        form=form,
        month=month,
        previous_month=previous,
        next_month=following,
        entries=posts.time_entries(db.session, post, month),
        gauges=gauges,
        month_is_past=costing.month_bounds(month)[1] < clock.today(),
        **rights,
    )


# --- Costs and statements ---------------------------------------------------------------------


@route("/<int:post_id>/couts", "costs", methods=("GET", "POST"))
def costs(place: Place, post_id: int):
    post = _post_or_404(place, post_id)
    rights = _rights(post)
    require(rights["can_see_costs"])
    items = posts.costs_of(db.session, post)
    form = forms.CostForm()
    if request.method == "POST":
        require(rights["can_manage"])
        done, _cost = attempt(
            form,
            lambda: posts.set_cost(
                db.session,
                post,
                valid_from=form.valid_from.data,
                gross_salary=form.gross_salary.data,
                employer_charges=form.employer_charges.data,
                travel_expenses=form.travel_expenses.data,
                employment_aid=form.employment_aid.data,
                entered_by=current_user.id,
            ),
        )
        if done:
            flash(_("Le coût réel est enregistré."), "success")
            return redirect(place.url("costs", post_id=post.id))
    elif items:
        latest = items[0]
        form.gross_salary.data = latest.gross_salary
        form.employer_charges.data = latest.employer_charges
        form.travel_expenses.data = latest.travel_expenses
        form.employment_aid.data = latest.employment_aid
        form.valid_from.data = clock.today().replace(day=1)
    record_reads(db.session, items)
    return page("posts/costs.html", place=place, post=post, form=form, costs=items, **rights)


@route("/<int:post_id>/etats", "statements", methods=("GET", "POST"))
def statements(place: Place, post_id: int):
    post = _post_or_404(place, post_id)
    rights = _rights(post)
    form = forms.StatementForm()
    if request.method == "POST":
        require(rights["can_manage"])
        done, statement = attempt(
            form,
            lambda: posts.issue_statement(
                db.session,
                post,
                form.month.data,
                issued_by=current_user.id,
                correction_note=form.correction_note.data or "",
            ),
        )
        if done:
            flash(_("L’état de refacturation est émis."), "success")
            return redirect(place.url("statement", post_id=post.id, post_statement_id=statement.id))
    elif not form.month.data:
        last_month = clock.today().replace(day=1) - timedelta(days=1)
        form.month.data = costing.month_bounds(last_month)[0]
    items = posts.statements_of(db.session, post)
    return page(
        "posts/statements.html",
        place=place,
        post=post,
        form=form,
        statements=items,
        current={s.id for s in items if posts.current_version(items, s)},
        **rights,
    )


def _statement_or_404(place: Place, post_id: int, post_statement_id: int):
    post = _post_or_404(place, post_id)
    statement = object_or_404(PostStatement, post_statement_id, post_id=post.id)
    return post, statement


@route("/<int:post_id>/etats/<int:post_statement_id>", "statement")
def statement(place: Place, post_id: int, post_statement_id: int):
    post, item = _statement_or_404(place, post_id, post_statement_id)
    figures = posts.statement_figures(db.session, item)
    if figures is not None:
        record_read(db.session, item)
        posts.statement_seen(db.session, item, post)
    items = posts.statements_of(db.session, post)
    return render_template(
        "posts/statement.html",
        place=place,
        post=post,
        statement=item,
        figures=figures,
        is_current=posts.current_version(items, item),
        carrier=posts.carrier_of(post),
        **_rights(post),
    )


def _statement_document(place: Place, post_id: int, post_statement_id: int):
    post, item = _statement_or_404(place, post_id, post_statement_id)
    figures = posts.statement_figures(db.session, item)
    require(figures is not None)
    record_read(db.session, item)
    filename = f"etat-refacturation-{post.id}-{item.month:%Y-%m}-v{item.version}"
    return exports.statement_document(db.session, post, figures), filename


@route("/<int:post_id>/etats/<int:post_statement_id>/pdf", "statement_pdf")
def statement_pdf(place: Place, post_id: int, post_statement_id: int):
    doc, filename = _statement_document(place, post_id, post_statement_id)
    return send_file(
        io.BytesIO(exports.statement_pdf(doc)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{filename}.pdf",
    )


@route("/<int:post_id>/etats/<int:post_statement_id>/csv", "statement_csv")
def statement_csv(place: Place, post_id: int, post_statement_id: int):
    doc, filename = _statement_document(place, post_id, post_statement_id)
    statement = doc.figures.statement
    rows = [
        [_("Poste"), doc.post_title, _("Mois"), french.month_label(statement.month)],
        [_("Employeur porteur"), doc.carrier_name, _("Version"), statement.version],
        *exports.statement_rows(doc),
    ]
    # The kernel's writer: names and titles can never become formulas.
    return spreadsheets.download(rows, f"{filename}.csv")
