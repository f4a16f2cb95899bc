"""The assembled dossier as DOCX (python-docx), ODT (odfpy) and PDF (reportlab): a cover page
with the lead and the partners, every section in order, the consolidated
budget and the co-financing table.

Sent to French funders, so written in French whatever the reader's interface
language, with French typography: narrow no-break spaces before ; : ! ?,
guillemets, decimal comma and euros after the amount. The PDF embeds DejaVu
Sans when the system has it (fonts-dejavu-core), which carries every French
character; otherwise reportlab's Helvetica with the closest equivalents.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import format_currency

from ensemble.aap.budget import Budget
from ensemble.aap.models import AapAnswer, AapSection
from ensemble.aap.operations import FUNDER_LABELS, Block, active_parties, blocks

LOCALE = "fr_FR"
NNBSP = "\u202f"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def typo(text: str) -> str:
    """French typography: a narrow no-break space before ; : ! ? and inside « »."""
    text = re.sub(r"[ \u00a0]*([;:!?])(?=\s|$)", NNBSP + r"\1", text)
    text = re.sub(r"«[ \u00a0]*", "«" + NNBSP, text)
    return re.sub(r"[ \u00a0]*»", NNBSP + "»", text)


def euros(amount: Decimal) -> str:
    return format_currency(amount, "EUR", locale=LOCALE)


def long_date(day: date) -> str:
    return format_date(day, "d MMMM y", locale=LOCALE)


@dataclass(frozen=True)
class Dossier:
    answer: AapAnswer
    sections: list[AapSection]
    budget: Budget
    party_names: dict[int, str]  # party id -> centre name

    @property
    def lead(self) -> str:
        return self.answer.lead_centre.name

    @property
    def partners(self) -> list[str]:
        return [p.centre.name for p in active_parties(self.answer) if not p.is_owner]


def dossier_of(answer: AapAnswer, budget: Budget) -> Dossier:
    names = {p.id: p.centre.name for p in answer.agreement.parties}
    return Dossier(answer, sorted(answer.sections, key=lambda s: (s.position, s.id)), budget, names)


def budget_rows(dossier: Dossier) -> list[tuple[str, list[str], str]]:
    """(kind, cells, style) rows of the consolidated budget: one column per party
    and the total; "head", "row", "total" styles."""
    budget = dossier.budget
    order = budget.party_order
    rows: list[tuple[str, list[str], str]] = [
        ("head", ["Compte", *[dossier.party_names.get(p, "") for p in order], "Total"], "head")
    ]
    for title, classes, total in (
        ("Charges", budget.charge_classes(), budget.total_charges),
        ("Produits", budget.income_classes(), budget.total_income),
    ):
        rows.append(("section", [title, *[""] * len(order), ""], "section"))
        for cls in classes:
            rows.append(
                (
                    "row",
                    [
                        cls.label,
                        *[euros(cls.by_party.get(p, Decimal(0))) for p in order],
                        euros(cls.total),
                    ],
                    "row",
                )
            )
        per_party = [
            budget.parties[p].charges if title == "Charges" else budget.parties[p].income
            for p in order
        ]
        rows.append(
            ("total", [f"Total des {title.lower()}", *map(euros, per_party), euros(total)], "total")
        )
    rows.append(
        (
            "total",
            [
                "Écart (produits − charges)",
                *[euros(budget.parties[p].difference) for p in order],
                euros(budget.difference),
            ],
            "total",
        )
    )
    return rows


def cofinancing_rows(dossier: Dossier) -> list[list[str]]:
    rows = [["Financeur (compte 74)", "Montant", "Part du financement"]]
    for line in dossier.budget.cofinancing:
        share = f"{line.share}".replace(".", ",") + "\u00a0%"
        rows.append([line.funder, euros(line.amount), share])
    return rows


def _cover_lines(dossier: Dossier) -> list[tuple[str, str]]:
    call = dossier.answer.call
    lines = [
        ("Appel à projets", call.title),
        ("Financeur", str(FUNDER_LABELS[call.funder])),
        ("Date limite de dépôt", long_date(call.deadline)),
        ("Chef de file", dossier.lead),
        ("Partenaires", ", ".join(dossier.partners) or "aucun"),
    ]
    if dossier.answer.submitted_at:
        lines.append(("Déposée le", long_date(dossier.answer.submitted_at.date())))
    return lines


# --- DOCX ------------------------------------------------------------------------


def dossier_docx(dossier: Dossier) -> bytes:
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = dossier.answer.title
    document.core_properties.author = dossier.lead
    document.core_properties.language = "fr-FR"

    document.add_heading(typo(dossier.answer.title), level=0)
    document.add_paragraph(typo("Réponse commune à un appel à projets"))
    for label, value in _cover_lines(dossier):
        paragraph = document.add_paragraph()
        paragraph.add_run(typo(f"{label} : ")).bold = True
        paragraph.add_run(typo(value))
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    for number, section in enumerate(dossier.sections, start=1):
        document.add_heading(typo(f"{number}. {section.title}"), level=1)
        owner = dossier.party_names.get(section.owner_party_id, "")
        document.add_paragraph(typo(f"Rédigée par : {owner}")).italic = True
        content = blocks(section.body)
        if not content:
            document.add_paragraph(typo("(rubrique non renseignée)"))
        for block in content:
            _docx_block(document, block)
        if section.code == "budget":
            _docx_budget(document, dossier)
    if not any(s.code == "budget" for s in dossier.sections):
        document.add_heading("Budget du projet", level=1)
        _docx_budget(document, dossier)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_block(document, block: Block) -> None:
    if block.kind in ("h2", "h3", "h4"):
        paragraph = document.add_heading(level=int(block.kind[1]))
    elif block.kind == "ul":
        paragraph = document.add_paragraph(style="List Bullet")
    elif block.kind == "ol":
        paragraph = document.add_paragraph(style="List Number")
    elif block.kind == "quote":
        paragraph = document.add_paragraph(style="Quote")
    else:
        paragraph = document.add_paragraph()
    for run in block.runs:
        text = typo(run.text) + (f" ({run.href})" if run.href and run.href != run.text else "")
        added = paragraph.add_run(text)
        added.bold = run.bold or None
        added.italic = run.italic or None


def _docx_budget(document, dossier: Dossier) -> None:
    rows = budget_rows(dossier)
    document.add_heading("Budget consolidé du projet", level=2)
    table = document.add_table(rows=0, cols=len(rows[0][1]))
    table.style = "Table Grid"
    for _kind, cells, style in rows:
        row = table.add_row().cells
        for cell, text in zip(row, cells, strict=True):
            cell.text = typo(text)
            if style in ("head", "total", "section"):
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    document.add_heading("Plan de cofinancement", level=2)
    cof = cofinancing_rows(dossier)
    table = document.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    for index, cells in enumerate(cof):
        row = table.add_row().cells
        for cell, text in zip(row, cells, strict=True):
            cell.text = typo(text)
            if index == 0:
                cell.paragraphs[0].runs[0].bold = True
    if not dossier.budget.balanced:
        document.add_paragraph(
            typo(f"Budget non équilibré : écart de {euros(dossier.budget.difference)}.")
        )


# --- ODT -------------------------------------------------------------------------


def dossier_odt(dossier: Dossier) -> bytes:
    """The same dossier as an OpenDocument text, for LibreOffice users."""
    from odf import style, table, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(_odt_meta("title", dossier.answer.title))
    document.meta.addElement(_odt_meta("language", "fr-FR"))

    # A sober sans-serif body with some air between paragraphs, as in the DOCX.
    document.fontfacedecls.addElement(
        style.FontFace(
            name="Liberation Sans",
            fontfamily="'Liberation Sans'",
            fontfamilygeneric="swiss",
            fontpitch="variable",
        )
    )
    default = style.DefaultStyle(family="paragraph")
    default.addElement(style.ParagraphProperties(marginbottom="0.2cm"))
    default.addElement(style.TextProperties(fontname="Liberation Sans", fontsize="11pt"))
    document.styles.addElement(default)

    def paragraph_style(
        name: str, *, bold=False, italic=False, size=None, page_break=False, align=None
    ):
        created = style.Style(name=name, family="paragraph")
        paragraph = {}
        if page_break:
            paragraph["breakafter"] = "page"
        if size:  # a heading: air above, kept with what follows
            paragraph.update(margintop="0.4cm", marginbottom="0.15cm", keepwithnext="always")
        if align:
            paragraph["textalign"] = align
        if paragraph:
            created.addElement(style.ParagraphProperties(**paragraph))
        props = {}
        if bold:
            props["fontweight"] = "bold"
        if italic:
            props["fontstyle"] = "italic"
        if size:
            props["fontsize"] = size
        if props:
            created.addElement(style.TextProperties(**props))
        document.automaticstyles.addElement(created)
        return created

    title = paragraph_style("Titre", bold=True, size="20pt")
    headings = {
        level: paragraph_style(f"Titre{level}", bold=True, size=size)
        for level, size in ((1, "16pt"), (2, "14pt"), (3, "12pt"), (4, "11pt"))
    }
    signed = paragraph_style("Signature", italic=True)
    cover_end = paragraph_style("FinCouverture", page_break=True)
    quote = paragraph_style("Citation", italic=True)
    cell_styles = {
        (bold, number): paragraph_style(
            f"Cellule{'Gras' if bold else ''}{'Montant' if number else ''}",
            bold=bold,
            align="end" if number else None,
        )
        for bold in (False, True)
        for number in (False, True)
    }
    bordered = style.Style(name="CelluleBordee", family="table-cell")
    bordered.addElement(style.TableCellProperties(border="0.5pt solid #000000", padding="0.08cm"))
    document.automaticstyles.addElement(bordered)
    spans = {}
    for name, props in (
        ("gras", {"fontweight": "bold"}),
        ("italique", {"fontstyle": "italic"}),
        ("grasitalique", {"fontweight": "bold", "fontstyle": "italic"}),
    ):
        spans[name] = style.Style(name=name, family="text")
        spans[name].addElement(style.TextProperties(**props))
        document.automaticstyles.addElement(spans[name])

    body = document.text

    def heading(content: str, level: int) -> None:
        body.addElement(text.H(outlinelevel=level, stylename=headings[level], text=typo(content)))

    def runs_into(element, runs) -> None:
        for run in runs:
            content = typo(run.text)
            key = ("gras" if run.bold else "") + ("italique" if run.italic else "")
            target = text.Span(stylename=spans[key]) if key else element
            if run.href:
                link = text.A(href=run.href, type="simple", text=content)
                target.addElement(link)
            else:
                target.addText(content)
            if key:
                element.addElement(target)

    list_styles = {}
    for kind in ("ul", "ol"):
        list_style = text.ListStyle(name=f"Liste{kind}")
        if kind == "ul":
            level = text.ListLevelStyleBullet(level=1, bulletchar="•")
        else:
            level = text.ListLevelStyleNumber(level=1, numformat="1", numsuffix=".")
        level.addElement(style.ListLevelProperties(spacebefore="0.6cm", minlabelwidth="0.6cm"))
        list_style.addElement(level)
        document.automaticstyles.addElement(list_style)
        list_styles[kind] = list_style

    def block(item: Block, open_list):
        """Adds `item`; consecutive list items share one list. Returns the list
        now open, if any."""
        if item.kind in ("ul", "ol"):
            if open_list is None or open_list[0] != item.kind:
                open_list = (item.kind, text.List(stylename=list_styles[item.kind]))
                body.addElement(open_list[1])
            entry = text.ListItem()
            paragraph = text.P()
            runs_into(paragraph, item.runs)
            entry.addElement(paragraph)
            open_list[1].addElement(entry)
            return open_list
        if item.kind in ("h2", "h3", "h4"):
            level = int(item.kind[1])
            element = text.H(outlinelevel=level, stylename=headings[level])
        else:
            element = text.P(stylename=quote) if item.kind == "quote" else text.P()
        runs_into(element, item.runs)
        body.addElement(element)
        return None

    def grid(rows: list[list[str]], bold_rows: set[int], name: str) -> None:
        grid_table = table.Table(name=name)
        grid_table.addElement(table.TableColumn(numbercolumnsrepeated=len(rows[0])))
        for index, cells in enumerate(rows):
            row = table.TableRow()
            for column, content in enumerate(cells):
                cell = table.TableCell(valuetype="string", stylename=bordered)
                # Amounts and shares (every column but the first) align on the right.
                paragraph_kind = cell_styles[(index in bold_rows, column > 0)]
                cell.addElement(text.P(stylename=paragraph_kind, text=typo(content)))
                row.addElement(cell)
            grid_table.addElement(row)
        body.addElement(grid_table)

    def budget() -> None:
        rows = budget_rows(dossier)
        heading("Budget consolidé du projet", 2)
        grid(
            [cells for _kind, cells, _style in rows],
            {i for i, (_k, _c, st) in enumerate(rows) if st in ("head", "total", "section")},
            "Budget",
        )
        heading("Plan de cofinancement", 2)
        grid(cofinancing_rows(dossier), {0}, "Cofinancement")
        if not dossier.budget.balanced:
            body.addElement(
                text.P(
                    text=typo(
                        f"Budget non équilibré : écart de {euros(dossier.budget.difference)}."
                    )
                )
            )

    body.addElement(text.P(stylename=title, text=typo(dossier.answer.title)))
    body.addElement(text.P(text=typo("Réponse commune à un appel à projets")))
    cover = _cover_lines(dossier)
    for index, (label, value) in enumerate(cover):
        paragraph = text.P(stylename=cover_end) if index == len(cover) - 1 else text.P()
        labelled = text.Span(stylename=spans["gras"], text=typo(f"{label} : "))
        paragraph.addElement(labelled)
        paragraph.addText(typo(value))
        body.addElement(paragraph)

    for number, section in enumerate(dossier.sections, start=1):
        heading(f"{number}. {section.title}", 1)
        owner = dossier.party_names.get(section.owner_party_id, "")
        body.addElement(text.P(stylename=signed, text=typo(f"Rédigée par : {owner}")))
        content = blocks(section.body)
        if not content:
            body.addElement(text.P(text=typo("(rubrique non renseignée)")))
        open_list = None
        for item in content:
            open_list = block(item, open_list)
        if section.code == "budget":
            budget()
    if not any(s.code == "budget" for s in dossier.sections):
        heading("Budget du projet", 1)
        budget()

    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def _odt_meta(name: str, value: str):
    from odf import dc

    return {"title": dc.Title, "language": dc.Language}[name](text=value)


# --- PDF -------------------------------------------------------------------------


def _fonts() -> tuple[str, str, str]:
    """(regular, bold, italic) font names; DejaVu registered once when present."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    files = {
        "DejaVuSans": "DejaVuSans.ttf",
        "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
    }
    if all((DEJAVU / f).exists() for f in files.values()):
        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            for name, file in files.items():
                pdfmetrics.registerFont(TTFont(name, str(DEJAVU / file)))
            pdfmetrics.registerFontFamily(
                "DejaVuSans",
                normal="DejaVuSans",
                bold="DejaVuSans-Bold",
                italic="DejaVuSans-Oblique",
                boldItalic="DejaVuSans-Bold",
            )
        return "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
    return "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


def dossier_pdf(dossier: Dossier) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold, italic = _fonts()
    standard = regular == "Helvetica"

    def clean(text: str) -> str:
        text = typo(text)
        # The standard fonts (WinAnsi) lack the narrow no-break space and the minus sign.
        return text.replace(NNBSP, "\u00a0").replace("\u2212", "-") if standard else text

    base = getSampleStyleSheet()
    styles = {
        name: ParagraphStyle(
            name,
            parent=base[parent],
            fontName=bold if parent.startswith(("Heading", "Title")) else regular,
        )
        for name, parent in (
            ("title", "Title"),
            ("h1", "Heading1"),
            ("h2", "Heading2"),
            ("h3", "Heading3"),
            ("h4", "Heading4"),
            ("body", "BodyText"),
            ("quote", "BodyText"),
        )
    }
    styles["quote"].leftIndent = 10 * mm
    styles["h1"].fontSize, styles["h1"].leading, styles["h1"].spaceBefore = 15, 19, 10
    styles["h2"].fontSize, styles["h2"].leading = 12.5, 16
    styles["h3"].fontSize, styles["h3"].leading = 11, 14
    styles["small"] = ParagraphStyle("small", parent=styles["body"], fontName=italic, fontSize=9)
    cell = ParagraphStyle("cell", parent=styles["body"], fontSize=8, leading=10)
    cell_bold = ParagraphStyle("cellb", parent=cell, fontName=bold)
    # Amounts right-aligned, as in any French budget table.
    cell_num = ParagraphStyle("celln", parent=cell, alignment=2)
    cell_num_bold = ParagraphStyle("cellnb", parent=cell_bold, alignment=2)

    def para(text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(clean(text)), styles[style])

    def markup(block: Block) -> str:
        out = []
        for run in block.runs:
            text = escape(clean(run.text)).replace("\n", "<br/>")
            if run.bold:
                text = f"<b>{text}</b>"
            if run.italic:
                text = f"<i>{text}</i>"
            if run.href:
                href = escape(run.href, {'"': "&quot;"})
                text = f'<link href="{href}" color="blue">{text}</link>'
            out.append(text)
        return "".join(out)

    def table(rows: list[list[str]], widths, bold_rows: set[int]) -> Table:
        def style(i: int, j: int) -> ParagraphStyle:
            if j == 0 or i == 0:
                return cell_bold if i in bold_rows else cell
            return cell_num_bold if i in bold_rows else cell_num

        data = [
            [Paragraph(escape(clean(c)), style(i, j)) for j, c in enumerate(row)]
            for i, row in enumerate(rows)
        ]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef0")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    def budget_story() -> list:
        rows = budget_rows(dossier)
        columns = len(rows[0][1])
        first = 55 * mm
        rest = (170 * mm - first) / max(1, columns - 1)
        story = [para("Budget consolidé du projet", "h3")]
        story.append(
            table(
                [cells for _k, cells, _s in rows],
                [first] + [rest] * (columns - 1),
                {i for i, (_k, _c, s) in enumerate(rows) if s != "row"},
            )
        )
        story += [Spacer(1, 4 * mm), para("Plan de cofinancement", "h3")]
        story.append(table(cofinancing_rows(dossier), [90 * mm, 40 * mm, 40 * mm], {0}))
        if not dossier.budget.balanced:
            story.append(
                para(f"Budget non équilibré : écart de {euros(dossier.budget.difference)}.")
            )
        return story

    story: list = [Spacer(1, 30 * mm), para(dossier.answer.title, "title")]
    story.append(para("Réponse commune à un appel à projets", "h2"))
    story.append(Spacer(1, 10 * mm))
    for label, value in _cover_lines(dossier):
        line = f"<b>{escape(clean(label + ' :'))}</b> {escape(clean(value))}"
        story.append(Paragraph(line, styles["body"]))
    story.append(PageBreak())
    for number, section in enumerate(dossier.sections, start=1):
        story.append(para(f"{number}. {section.title}", "h1"))
        owner = dossier.party_names.get(section.owner_party_id, "")
        story.append(para(f"Rédigée par : {owner}", "small"))
        content = blocks(section.body)
        if not content:
            story.append(para("(rubrique non renseignée)", "small"))
        index = 0
        while index < len(content):
            block = content[index]
            if block.kind in ("ul", "ol"):
                items = []
                while index < len(content) and content[index].kind == block.kind:
                    items.append(ListItem(Paragraph(markup(content[index]), styles["body"])))
                    index += 1
                bullet = "1" if block.kind == "ol" else "bullet"
                story.append(ListFlowable(items, bulletType=bullet, leftIndent=12))
                story.append(Spacer(1, 2 * mm))
                continue
            style = block.kind if block.kind in styles else "body"
            story.append(Paragraph(markup(block), styles[style]))
            index += 1
        if section.code == "budget":
            story += budget_story()
    if not any(s.code == "budget" for s in dossier.sections):
        story += [para("Budget du projet", "h1"), *budget_story()]

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.drawString(20 * mm, 10 * mm, clean(f"{dossier.answer.title} — page {doc.page}"))
        canvas.restoreState()

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=clean(dossier.answer.title),
        author=clean(dossier.lead),
        lang="fr-FR",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
