"""Centres' own figures, shown to the federation where the centre agreed."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from ensemble.extensions import db
from ensemble.kernel import spreadsheets
from ensemble.reporting import dashboard
from ensemble.reporting import operations as reporting
from ensemble.reporting.views.common import _campaign_year, _year_arg, bp
from ensemble.reporting.views.federation import _csv_download
from ensemble.tenancy.resolve import federation_or_404


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
