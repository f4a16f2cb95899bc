"""The federation side: reviewing declarations (return with a question,
validate), the dashboard of published aggregates and its exports, the
consolidation runs."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ensemble.extensions import db
from ensemble.kernel import french, spreadsheets
from ensemble.kernel.french import plural
from ensemble.kernel.views import act
from ensemble.network.models import Centre
from ensemble.reporting import dashboard, forms, notices
from ensemble.reporting import operations as reporting
from ensemble.reporting import published as pub
from ensemble.reporting.models import Declaration, Status
from ensemble.reporting.views.common import _campaign_year, _year_arg, bp
from ensemble.tenancy.resolve import federation_or_404, object_or_404
from ensemble.tenancy.urls import object_arg
from ensemble.web.safety import safe_next_url

object_arg("reminded_centre_id", Centre)


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
    completeness = dashboard.completeness(db.session, federation.id, year)
    closed = completeness.closed
    return render_template(
        "reporting/federation_index.html",
        federation=federation,
        year=year,
        declarations=declarations,
        completeness=completeness,
        closed=closed,
        close_form=forms.CloseCampaignForm(year=year),
        missing=[] if closed else reporting.missing_centres(db.session, federation.id, year),
        remind_form=forms.ActionForm(),
    )


@bp.route("/f/<federation_slug>/centres/<int:reminded_centre_id>/relancer", methods=["POST"])
@login_required
def federation_remind(federation_slug: str, reminded_centre_id: int):
    """Remind a centre that has not declared: its directors get a notification and an
    e-mail leading to their declaration, at most once a day per centre. The centre
    must be one of the federation's (any other is a 404, whoever asks)."""
    federation = federation_or_404(federation_slug)
    centre = object_or_404(Centre, reminded_centre_id, federation_id=federation.id)
    year = _campaign_year()
    back = request.form.get("next") or ""
    return act(
        forms.ActionForm(),
        lambda: notices.remind(db.session, centre, year),
        success=lambda sent: (
            _(
                "%(centre)s est relancé : %(people)s.",
                centre=centre.name,
                people=plural(sent, "%(num)s direction prévenue", "%(num)s directions prévenues"),
            )
            if sent
            else _("%(centre)s a déjà été relancé aujourd’hui.", centre=centre.name)
        ),
        back=safe_next_url(back)
        or url_for("reporting.federation_index", federation_slug=federation.slug),
    )


@bp.route("/f/<federation_slug>/declarations/cloture", methods=["POST"])
@login_required
def federation_close(federation_slug: str):
    """Close a campaign: its figures are published once the workers have checked the
    statistical secret; no declaration of that year may be validated afterwards."""
    from ensemble.reporting.tasks import enqueue_after_commit

    federation = federation_or_404(federation_slug)
    form = forms.CloseCampaignForm()
    index = url_for("reporting.federation_index", federation_slug=federation.slug)

    def close() -> int:
        reporting.close_campaign(db.session, federation.id, form.year.data, current_user.id)
        enqueue_after_commit(db.session, federation.id)
        return form.year.data

    return act(
        form,
        close,
        success=lambda year: _(
            "Campagne %(year)d close : ses chiffres seront publiés dès que le contrôle du"
            " secret statistique les aura vérifiés (quelques instants).",
            year=year,
        ),
        next_url=lambda year: url_for(
            "reporting.federation_index", federation_slug=federation.slug, annee=year
        ),
        back=index,
        refused=_("Choisissez l’année de la campagne à clore."),
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
        view["trend_chart"] = dashboard.trend_chart(view)
        view["bar_chart"] = dashboard.territory_chart(view)
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
