"""The centre side: its declarations (fill, import, submit, answer, consent,
export) and the comparison with the network."""

from __future__ import annotations

import base64
import binascii

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ensemble.extensions import db
from ensemble.kernel import spreadsheets
from ensemble.kernel.french import plural
from ensemble.kernel.parsing import Unreadable, decimal_places
from ensemble.kernel.text import clean
from ensemble.kernel.views import act, attempt, page, require
from ensemble.reporting import dashboard, forms, imports, permissions
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration, Side
from ensemble.reporting.views.common import _campaign_year, _year_arg, bp
from ensemble.tenancy.resolve import centre_or_404, object_or_404


def _centre_declaration(centre_slug: str, declaration_id: int):
    centre = centre_or_404(centre_slug)
    declaration = object_or_404(Declaration, declaration_id, centre_id=centre.id)
    return centre, declaration


_is_director = permissions.is_director


@bp.route("/c/<centre_slug>/declarations", methods=["GET", "POST"])
@login_required
def centre_index(centre_slug: str):
    centre = centre_or_404(centre_slug)
    years = reporting.open_years(db.session, centre.federation_id)
    form = forms.YearForm(year=_campaign_year() if _campaign_year() in years else None)
    form.year.choices = [(year, str(year)) for year in reversed(years)]
    if request.method == "POST":
        require(_is_director(centre))
    done, declaration = attempt(
        form, lambda: reporting.declaration_for(db.session, centre, form.year.data)
    )
    if done:
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
    return page(
        "reporting/centre_index.html",
        centre=centre,
        declarations=declarations,
        form=form,
        open_years=years,
        can_edit=_is_director(centre),
    )


def _form_figures(indicators, data) -> tuple[dict, dict, dict]:
    """Figures typed in the form: (figures, comments, errors by field name). The
    cells are read like every kernel field: French numbers, within numeric(14, 2)."""
    figures: dict = {}
    comments: dict = {}
    errors: dict = {}
    for indicator, key in reporting.cells(indicators):
        name = f"v__{indicator.code}__{key}"
        raw = clean(str(data.get(name, ""))).strip()
        if not raw:
            figures[(indicator.code, key)] = None
            continue
        try:
            value = imports.parse_number(raw)
        except (Unreadable, ValueError):
            errors[name] = _("« %(value)s » n’est pas un nombre.", value=raw[:40])
            continue
        if value < 0:
            errors[name] = _("Une valeur négative est impossible.")
        elif value > imports.MAX_FIGURE:
            errors[name] = _("Valeur impossible : au-delà du maximum admis.")
        elif decimal_places(value) > 2:
            errors[name] = _("Au plus deux chiffres après la virgule.")
        elif problem := imports.percent_problem(indicator, value, raw, raw.endswith("%")):
            errors[name] = problem[:1].upper() + problem[1:]
        else:
            figures[(indicator.code, key)] = value
    for indicator in indicators:
        comment = clean(str(data.get(f"c__{indicator.code}", ""))).strip()[:1000]
        if comment:
            comments[indicator.code] = comment
    return figures, comments, errors


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>", methods=["GET", "POST"])
@login_required
def centre_declaration(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    indicators = reporting.catalogue(db.session, declaration.year)
    may_edit = permissions.can_edit(declaration, centre)
    campaign_open = declaration.year in reporting.open_years(db.session, centre.federation_id)
    editable = may_edit and campaign_open
    form = forms.ActionForm()
    errors: dict = {}
    typed: dict = {}
    if request.method == "POST":
        # A save outside an open campaign reaches the operation, which says why not.
        require(may_edit)
        figures, comments, errors = _form_figures(indicators, request.form)
        if errors:
            flash(_("Certaines valeurs sont à corriger."), "error")
        done, _saved = attempt(
            form,
            lambda: (
                None if errors else reporting.set_values(db.session, declaration, figures, comments)
            ),
        )
        if done and not errors:
            flash(_("Déclaration enregistrée."), "success")
            return redirect(request.path)
        typed = {k: clean(str(v))[:40] for k, v in request.form.items()}
    values = reporting.values_of(declaration)
    problems = reporting.coherence_problems(db.session, declaration)
    return page(
        "reporting/centre_declaration.html",
        centre=centre,
        declaration=declaration,
        indicators=indicators,
        values=values,
        typed=typed,
        errors=errors,
        problems=problems,
        editable=editable,
        campaign_open=campaign_open,
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
    require(_is_director(centre))

    def submit() -> None:
        problems = reporting.submit(db.session, declaration)
        if problems:
            raise reporting.WorkflowError(
                plural(
                    len(problems),
                    "La déclaration n’a pas été transmise : %(num)s point à corriger.",
                    "La déclaration n’a pas été transmise : %(num)s points à corriger.",
                )
            )

    return act(
        forms.ActionForm(),
        submit,
        success=_("Déclaration transmise à la fédération."),
        back=url_for(
            "reporting.centre_declaration", centre_slug=centre.slug, declaration_id=declaration.id
        ),
    )


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/accord", methods=["POST"])
@login_required
def centre_consent(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    # The consent may be given or withdrawn at any time, also after validation.
    require(_is_director(centre))
    form = forms.ConsentForm()

    def consent() -> bool:
        reporting.set_consent(db.session, declaration, bool(form.share.data))
        return declaration.share_centre_figures

    return act(
        form,
        consent,
        success=lambda shared: (
            _(
                "Accord enregistré : vos chiffres validés de %(year)d seront nommés à la "
                "prochaine publication de la fédération, si le secret statistique le permet.",
                year=declaration.year,
            )
            if shared
            else _(
                "Accord retiré : la fédération ne voit plus vos chiffres validés de %(year)d"
                " qu’à travers les totaux du réseau.",
                year=declaration.year,
            )
        ),
        back=url_for(
            "reporting.centre_declaration", centre_slug=centre.slug, declaration_id=declaration.id
        ),
    )


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/message", methods=["POST"])
@login_required
def centre_message(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    require(_is_director(centre))
    form = forms.MessageForm()
    return act(
        form,
        lambda: reporting.post_message(
            db.session, declaration, current_user.id, Side.CENTRE, form.body.data
        ),
        success=_("Réponse envoyée à la fédération."),
        back=url_for(
            "reporting.centre_declaration", centre_slug=centre.slug, declaration_id=declaration.id
        )
        + "#echanges",
        refused=_("Écrivez votre message."),
    )


@bp.route("/c/<centre_slug>/declarations/<int:declaration_id>/import", methods=["GET", "POST"])
@login_required
def centre_import(centre_slug: str, declaration_id: int):
    centre, declaration = _centre_declaration(centre_slug, declaration_id)
    require(permissions.can_edit(declaration, centre))
    indicators = reporting.catalogue(db.session, declaration.year)
    existing = {k: v.value for k, v in reporting.values_of(declaration).items()}
    form = forms.ImportForm()
    confirm = forms.ConfirmImportForm()
    preview, status = None, None
    if request.method == "POST" and "payload" in request.form:

        def import_all() -> int:
            nonlocal preview
            try:
                data = base64.b64decode(confirm.payload.data, validate=True)
            except (binascii.Error, ValueError):
                data = b""
            preview = imports.preview(data, indicators, existing=existing)
            if not preview.ok:
                raise reporting.WorkflowError(
                    _("Rien n’a été importé : le fichier contient des erreurs.")
                )
            reporting.set_values(db.session, declaration, preview.figures(), preview.comments())
            return len(preview.rows)

        done, imported = attempt(confirm, import_all)
        if done:
            flash(_("%(n)d valeurs importées.", n=imported), "success")
            return redirect(
                url_for(
                    "reporting.centre_declaration",
                    centre_slug=centre.slug,
                    declaration_id=declaration.id,
                )
            )
        flash(_("Rien n’a été importé : le fichier contient des erreurs."), "error")
    elif form.validate_on_submit():
        data = form.file.read()
        preview = imports.preview(
            data, indicators, filename=form.file.data.filename or "", existing=existing
        )
        confirm.payload.data = base64.b64encode(data).decode() if preview.ok else ""
        status = 200 if preview.ok else 422
    return page(
        "reporting/import.html",
        status=status,
        centre=centre,
        declaration=declaration,
        form=form,
        confirm=confirm,
        preview=preview,
    )


def _export(declaration: Declaration, centre, fmt: str):
    indicators = reporting.catalogue(db.session, declaration.year)
    rows = imports.export_rows(indicators, reporting.values_of(declaration))
    return spreadsheets.download(
        rows,
        f"declaration-{centre.slug}-{declaration.year}.{fmt}",
        title=_("Déclaration %(year)d", year=declaration.year),
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
    """The centre's own figures against its network's and département's published ones."""
    centre = centre_or_404(centre_slug)
    requested = _year_arg(0) or None

    def own(year):
        return db.session.scalar(
            select(Declaration).where(Declaration.centre_id == centre.id, Declaration.year == year)
        )

    view = dashboard.comparison_view(db.session, centre, requested, own)
    return render_template("reporting/comparison.html", centre=centre, **view)
