"""The printable report of the federation's dashboard (PDF), in the spirit of an
activity report: key figures, then each section's table. Published cells only."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape


def _text(value: str) -> str:
    # The PDF's standard fonts (WinAnsi) lack the narrow no-break space.
    return str(value).replace("\u202f", "\u00a0").replace("\u2212", "-")


def _figure(value: Decimal | None) -> str:
    if value is None:
        return "secret"
    text = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return text.removesuffix(",00")


def dashboard_pdf(view: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()

    def para(text: str, style: str = "BodyText") -> Paragraph:
        return Paragraph(escape(_text(text)), styles[style])

    def table(rows: list[list[str]]) -> Table:
        t = Table([[para(c) for c in r] for r in rows], repeatRows=1, hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    federation, year = view["federation"], view["year"]
    c = view["completeness"]
    story = [
        para(f"Rapport d’activité du réseau {year}", "Title"),
        para(federation.name, "Heading2"),
        para(
            f"Complétude : {c.validated} déclarations validées sur {c.centres} centres"
            f" ({c.percent} %). « secret » : chiffre non publié (secret statistique)."
        ),
        Spacer(1, 4 * mm),
        para("Chiffres clés", "Heading2"),
        table(
            [["Indicateur", "Valeur"]]
            + [[m.label, _figure(v)] for m, v, _change in view["key_figures"]]
        ),
        Spacer(1, 4 * mm),
        para(f"Évolution : {view['label']}", "Heading2"),
        table([["Année", "Valeur"]] + [[y, _figure(v)] for y, v in view["trend"]]),
        Spacer(1, 4 * mm),
        para(f"Par territoire : {view['label']} ({year})", "Heading2"),
        table([["Territoire", "Valeur"]] + [[n, _figure(v)] for n, v in view["bars"]]),
        Spacer(1, 4 * mm),
        para("Tous les indicateurs", "Heading2"),
        table(
            [["Indicateur", "Valeur", "Évolution sur un an"]]
            + [
                [m.label, _figure(v), "—" if ch is None else f"{_figure(ch)} %"]
                for m, v, ch, _hidden in view["table"]
            ]
        ),
    ]
    if view["cooperation"]:
        story += [
            Spacer(1, 4 * mm),
            para("La coopération dans le réseau", "Heading2"),
            table(
                [["Indicateur", "Valeur"]] + [[m.label, _figure(v)] for m, v in view["cooperation"]]
            ),
        ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Rapport du réseau {year} – {federation.name}",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    ).build(story)
    return buffer.getvalue()
