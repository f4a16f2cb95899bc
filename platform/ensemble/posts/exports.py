"""Documents produced from a post: the mise à disposition agreement (DOCX) and
the monthly cost statement (PDF and CSV).

They are exchanged between French employers and their accountants, so they are
written in French whatever the reader's interface language, with French number
formats (decimal comma, euros after the amount).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from sqlalchemy.orm import Session

from ensemble.posts.models import Arrangement, PostAllocation, SharedPost, ShareUnit
from ensemble.posts.operations import StatementFigures, allocations_with_parties, carrier_of

LOCALE = "fr_FR"
PARIS = ZoneInfo("Europe/Paris")
ARRANGEMENT_LABELS = {
    Arrangement.SHARED_TIME: "Temps partagé multi-employeurs",
    Arrangement.SECONDMENT: "Mise à disposition",
    Arrangement.EMPLOYERS_GROUP: "Groupement d’employeurs",
}


def euros(amount: Decimal) -> str:
    return format_currency(amount, "EUR", locale=LOCALE)


def long_date(day: date | None) -> str:
    return format_date(day, "d MMMM y", locale=LOCALE) if day else "date non fixée"


def month_label(month: date) -> str:
    return format_date(month, "MMMM y", locale=LOCALE)


def share_label(allocation: PostAllocation) -> str:
    value = format_decimal(allocation.share, "0.##", locale=LOCALE)
    if allocation.unit is ShareUnit.PERCENT:
        return f"{value}\u00a0% du temps de travail"
    return f"{value}\u00a0heures par semaine"


# --- The agreement (DOCX) ------------------------------------------------------------


@dataclass(frozen=True)
class AgreementData:
    post: SharedPost
    carrier_name: str
    holder_name: str
    allocations: list[PostAllocation]


def agreement_docx(data: AgreementData) -> bytes:
    """The written agreement between employers that a mise à disposition requires
    (Code du travail, articles L8241-1 and L8241-2), filled from the post."""
    from docx import Document
    from docx.shared import Pt

    post = data.post
    hosts = [a for a in data.allocations if not a.party.is_owner]
    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading("Convention de mise à disposition de personnel", level=0)
    document.add_paragraph(
        "Prêt de main-d’œuvre à but non lucratif (articles L8241-1 et L8241-2 du Code du travail)"
    )

    document.add_heading("Entre les soussignés", level=1)
    document.add_paragraph(f"{data.carrier_name}, employeur porteur du poste (l’« employeur »),")
    hosts_names = sorted({a.party.label for a in hosts})
    for name in hosts_names:
        document.add_paragraph(f"{name}, structure d’accueil,", style="List Bullet")
    if not hosts_names:
        document.add_paragraph("[structures d’accueil à compléter]")

    document.add_heading("Article 1 — Objet", level=1)
    document.add_paragraph(
        f"L’employeur met {data.holder_name}, qui occupe le poste « {post.title} », "
        "à la disposition des structures d’accueil, dans les conditions ci-dessous."
    )
    document.add_heading("Article 2 — Durée", level=1)
    document.add_paragraph(
        f"La mise à disposition court du {long_date(post.starts_on)} au {long_date(post.ends_on)}."
    )
    document.add_heading("Article 3 — Missions", level=1)
    document.add_paragraph(post.tasks or "[missions à compléter]")
    document.add_heading("Article 4 — Durée du travail et répartition", level=1)
    document.add_paragraph(
        "La durée du travail du salarié est de "
        f"{format_decimal(post.weekly_hours, '0.##', locale=LOCALE)} heures par semaine, "
        "répartie ainsi :"
    )
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, title in zip(
        table.rows[0].cells, ("Structure", "Lieu de travail", "Part", "Période"), strict=True
    ):
        cell.text = title
    for allocation in data.allocations:
        cells = table.add_row().cells
        cells[0].text = allocation.party.label
        cells[1].text = allocation.site_centre.name
        cells[2].text = share_label(allocation)
        cells[3].text = f"du {long_date(allocation.starts_on)} au {long_date(allocation.ends_on)}"
    document.add_heading("Article 5 — Coût refacturé", level=1)
    document.add_paragraph(
        "Chaque structure d’accueil rembourse à l’employeur, chaque mois, sa part du coût "
        "réel du poste : salaire brut, charges sociales patronales et frais professionnels "
        "(déplacements entre les sites), diminués des aides à l’emploi perçues. La "
        "refacturation se fait à l’euro près, sans aucune marge, sur la base d’un état "
        "mensuel de refacturation transmis à chaque structure."
    )
    document.add_heading("Article 6 — Assurance", level=1)
    document.add_paragraph(post.insurance or "[assurance à compléter]")
    document.add_heading("Article 7 — Situation du salarié", level=1)
    document.add_paragraph(
        "Le salarié reste lié à l’employeur par son contrat de travail ; un avenant à ce "
        "contrat précise les conditions de la mise à disposition, qui ne peut intervenir "
        "qu’avec son accord écrit. Il conserve sa rémunération et ses droits."
    )
    document.add_heading("Signatures", level=1)
    for name in [data.carrier_name, *hosts_names]:
        document.add_paragraph(f"Pour {name} : ____________________   le ____________")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- The cost statement (CSV and PDF) -------------------------------------------------


@dataclass(frozen=True)
class StatementDocument:
    post_title: str
    carrier_name: str
    figures: StatementFigures

    @property
    def title(self) -> str:
        statement = self.figures.statement
        return (
            f"État de refacturation — {month_label(statement.month)} — version {statement.version}"
        )


def _plain(amount: Decimal) -> str:
    """1234,56: a number French spreadsheets read (no thousands separator)."""
    return f"{amount:.2f}".replace(".", ",")


def _percent(share: Decimal) -> str:
    return f"{share * 100:.4f}".replace(".", ",")


def statement_rows(doc: StatementDocument) -> list[list[str]]:
    figures = doc.figures
    cost = figures.cost
    rows = [
        ["Rubrique", "Structure", "Part du mois (%)", "Montant (€)"],
        ["Salaire brut", "", "", _plain(cost.gross_salary)],
        ["Charges sociales patronales", "", "", _plain(cost.employer_charges)],
        ["Frais professionnels (déplacements entre sites)", "", "", _plain(cost.travel_expenses)],
        ["Aides à l’emploi perçues (déduites)", "", "", _plain(-cost.employment_aid)],
        ["Coût réel du poste", "", "", _plain(cost.real_cost)],
    ]
    for line in figures.host_lines:
        rows.append(["Refacturé à", line.party_name, _percent(line.share), _plain(line.amount)])
    rows.append(["Total refacturé", "", "", _plain(figures.reinvoiced)])
    carrier = figures.carrier_line
    rows.append(
        [
            "Reste à la charge de l’employeur porteur",
            carrier.party_name,
            _percent(carrier.share),
            _plain(carrier.amount),
        ]
    )
    rows.append(["Total refacturé + reste = coût réel", "", "", _plain(figures.total)])
    rows.append(["Marge", "", "", _plain(Decimal("0.00"))])
    rows.append(["Base de répartition", cost.basis, "", ""])
    rows.append(["Règle d’arrondi", cost.rounding_rule, "", ""])
    return rows


def statement_csv(doc: StatementDocument) -> bytes:
    """Semicolon-separated, UTF-8 with BOM, decimal commas: what French spreadsheets open."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    statement = doc.figures.statement
    writer.writerow(["Poste", doc.post_title, "Mois", month_label(statement.month)])
    writer.writerow(["Employeur porteur", doc.carrier_name, "Version", str(statement.version)])
    writer.writerows(statement_rows(doc))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _pdf_text(text: str) -> str:
    """The PDF's standard fonts (WinAnsi) lack the narrow no-break space and the
    minus sign: use their closest equivalents."""
    return text.replace("\u202f", "\u00a0").replace("\u2212", "-")


def statement_pdf(doc: StatementDocument) -> bytes:
    """A one-page PDF with reportlab's built-in fonts: no system dependency."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    figures = doc.figures
    statement, cost = figures.statement, figures.cost
    styles = getSampleStyleSheet()

    def para(text: str, style: str = "BodyText") -> Paragraph:
        return Paragraph(escape(_pdf_text(text)), styles[style])

    def money(amount: Decimal) -> str:
        return _pdf_text(euros(amount))

    def percent(share: Decimal) -> str:
        return _pdf_text(format_decimal(share * 100, "0.00", locale=LOCALE) + "\u00a0%")

    story = [
        para(doc.title, "Title"),
        para(f"Poste : {doc.post_title}"),
        para(f"Employeur porteur : {doc.carrier_name}"),
        para(
            f"Émis le {long_date(statement.issued_at.astimezone(PARIS).date())}"
            + (f" — corrige la version {statement.version - 1}" if statement.supersedes_id else "")
        ),
    ]
    if statement.correction_note:
        story.append(para(f"Motif de la correction : {statement.correction_note}"))
    story.append(Spacer(1, 4 * mm))
    cost_rows = [
        ["Coût réel du poste", ""],
        ["Salaire brut", money(cost.gross_salary)],
        ["Charges sociales patronales", money(cost.employer_charges)],
        ["Frais professionnels (déplacements entre sites)", money(cost.travel_expenses)],
        ["Aides à l’emploi perçues (déduites)", money(-cost.employment_aid)],
        ["Coût réel", money(cost.real_cost)],
    ]
    split_rows = [["Structure", "Part du mois", "Montant"]]
    split_rows += [
        [f"Refacturé à {line.party_name}", percent(line.share), money(line.amount)]
        for line in figures.host_lines
    ]
    split_rows.append(["Total refacturé", "", money(figures.reinvoiced)])
    carrier = figures.carrier_line
    split_rows.append(
        [
            f"Reste à la charge de {carrier.party_name} (porteur)",
            percent(carrier.share),
            money(carrier.amount),
        ]
    )
    split_rows.append(
        ["Total refacturé + reste = coût réel (marge : 0,00 €)", "", money(figures.total)]
    )
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef0")),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]
    )
    for rows, widths in (
        (cost_rows, [120 * mm, 50 * mm]),
        (split_rows, [105 * mm, 30 * mm, 35 * mm]),
    ):
        table = Table([[_pdf_text(c) for c in row] for row in rows], colWidths=widths)
        table.setStyle(grid)
        story += [table, Spacer(1, 5 * mm)]
    story += [
        para("Base de répartition", "Heading4"),
        para(cost.basis),
        para("Règle d’arrondi", "Heading4"),
        para(cost.rounding_rule),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_pdf_text(doc.title),
        author=_pdf_text(doc.carrier_name),
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    ).build(story)
    return buffer.getvalue()


def agreement_for(session: Session, post: SharedPost) -> bytes:
    """The agreement DOCX of `post`, from what the reader can see of it."""
    return agreement_docx(
        AgreementData(
            post=post,
            carrier_name=carrier_of(post).name,
            holder_name=post.holder.full_name,
            allocations=allocations_with_parties(session, post),
        )
    )
