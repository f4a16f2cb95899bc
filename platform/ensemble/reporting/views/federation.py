"""The federation side: reviewing declarations (return with a question,
validate), the dashboard of published aggregates and its exports, the
consolidation runs."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ensemble.extensions import db
from ensemble.kernel import spreadsheets
from ensemble.kernel.views import act
from ensemble.reporting import charts, dashboard, forms
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration, Status
from ensemble.reporting.suppression import STAR
from ensemble.reporting.views.common import _campaign_year, _year_arg, bp
from ensemble.tenancy.resolve import federation_or_404, object_or_404


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
