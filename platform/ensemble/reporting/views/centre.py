"""The centre side: its declarations (fill, import, submit, answer, consent,
export) and the comparison with the network."""

from __future__ import annotations

import base64
import binascii
import io
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ensemble.extensions import db
from ensemble.reporting import dashboard, forms, imports
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration, Side
from ensemble.reporting.views.common import XLSX, _campaign_year, _year_arg, bp
from ensemble.tenancy import context
from ensemble.tenancy.navigation import is_centre_director
from ensemble.tenancy.resolve import centre_or_404, object_or_404


def _centre_declaration(centre_slug: str, declaration_id: int):
    centre = centre_or_404(centre_slug)
    declaration = object_or_404(Declaration, declaration_id, centre_id=centre.id)
    return centre, declaration


def _is_director(centre) -> bool:
    return is_centre_director(context.current(), centre.id)


@bp.route("/c/<centre_slug>/declarations", methods=["GET", "POST"])
@login_required
def centre_index(centre_slug: str):
    centre = centre_or_404(centre_slug)
    form = forms.YearForm(year=_campaign_year())
    if form.validate_on_submit():
        if not _is_director(centre):
            abort(404)
        declaration = reporting.declaration_for(db.session, centre, form.year.data)
        return redirect(
            url_for(
                "reporting.centre_declaration",
                centre_slug=centre.slug,
                declaration_id=declaration.id,
            )
        )
    declarations = db.session.scalars(
        select(Declaration)
        .where(Declaration.centre_id == centre.id)
        .order_by(Declaration.year.desc())
    ).all()
    return render_template(
        "reporting/centre_index.html",
        centre=centre,
        declarations=declarations,
        form=form,
        can_edit=_is_director(centre),
    )


def _form_figures(indicators, data) -> tuple[dict, dict, dict]:
    """Figures typed in the form: (figures, comments, errors by field name)."""
    figures: dict = {}
    comments: dict = {}
    errors: dict = {}
    for indicator, key in reporting.cells(indicators):
        name = f"v__{indicator.code}__{key}"
        raw = str(data.get(name, "")).strip()
        if not raw:
            figures[(indicator.code, key)] = None
            continue
        try:
            value = imports.parse_number(raw)
        except ValueError:
            errors[name] = _("« %(value)s » n’est pas un nombre.", value=raw[:40])
            continue
        if value < 0:
            errors[name] = _("Une valeur négative est impossible.")
            continue
        if value >= Decimal("1e12"):
            errors[name] = _("Valeur impossible : au-delà du maximum admis.")
            continue
        figures[(indicator.code, key)] = value
    for indicator in indicators:
        comment = str(data.get(f"c__{indicator.code}", "")).strip()[:1000]
        if comment:
            comments[indicator.code] = comment
    return figures, comments, errors


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>", methods=["GET", "POST"])
@login_required
def centre_declaration(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    indicators = reporting.catalogue(db.session, declaration.year)
    editable = _is_director(centre) and declaration.status in reporting.EDITABLE
    form = forms.ActionForm()
    errors: dict = {}
    typed: dict = {}
    if request.method == "POST":
        if not editable:
            abort(404)
        if form.validate_on_submit():
            figures, comments, errors = _form_figures(indicators, request.form)
            if not errors:
                reporting.set_values(db.session, declaration, figures, comments)
                flash(_("Déclaration enregistrée."), "success")
                return redirect(request.path)
            typed = {k: str(v)[:40] for k, v in request.form.items()}
            flash(_("Certaines valeurs sont à corriger."), "error")
    values = reporting.values_of(declaration)
    problems = reporting.coherence_problems(db.session, declaration)
    return render_template(
        "reporting/centre_declaration.html",
        centre=centre,
        declaration=declaration,
        indicators=indicators,
        values=values,
        typed=typed,
        errors=errors,
        problems=problems,
        editable=editable,
        is_director=_is_director(centre),
        form=form,
        message_form=forms.MessageForm(),
        consent_form=forms.ConsentForm(share=declaration.share_centre_figures),
        breakdowns=reporting.BREAKDOWNS,
    )


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/transmettre", methods=["POST"])
@login_required
def centre_submit(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    if not _is_director(centre):
        abort(404)
    form = forms.ActionForm()
    if form.validate_on_submit():
        try:
            problems = reporting.submit(db.session, declaration)
        except reporting.WorkflowError as exc:
            flash(str(exc), "error")
        else:
            if problems:
                flash(
                    _(
                        "La déclaration n’a pas été transmise : %(n)d point(s) à corriger.",
                        n=len(problems),
                    ),
                    "error",
                )
            else:
                flash(_("Déclaration transmise à la fédération."), "success")
    return redirect(
        url_for(
            "reporting.centre_declaration", centre_slug=centre.slug, declaration_id=declaration.id
        )
    )


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/accord", methods=["POST"])
@login_required
def centre_consent(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    # The consent may be given or withdrawn at any time, also after validation.
    if not _is_director(centre):
        abort(404)
    form = forms.ConsentForm()
    if form.validate_on_submit():
        reporting.set_consent(db.session, declaration, bool(form.share.data))
        if declaration.share_centre_figures:
            flash(
                _(
                    "Accord enregistré : la fédération voit vos chiffres validés de %(year)d.",
                    year=declaration.year,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "Accord retiré : la fédération ne voit plus vos chiffres validés de %(year)d"
                    " qu’à travers les totaux du réseau.",
                    year=declaration.year,
                ),
                "success",
            )
    return redirect(
        url_for(
            "reporting.centre_declaration", centre_slug=centre.slug, declaration_id=declaration.id
        )
    )


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/message", methods=["POST"])
@login_required
def centre_message(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    if not _is_director(centre):
        abort(404)
    form = forms.MessageForm()
    if form.validate_on_submit():
        reporting.post_message(
            db.session, declaration, current_user.id, Side.CENTRE, form.body.data
        )
        flash(_("Réponse envoyée à la fédération."), "success")
    else:
        flash(_("Écrivez votre message."), "error")
    return redirect(
        url_for(
            "reporting.centre_declaration", centre_slug=centre.slug, declaration_id=declaration.id
        )
        + "#echanges"
    )


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/import", methods=["GET", "POST"])
@login_required
def centre_import(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    if not _is_director(centre) or declaration.status not in reporting.EDITABLE:
        abort(404)
    indicators = reporting.catalogue(db.session, declaration.year)
    form = forms.ImportForm()
    confirm = forms.ConfirmImportForm()
    preview = None
    if request.method == "POST" and "payload" in request.form:
        if confirm.validate_on_submit():
            try:
                data = base64.b64decode(confirm.payload.data, validate=True)
            except (binascii.Error, ValueError):
                data = b""
            preview = imports.preview(data, indicators)
            if preview.ok:
                reporting.set_values(db.session, declaration, preview.figures(), preview.comments())
                flash(_("%(n)d valeurs importées.", n=len(preview.rows)), "success")
                return redirect(
                    url_for(
                        "reporting.centre_declaration",
                        centre_slug=centre.slug,
                        declaration_id=declaration.id,
                    )
                )
        flash(_("Rien n’a été importé : le fichier contient des erreurs."), "error")
    elif form.validate_on_submit():
        data = form.file.data.read(imports.MAX_BYTES + 1)
        preview = imports.preview(data, indicators)
        confirm.payload.data = base64.b64encode(data).decode() if preview.ok else ""
    return render_template(
        "reporting/import.html",
        centre=centre,
        declaration=declaration,
        form=form,
        confirm=confirm,
        preview=preview,
    )


def _export(declaration: Declaration, centre, fmt: str):
    indicators = reporting.catalogue(db.session, declaration.year)
    values = reporting.values_of(declaration)
    name = f"declaration-{centre.slug}-{declaration.year}"
    if fmt == "xlsx":
        rows = imports.export_rows(indicators, values, numeric=True)
        data = imports.to_xlsx(rows, f"Déclaration {declaration.year}")
        return send_file(
            io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx"
        )
    data = imports.to_csv(imports.export_rows(indicators, values))
    return send_file(
        io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=f"{name}.csv"
    )


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/export.csv")
@login_required
def centre_export_csv(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    return _export(declaration, centre, "csv")


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/export.xlsx")
@login_required
def centre_export_xlsx(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    return _export(declaration, centre, "xlsx")


@bp.route("/c/<centre_slug>/declarations/comparaison")
@login_required
def centre_comparison(centre_slug: str):
    """The centre's own figures against its network's published aggregates."""
    centre = centre_or_404(centre_slug)
    net = dashboard.network(db.session, centre.federation_id)
    years = net.years or [_campaign_year()]
    year = _year_arg(max(years))
    declaration = db.session.scalar(
        select(Declaration).where(Declaration.centre_id == centre.id, Declaration.year == year)
    )
    own = reporting.values_of(declaration) if declaration else {}
    rows = []
    for indicator in reporting.catalogue(db.session, year):
        cell = net.cell(year, indicator.code)
        network_value = net.display(year, indicator.code)
        mean = None
        if cell.value is not None and cell.centres and indicator.aggregation == "sum":
            mean = (cell.value / cell.centres).quantize(Decimal("0.1"))
        mine = own.get((indicator.code, ""))
        rows.append((indicator, mine.value if mine else None, network_value, mean, cell.centres))
    return render_template(
        "reporting/comparison.html", centre=centre, year=year, years=years, rows=rows
    )
