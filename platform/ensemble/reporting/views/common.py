"""What every reporting page shares: the blueprint, its navigation, the campaign
year, and the filters that write figures and changes the French way."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l

from ensemble.kernel import clock, documents, french
from ensemble.reporting import operations as reporting
from ensemble.reporting import published as pub
from ensemble.reporting.models import Declaration, Status
from ensemble.tenancy.navigation import section
from ensemble.tenancy.urls import object_arg

# Rooted at the capability's folder, where its templates/ are.
bp = Blueprint("reporting", "ensemble.reporting", template_folder="templates")
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
        "chart_svg": documents.bar_chart_svg,
        "status_labels": reporting.STATUS_LABELS,
        "sector_labels": reporting.SECTORS,
        "unit_labels": reporting.UNITS,
        "breakdown_labels": reporting.BREAKDOWN_LABELS,
        "Status": Status,
    }
