"""The printable report of the federation's dashboard (PDF), in the spirit of an
activity report: key figures, then each section's table. Published cells only."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from ensemble.kernel import french


def _text(value: str) -> str:
    # The PDF's standard fonts (WinAnsi) lack the narrow no-break space.
    return str(value).replace("\u202f", "\u00a0").replace("\u2212", "-")


def _figure(figure) -> str:
    """A published figure's words: the number, « secret » or « non déclaré »."""
    return figure.words()


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

    federation, year, release = view["federation"], view["year"], view["release"]
    story = [
        para(f"Rapport d’activité du réseau {year or ''}", "Title"),
        para(federation.name, "Heading2"),
    ]
    if release is None:
        story.append(para("Aucune campagne close : aucun chiffre publié."))
    else:
        story += [
            para(
                f"Publication nº {release.number} de la campagne {year},"
                f" {french.plural(release.centres, '%(num)s centre', '%(num)s centres')}"
                " ayant déclaré. « secret » : chiffre non publié (secret statistique) ;"
                " « non déclaré » : aucun centre n’a donné ce chiffre."
            ),
            Spacer(1, 4 * mm),
            para("Chiffres clés", "Heading2"),
            table(
                [["Indicateur", "Valeur", "Centres"]]
                + [[ln.measure.label, _figure(ln.figure), str(ln.figure.centres)]
                   for ln in view["key_figures"]]
            ),
        ]  # fmt: skip
        if view.get("code"):
            story += [
                Spacer(1, 4 * mm),
                para(f"Évolution : {view['label']}", "Heading2"),
                table(
                    [["Année", "Valeur", "Centres"]]
                    + [[str(y), _figure(f), str(f.centres)] for y, f in view["trend"]]
                ),
                Spacer(1, 4 * mm),
                para(f"Par territoire : {view['label']} ({year})", "Heading2"),
                table(
                    [["Territoire", "Valeur", "Centres"]]
                    + [[n, _figure(f), str(f.centres)] for n, f in view["territories"]]
                ),
            ]
        story += [
            Spacer(1, 4 * mm),
            para("Tous les indicateurs", "Heading2"),
            table(
                [["Indicateur", "Valeur", "Centres", "Évolution sur un an"]]
                + [
                    [ln.measure.label, _figure(ln.figure), str(ln.figure.centres),
                     "—" if ln.change is None else ln.change.words()]
                    for ln in view["lines"]
                ]
            ),
        ]  # fmt: skip
        if view["cooperation"]:
            story += [
                Spacer(1, 4 * mm),
                para("La coopération dans le réseau", "Heading2"),
                table(
                    [["Indicateur", "Valeur", "Centres"]]
                    + [[ln.measure.label, _figure(ln.figure), str(ln.figure.centres)]
                       for ln in view["cooperation"]]
                ),
            ]  # fmt: skip
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Rapport du réseau {year} – {federation.name}",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    ).build(story)
    return buffer.getvalue()
