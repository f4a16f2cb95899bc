"""Pages of federation reporting.

Centres: /c/<centre>/declarations/… (fill, import, submit, answer, export,
compare with the network). Federations: /f/<federation>/declarations/…
(review, return with a question, validate), /f/<federation>/tableau-de-bord
(published aggregates, exports) and /f/<federation>/consolidation (runs)."""

from __future__ import annotations

import base64
import binascii
import io
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ensemble.extensions import db
from ensemble.kernel import clock, french, spreadsheets
from ensemble.kernel.parsing import Unreadable, decimal_places
from ensemble.kernel.text import clean
from ensemble.kernel.views import act, attempt, page, require
from ensemble.reporting import charts, dashboard, forms, imports, permissions
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration, Side, Status
from ensemble.reporting.suppression import STAR
from ensemble.tenancy.navigation import section
from ensemble.tenancy.resolve import centre_or_404, federation_or_404, object_or_404
from ensemble.tenancy.urls import object_arg

bp = Blueprint("reporting", __name__, template_folder="templates")
object_arg("declaration_id", Declaration)
section("centre", _l("Déclarations annuelles"), "reporting.centre_index", order=60)
section("federation", _l("Déclarations des centres"), "reporting.federation_index", order=20)
section("federation", _l("Tableau de bord"), "reporting.dashboard", order=21)
section("federation", _l("Consolidation"), "reporting.runs", order=22)
section("federation", _l("Chiffres des centres"), "reporting.shared_figures", order=23)


def _year_arg(default: int) -> int:
    value = request.args.get("annee", "")
    ok = value.isascii() and value.isdigit() and len(value) == 4 and 2000 <= int(value) <= 2100
    return int(value) if ok else default


def _campaign_year() -> int:
    """The campaign running now declares last year's activity."""
    return clock.today().year - 1


@bp.app_template_filter("figure")
def figure(value: Decimal | None) -> str:
    """« 1 488 », « 0,39 » (the kernel's compact French number); « — » when absent."""
    return "—" if value is None else french.compact_number(value)


@bp.app_template_filter("change")
def change_filter(value: Decimal | None) -> str:
    """A year-on-year change: « +23,8 % », « −4 % », « — »."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "")
    text = f"{abs(value):.1f}".replace(".", ",").removesuffix(",0")
    return f"{sign}{text}\u00a0%"


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


_is_director = permissions.is_director


@bp.route("/c/<centre_slug>/declarations", methods=["GET", "POST"])
@login_required
def centre_index(centre_slug: str):
    centre = centre_or_404(centre_slug)
    form = forms.YearForm(year=_campaign_year())
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
    editable = permissions.can_edit(declaration, centre)
    form = forms.ActionForm()
    errors: dict = {}
    typed: dict = {}
    if request.method == "POST":
        require(editable)
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
                _(
                    "La déclaration n’a pas été transmise : %(n)d point(s) à corriger.",
                    n=len(problems),
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
                "Accord enregistré : la fédération voit vos chiffres validés de %(year)d.",
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
            preview = imports.preview(data, indicators)
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
        preview = imports.preview(data, indicators, filename=form.file.data.filename or "")
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
    return render_template(
        "reporting/federation_index.html",
        federation=federation,
        year=year,
        declarations=declarations,
        completeness=dashboard.completeness(db.session, federation.id, year),
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
    return act(
        form,
        lambda: reporting.return_with_question(
            db.session, declaration, current_user.id, form.body.data
        ),
        success=_("Déclaration renvoyée au centre avec votre question."),
        back=url_for(
            "reporting.federation_declaration",
            federation_slug=federation.slug,
            declaration_id=declaration.id,
        ),
        refused=_("Écrivez la question posée au centre."),
    )


@bp.route("/f/<federation_slug>/declarations/<int:declaration_id>/valider", methods=["POST"])
@login_required
def federation_validate(federation_slug: str, declaration_id: int):
    from ensemble.reporting.tasks import enqueue_after_commit

    federation, declaration = _federation_declaration(federation_slug, declaration_id)

    def validate() -> None:
        reporting.validate(db.session, declaration)
        enqueue_after_commit(db.session)

    return act(
        forms.ActionForm(),
        validate,
        success=_("Déclaration validée : la consolidation est lancée."),
        back=url_for(
            "reporting.federation_declaration",
            federation_slug=federation.slug,
            declaration_id=declaration.id,
        ),
    )


def _dashboard_view(federation):
    net = dashboard.network(db.session, federation.id)
    years = net.years or [_campaign_year()]
    year = _year_arg(max(years))
    sector = request.args.get("secteur") or None
    if sector not in reporting.SECTORS:
        sector = None
    codes = dashboard.sector_codes(net, sector, year)
    code = request.args.get("indicateur") or ""
    if code not in codes:
        code = next((c for c in dashboard.KEY_FIGURES if c in codes), codes[0] if codes else "")
    departement = request.args.get("departement") or None
    departements = sorted({d for d, _c in net.territories(year, code, None)})
    if departement not in departements:
        departement = None
    measure = net.measures.get(code)
    label = measure.label if measure else code
    trend = [(str(y), net.display(y, code)) for y in years]
    territories = net.territories(year, code, departement)
    bars = [
        (
            (c if c != STAR else _("Département %(d)s", d=d)),
            net.display(year, code, departement=d, city=c),
        )
        for d, c in territories
    ]
    table = [
        (net.measures[c], net.display(year, c), net.change(year, c), net.cell(year, c).hidden)
        for c in codes
    ]
    key_figures = [
        (net.measures[c], net.display(year, c), net.change(year, c))
        for c in dashboard.KEY_FIGURES
        if c in net.measures
    ]
    cooperation = [
        (net.measures[c], net.display(year, c))
        for c in dashboard.cooperation_codes()
        if c in net.measures
    ]
    return {
        "federation": federation,
        "net": net,
        "years": years,
        "year": year,
        "sector": sector,
        "code": code,
        "label": label,
        "departement": departement,
        "departements": departements,
        "codes": codes,
        "trend": trend,
        "bars": bars,
        "table": table,
        "key_figures": key_figures,
        "cooperation": cooperation,
        "completeness": dashboard.completeness(db.session, federation.id, year),
        "trend_chart": charts.line_chart(_("%(label)s, par année", label=label), trend),
        "bar_chart": charts.bar_chart(
            _("%(label)s en %(year)d, par territoire", label=label, year=year), bars
        ),
    }


def _dashboard_rows(view) -> list[list]:
    """The view as rows: what the CSV, XLSX and PDF exports contain (published cells only)."""
    rows: list[list] = [[_("Tableau de bord"), view["federation"].name, str(view["year"])]]
    rows.append([])
    rows.append([_("Indicateur"), _("Valeur"), _("Évolution sur un an (%)")])
    for measure, value, change, _hidden in view["table"]:
        rows.append([measure.label, _cell(value), _cell(change)])
    rows.append([])
    rows.append([_("Évolution : %(label)s", label=view["label"]), _("Valeur")])
    rows += [[year, _cell(value)] for year, value in view["trend"]]
    rows.append([])
    rows.append([_("Territoire"), _("Valeur")])
    rows += [[name, _cell(value)] for name, value in view["bars"]]
    rows.append([])
    c = view["completeness"]
    rows.append([_("Centres"), _("Validées"), _("Transmises"), _("Renvoyées"), _("Non reçues")])
    rows.append([c.centres, c.validated, c.submitted, c.returned, c.drafts])
    return rows


def _cell(value):
    return "secret" if value is None else float(value)


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
    """Rows as a CSV that French Excel opens as is (the kernel's writer)."""
    return spreadsheets.download(rows, filename)


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
    return spreadsheets.download(
        rows, f"tableau-de-bord-{federation.slug}.xlsx", title=_("Tableau de bord")
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
    from ensemble.reporting.tasks import consolidate

    federation = federation_or_404(federation_slug)
    form = forms.ActionForm()
    if form.validate_on_submit():
        try:
            consolidate.delay(full=True)
        except Exception:  # noqa: BLE001 - Redis down: say so, the nightly run will do it
            flash(
                _("La file de calcul est indisponible ; la consolidation de nuit s’en chargera."),
                "error",
            )
        else:
            flash(_("Consolidation complète demandée."), "success")
        return redirect(url_for("reporting.runs", federation_slug=federation.slug))
    from ensemble.reporting.models import DirtyKey, Run

    recent = db.session.scalars(select(Run).order_by(Run.id.desc()).limit(10)).all()
    pending = db.session.scalars(
        select(DirtyKey).where(DirtyKey.federation_id == federation.id).order_by(DirtyKey.id)
    ).all()
    running = any(r.status.value == "running" for r in recent)
    return render_template(
        "reporting/runs.html",
        federation=federation,
        runs=recent,
        pending=pending,
        running=running,
        form=form,
    )


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
    return spreadsheets.download(
        _shared_rows(view),
        f"chiffres-des-centres-{federation.slug}-{view['year']}.xlsx",
        title=_("Chiffres des centres"),
    )
