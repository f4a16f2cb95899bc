"""Pages of federation reporting.

Centres: /c/<centre>/declarations/… (fill, import, submit, answer, export,
compare with the network). Federations: /f/<federation>/declarations/…
(review, return with a question, validate), /f/<federation>/tableau-de-bord
(published aggregates, exports) and /f/<federation>/consolidation (runs)."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ensemble.extensions import db
from ensemble.kernel import clock, french
from ensemble.reporting import charts, dashboard, forms, imports
from ensemble.reporting import operations as reporting
from ensemble.reporting import published as pub
from ensemble.reporting.models import Declaration, Side, Status
from ensemble.tenancy import context
from ensemble.tenancy.navigation import is_centre_director, section
from ensemble.tenancy.resolve import centre_or_404, federation_or_404, object_or_404
from ensemble.tenancy.urls import object_arg

bp = Blueprint("reporting", __name__, template_folder="templates")
object_arg("declaration_id", Declaration)
section("centre", _l("Déclarations annuelles"), "reporting.centre_index", order=60)
section("federation", _l("Déclarations des centres"), "reporting.federation_index", order=20)
section("federation", _l("Tableau de bord"), "reporting.dashboard", order=21)
section("federation", _l("Consolidation"), "reporting.runs", order=22)
section("federation", _l("Chiffres des centres"), "reporting.shared_figures", order=23)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year_arg(default: int) -> int:
    value = request.args.get("annee", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default


def _campaign_year() -> int:
    """The campaign running now declares last year's activity."""
    return clock.today().year - 1


@bp.app_template_filter("figure")
def figure(value) -> str:
    """A number (« 1 234,5 »), or a published figure's words (« secret »,
    « non déclaré »); « — » for nothing."""
    if isinstance(value, pub.Figure):
        return value.words()
    if value is None:
        return "—"
    return french.compact_number(value)


@bp.app_template_filter("change")
def change_filter(value) -> str:
    """A year-on-year change: « +23,8 % sur un an (6 centres ayant déclaré les deux
    années) », « — » when none is published."""
    if value is None:
        return "—"
    if isinstance(value, pub.Change):
        return value.words()
    return french.percent(value, 1, signed=True)


@bp.context_processor
def helpers():
    return {
        "status_labels": reporting.STATUS_LABELS,
        "sector_labels": reporting.SECTORS,
        "unit_labels": reporting.UNITS,
        "breakdown_labels": reporting.BREAKDOWN_LABELS,
        "Status": Status,
    }


# --- Centre side ------------------------------------------------------------------


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
    """The centre's own figures against its network's and département's published ones."""
    centre = centre_or_404(centre_slug)
    requested = _year_arg(0) or None

    def own(year):
        return db.session.scalar(
            select(Declaration).where(Declaration.centre_id == centre.id, Declaration.year == year)
        )

    view = dashboard.comparison_view(db.session, centre, requested, own)
    return render_template("reporting/comparison.html", centre=centre, **view)


# --- Federation side --------------------------------------------------------------


def _federation_declaration(federation_slug: str, declaration_id: int):
    federation = federation_or_404(federation_slug)
    declaration = object_or_404(Declaration, declaration_id, federation_id=federation.id)
    if declaration.status is Status.DRAFT:
        abort(404)
    return federation, declaration


@bp.route("/f/<federation_slug>/declarations")
@login_required
def federation_index(federation_slug: str):
    federation = federation_or_404(federation_slug)
    year = _year_arg(_campaign_year())
    declarations = reporting.federation_declarations(db.session, federation.id, year)
    closed = reporting.is_closed(db.session, federation.id, year)
    return render_template(
        "reporting/federation_index.html",
        federation=federation,
        year=year,
        declarations=declarations,
        completeness=dashboard.completeness(db.session, federation.id, year),
        closed=closed,
        close_form=forms.CloseCampaignForm(year=year),
    )


@bp.route("/f/<federation_slug>/declarations/cloture", methods=["POST"])
@login_required
def federation_close(federation_slug: str):
    """Close a campaign: its figures are published once the workers have checked the
    statistical secret; no declaration of that year may be validated afterwards."""
    from ensemble.reporting.tasks import enqueue_after_commit

    federation = federation_or_404(federation_slug)
    form = forms.CloseCampaignForm()
    if not form.validate_on_submit():
        flash(_("Choisissez l’année de la campagne à clore."), "error")
        return redirect(url_for("reporting.federation_index", federation_slug=federation.slug))
    year = form.year.data
    try:
        reporting.close_campaign(db.session, federation.id, year, current_user.id)
    except reporting.WorkflowError as exc:
        flash(str(exc), "error")
    else:
        enqueue_after_commit(db.session, federation.id)
        flash(
            _(
                "Campagne %(year)d close : ses chiffres seront publiés dès que le contrôle du"
                " secret statistique les aura vérifiés (quelques instants).",
                year=year,
            ),
            "success",
        )
    return redirect(
        url_for("reporting.federation_index", federation_slug=federation.slug, annee=year)
    )


@bp.route("/f/<federation_slug>/declarations/<int:declaration_id>")
@login_required
def federation_declaration(federation_slug: str, declaration_id: int):
    federation, declaration = _federation_declaration(federation_slug, declaration_id)
    indicators = reporting.catalogue(db.session, declaration.year)
    return render_template(
        "reporting/federation_declaration.html",
        federation=federation,
        declaration=declaration,
        indicators=indicators,
        values=reporting.values_of(declaration),
        previous=reporting.previous_figures(db.session, declaration),
        problems=reporting.coherence_problems(db.session, declaration),
        message_form=forms.MessageForm(),
        form=forms.ActionForm(),
        breakdowns=reporting.BREAKDOWNS,
    )


@bp.route("/f/<federation_slug>/declarations/<int:declaration_id>/renvoyer", methods=["POST"])
@login_required
def federation_return(federation_slug: str, declaration_id: int):
    federation, declaration = _federation_declaration(federation_slug, declaration_id)
    form = forms.MessageForm()
    if form.validate_on_submit():
        try:
            reporting.return_with_question(db.session, declaration, current_user.id, form.body.data)
        except reporting.WorkflowError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Déclaration renvoyée au centre avec votre question."), "success")
    else:
        flash(_("Écrivez la question posée au centre."), "error")
    return redirect(
        url_for(
            "reporting.federation_declaration",
            federation_slug=federation.slug,
            declaration_id=declaration.id,
        )
    )


@bp.route("/f/<federation_slug>/declarations/<int:declaration_id>/valider", methods=["POST"])
@login_required
def federation_validate(federation_slug: str, declaration_id: int):
    from ensemble.reporting.tasks import enqueue_after_commit

    federation, declaration = _federation_declaration(federation_slug, declaration_id)
    form = forms.ActionForm()
    if form.validate_on_submit():
        try:
            reporting.validate(db.session, declaration)
        except reporting.WorkflowError as exc:
            flash(str(exc), "error")
        else:
            enqueue_after_commit(db.session)
            flash(_("Déclaration validée : la consolidation est lancée."), "success")
    return redirect(
        url_for(
            "reporting.federation_declaration",
            federation_slug=federation.slug,
            declaration_id=declaration.id,
        )
    )


def _dashboard_view(federation):
    requested = _year_arg(0) or None
    view = dashboard.dashboard_view(
        db.session,
        federation.id,
        year=requested,
        sector=request.args.get("secteur") or None,
        code=request.args.get("indicateur") or None,
        departement=request.args.get("departement") or None,
    )
    view["federation"] = federation
    view["open_campaigns"] = dashboard.open_campaigns(db.session, federation.id)
    release = view["release"]
    if release is not None and view["code"]:
        label = view["measure"].label
        view["label"] = label
        view["trend_chart"] = charts.line_chart(
            _("%(label)s, par année", label=label),
            [(str(y), f.display if f.published else f.words()) for y, f in view["trend"]],
        )
        view["bar_chart"] = charts.bar_chart(
            _("%(label)s en %(year)d, par territoire", label=label, year=view["year"]),
            [(n, f.display if f.published else f.words()) for n, f in view["territories"]],
        )
    return view


def _dashboard_rows(view) -> list[list]:
    """The view as rows: what the CSV and XLSX exports contain (published figures
    only: « secret » for a figure kept secret, « non déclaré » where nobody declared)."""
    release = view["release"]
    title = [_("Tableau de bord"), view["federation"].name]
    if release is None:
        return [title, [], [_("Aucune campagne close : aucun chiffre publié.")]]
    rows: list[list] = [title + [str(view["year"])]]
    rows.append(
        [_("Publication nº %(n)d", n=release.number), french.long_date(release.published_at)]
    )
    rows.append([])
    rows.append(
        [_("Indicateur"), _("Valeur"), _("Centres"), _("Évolution sur un an (%)"),
         _("Centres ayant déclaré les deux années")]
    )  # fmt: skip
    for line in view["lines"]:
        rows.append(
            [
                line.measure.label,
                _cell(line.figure),
                line.figure.centres,
                "" if line.change is None else float(line.change.percent),
                "" if line.change is None else line.change.centres,
            ]
        )
    if view["code"]:
        rows.append([])
        rows.append([_("Évolution : %(label)s", label=view["label"]), _("Valeur"), _("Centres")])
        rows += [[str(year), _cell(f), f.centres] for year, f in view["trend"]]
        rows.append([])
        rows.append([_("Territoire"), _("Valeur"), _("Centres")])
        rows += [[name, _cell(f), f.centres] for name, f in view["territories"]]
    return rows


def _cell(figure: pub.Figure):
    return float(figure.display) if figure.published else figure.words()


def _filters() -> dict:
    return {
        k: v
        for k, v in request.args.items()
        if k in ("annee", "secteur", "indicateur", "departement")
    }


@bp.route("/f/<federation_slug>/tableau-de-bord", endpoint="dashboard")
@login_required
def dashboard_page(federation_slug: str):
    federation = federation_or_404(federation_slug)
    view = _dashboard_view(federation)
    return render_template("reporting/dashboard.html", filters=_filters(), **view)


def _csv_download(rows, filename: str):
    """Rows as a CSV that French Excel opens as is: semicolons, decimal commas,
    UTF-8 with a BOM."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(
        [[str(v).replace(".", ",") if isinstance(v, float) else v for v in r] for r in rows]
    )
    data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    return send_file(
        io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=filename
    )


@bp.route("/f/<federation_slug>/tableau-de-bord.csv")
@login_required
def dashboard_csv(federation_slug: str):
    federation = federation_or_404(federation_slug)
    rows = _dashboard_rows(_dashboard_view(federation))
    return _csv_download(rows, f"tableau-de-bord-{federation.slug}.csv")


@bp.route("/f/<federation_slug>/tableau-de-bord.xlsx")
@login_required
def dashboard_xlsx(federation_slug: str):
    federation = federation_or_404(federation_slug)
    rows = _dashboard_rows(_dashboard_view(federation))
    data = imports.to_xlsx(rows, "Tableau de bord")
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"tableau-de-bord-{federation.slug}.xlsx",
    )


@bp.route("/f/<federation_slug>/tableau-de-bord.pdf")
@login_required
def dashboard_pdf(federation_slug: str):
    from ensemble.reporting.report import dashboard_pdf as render

    federation = federation_or_404(federation_slug)
    data = render(_dashboard_view(federation))
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"rapport-{federation.slug}.pdf",
    )


@bp.route("/f/<federation_slug>/consolidation", methods=["GET", "POST"])
@login_required
def runs(federation_slug: str):
    from ensemble.reporting.tasks import enqueue_after_commit

    federation = federation_or_404(federation_slug)
    form = forms.ActionForm()
    if form.validate_on_submit():
        # Recorded in the outbox under the analyst's context: the database lets a
        # federation ask for itself only; the sweeper picks it up if Redis is down.
        reporting.request_full_run(db.session, federation.id)
        enqueue_after_commit(db.session, federation.id)
        flash(
            _(
                "Recalcul demandé : les chiffres de %(name)s sont recalculés en entier dans"
                " quelques instants.",
                name=federation.name,
            ),
            "success",
        )
        return redirect(url_for("reporting.runs", federation_slug=federation.slug))
    view = dashboard.runs_view(db.session, federation.id)
    return render_template("reporting/runs.html", federation=federation, form=form, **view)


# --- Centres' own figures, where they agreed ----------------------------------------


def _shared_view(federation):
    """The validated figures of the centres that agreed to be shown by name, for one
    campaign year and one sector (or one indicator). Centres that did not agree are
    absent from the database view this reads (see migration 0008)."""
    years = dashboard.campaign_years(db.session, federation.id) or [_campaign_year()]
    year = _year_arg(max(years))
    if year not in years:
        year = max(years)
    catalogue = reporting.catalogue(db.session, year)
    sectors = [s for s in reporting.SECTORS if any(i.sector == s for i in catalogue)]
    code = request.args.get("indicateur") or ""
    chosen = next((i for i in catalogue if i.code == code), None)
    sector = request.args.get("secteur") or ""
    if chosen is not None:
        sector = chosen.sector
    elif sector not in sectors:
        sector = sectors[0] if sectors else ""
    indicators = [chosen] if chosen else [i for i in catalogue if i.sector == sector]
    figures = dashboard.shared_figures(db.session, federation.id, year, indicators)
    return {
        "federation": federation,
        "years": years,
        "year": year,
        "sectors": sectors,
        "sector": sector,
        "code": chosen.code if chosen else "",
        "catalogue": catalogue,
        "figures": figures,
    }


def _shared_rows(view) -> list[list]:
    """The page's table as rows: what the CSV and XLSX exports contain."""
    figures = view["figures"]
    rows: list[list] = [
        [_("Chiffres des centres (avec leur accord)"), view["federation"].name, str(view["year"])]
    ]
    rows.append([])
    rows.append([_("Centre"), _("Ville"), _("Département")] + [i.label for i in figures.indicators])
    for centre in figures.centres:
        rows.append(
            [centre.name, centre.city, centre.departement]
            + [
                "" if (v := figures.value(centre.centre_id, i.code)) is None else float(v)
                for i in figures.indicators
            ]
        )
    return rows


def _shared_filters() -> dict:
    return {k: v for k, v in request.args.items() if k in ("annee", "secteur", "indicateur")}


@bp.route("/f/<federation_slug>/chiffres-des-centres", endpoint="shared_figures")
@login_required
def shared_figures_page(federation_slug: str):
    federation = federation_or_404(federation_slug)
    view = _shared_view(federation)
    return render_template("reporting/shared_figures.html", filters=_shared_filters(), **view)


@bp.route("/f/<federation_slug>/chiffres-des-centres.csv")
@login_required
def shared_figures_csv(federation_slug: str):
    federation = federation_or_404(federation_slug)
    view = _shared_view(federation)
    return _csv_download(
        _shared_rows(view), f"chiffres-des-centres-{federation.slug}-{view['year']}.csv"
    )


@bp.route("/f/<federation_slug>/chiffres-des-centres.xlsx")
@login_required
def shared_figures_xlsx(federation_slug: str):
    federation = federation_or_404(federation_slug)
    view = _shared_view(federation)
    data = imports.to_xlsx(_shared_rows(view), "Chiffres des centres")
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"chiffres-des-centres-{federation.slug}-{view['year']}.xlsx",
    )
