"""The grant's financial report written once in the kernel's document model, in the
structure of the Cerfa nº 15059*02 (compte rendu financier de subvention), and rendered
to PDF, DOCX and ODT through the same engine as the dossier:

1. the actions carried out: the lead's account, then each party's funded actions
   (sessions held, participations, different people, volunteers' hours);
2. the summary table: charges on the left and produits on the right, planned
   against carried out, with the contributions in kind (86 / 87) below; then each
   party's totals for information;
3. the annex: the gaps beyond the threshold with their explanation, how the shared
   post's time and the volunteers were valued, each party's comments;
4. the attachments, and the attestation of the lead's legal representative.

Written in French whatever the reader's interface language: it goes to a French
funder.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import zip_longest

from ensemble.aap import financial
from ensemble.aap import operations as aap
from ensemble.aap.budget import ACCOUNT_CLASSES, CHARGE, INCOME, VOLUNTARY, ZERO
from ensemble.aap.exports import _in_french, _party_line
from ensemble.aap.models import AapAnswer, AapFinancialReport, AapReportPart
from ensemble.db import session_of
from ensemble.kernel import clock, french
from ensemble.kernel import documents as doc
from ensemble.kernel.documents.model import RowKind
from ensemble.network.identity import legal_identity


@dataclass(frozen=True)
class ReportData:
    answer: AapAnswer
    report: AapFinancialReport
    figures: financial.Report
    parts: dict[int, AapReportPart]
    names: dict[int, str]  # party id -> centre name
    attachments: list[tuple[str, str, str]]  # (kind, party, filename)


def report_data(answer: AapAnswer, report: AapFinancialReport) -> ReportData:
    session = session_of(answer)
    with _in_french():
        attachments = [
            (a.kind_label, a.party.centre.name if a.party.centre else "", a.filename)
            for a in aap.attachments(session, answer)
        ]
    return ReportData(
        answer,
        report,
        aap.figures_of(session, answer, report),
        aap.parts_of(session, report),
        {p.id: p.centre.name for p in answer.agreement.parties},
        attachments,
    )


def _hours(value: Decimal | str) -> str:
    return french.duration(Decimal(value))


# --- Cover ---------------------------------------------------------------------------


def _cover(data: ReportData) -> doc.Cover:
    answer, report = data.answer, data.report
    partners = [p.centre for p in aap.active_parties(answer) if not p.is_owner]
    facts = [
        ("Financeur", str(aap.FUNDER_LABELS[answer.call.funder])),
        ("Appel à projets", answer.call.title),
        ("Subvention accordée", french.euros(answer.granted_amount)),
        (
            "Exercice",
            f"du {french.long_date(report.period_start)} au {french.long_date(report.period_end)}",
        ),
        ("Chef de file", _party_line(answer.lead_centre)),
        ("Partenaires", "\n".join(_party_line(c) for c in partners) or "Aucun partenaire"),
        ("À remettre au plus tard le", french.long_date(report.deadline)),
    ]
    if answer.outcome_on:
        facts.insert(3, ("Décision du financeur", french.long_date(answer.outcome_on)))
    note = (
        ""
        if report.is_signed
        else f"Version de travail du {french.long_date(clock.today())}, non encore signée."
    )
    return doc.Cover(
        answer.title, "Compte rendu financier de subvention (Cerfa nº 15059*02)", facts, note
    )


# --- 1. Actions ------------------------------------------------------------------------


def _actions_blocks(data: ReportData) -> list[doc.Block]:
    blocks: list[doc.Block] = [doc.Heading("1. Bilan qualitatif de l’action", 1)]
    summary = [p.strip() for p in data.report.summary.split("\n\n") if p.strip()]
    blocks += [doc.Paragraph(p) for p in summary] or [
        doc.Paragraph("Bilan non renseigné.", style="note")
    ]
    rows = []
    for party_id in data.figures.party_order:
        part = data.parts.get(party_id)
        for action in part.actions if part else []:
            rows.append(
                doc.Row(
                    [
                        data.names.get(party_id, ""),
                        action["name"],
                        action["public"],
                        french.number(action["sessions"]),
                        french.number(action["participations"]),
                        french.number(action["people"]) if action["people"] else "—",
                        _hours(action["volunteer_hours"]),
                    ]
                )
            )
    blocks.append(doc.Heading("Actions réalisées, d’après les présences aux séances", 2))
    if not rows:
        blocks.append(doc.Paragraph("Aucune séance tenue n’est rattachée à la subvention."))
        return blocks
    blocks.append(
        doc.Table(
            [
                doc.Column.text("Structure"),
                doc.Column.text("Action"),
                doc.Column.text("Public"),
                doc.Column.amount("Séances"),
                doc.Column.amount("Participations"),
                doc.Column.amount("Personnes"),
                doc.Column.amount("Bénévolat"),
            ],
            rows,
            caption="Actions réalisées : séances tenues et public touché",
            show_caption=True,
            small=True,
        )
    )
    blocks.append(
        doc.Paragraph(
            "Personnes : personnes différentes inscrites et pointées présentes ; les "
            "participations comptent chaque présence à chaque séance.",
            style="small",
        )
    )
    return blocks


# --- 2. Summary table --------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    label: str
    planned: Decimal
    real: Decimal
    heading: bool


def _side(
    figures: financial.Report, kind: str, codes: tuple[str, ...] | None = None
) -> list[_Entry]:
    entries: list[_Entry] = []
    classes = sorted({line.account[:2] for line in figures.lines if line.kind == kind})
    for code in classes:
        if (codes is None and code in VOLUNTARY) or (codes is not None and code not in codes):
            continue
        lines = [line for line in figures.lines if line.account[:2] == code]
        entries.append(
            _Entry(
                ACCOUNT_CLASSES[code][1],
                sum((x.planned for x in lines), ZERO),
                sum((x.real for x in lines), ZERO),
                True,
            )
        )
        details: dict[str, list[Decimal]] = {}
        for line in lines:
            amounts = details.setdefault(line.label, [ZERO, ZERO])
            amounts[0] += line.planned
            amounts[1] += line.real
        entries += [_Entry(label, a[0], a[1], False) for label, a in details.items()]
    return entries


def _cells(entry: _Entry | None) -> list[doc.Cell]:
    if entry is None:
        return [doc.Cell(""), doc.Cell(""), doc.Cell("")]
    return [
        doc.Cell(entry.label, bold=entry.heading, indent=0 if entry.heading else 1),
        doc.Cell(french.euros(entry.planned), bold=entry.heading),
        doc.Cell(french.euros(entry.real), bold=entry.heading),
    ]


def summary_table(figures: financial.Report) -> doc.Table:
    """Charges and produits side by side, planned (prévision) and carried out
    (réalisation); the totals on one line, contributions in kind below."""
    totals = figures.totals
    c86_p, c86_r = figures.class_planned("86"), figures.class_real("86")
    c87_p, c87_r = figures.class_planned("87"), figures.class_real("87")
    rows = [
        doc.Row([*_cells(left), *_cells(right)])
        for left, right in zip_longest(_side(figures, CHARGE), _side(figures, INCOME))
    ]
    rows.append(
        doc.Row(
            [
                "Total des charges",
                french.euros(totals.charges_planned - c86_p),
                french.euros(totals.charges_real - c86_r),
                "Total des produits",
                french.euros(totals.income_planned - c87_p),
                french.euros(totals.income_real - c87_r),
            ],
            kind="total",
        )
    )
    rows.append(doc.Row([doc.Cell("Contributions volontaires en nature", span=6)], kind="group"))
    rows += [
        doc.Row([*_cells(left), *_cells(right)])
        for left, right in zip_longest(
            _side(figures, CHARGE, ("86",)), _side(figures, INCOME, ("87",))
        )
    ]
    rows.append(
        doc.Row(
            [
                "Total",
                french.euros(totals.charges_planned),
                french.euros(totals.charges_real),
                "Total",
                french.euros(totals.income_planned),
                french.euros(totals.income_real),
            ],
            kind="total",
        )
    )
    return doc.Table(
        [
            doc.Column.text("Charges"),
            doc.Column.amount("Prévu"),
            doc.Column.amount("Réalisé"),
            doc.Column.text("Produits"),
            doc.Column.amount("Prévu"),
            doc.Column.amount("Réalisé"),
        ],
        rows,
        caption="Tableau de synthèse : budget prévisionnel et réalisé de l’action",
        show_caption=True,
        small=True,
    )


def _totals_row(name: str, t: financial.Totals, kind: RowKind = "body") -> doc.Row:
    """A party's (or the action's) charges and income, planned and real."""
    amounts = (t.charges_planned, t.charges_real, t.income_planned, t.income_real)
    return doc.Row([name, *map(french.euros, amounts)], kind=kind)


def parties_table(data: ReportData) -> doc.Table:
    rows = [
        _totals_row(data.names.get(party_id, ""), data.figures.by_party[party_id])
        for party_id in data.figures.party_order
    ]
    rows.append(_totals_row("Action", data.figures.totals, kind="total"))
    return doc.Table(
        [
            doc.Column.text("Structure"),
            doc.Column.amount("Charges prévues"),
            doc.Column.amount("Charges réalisées"),
            doc.Column.amount("Produits prévus"),
            doc.Column.amount("Produits réalisés"),
        ],
        rows,
        caption="Part de chaque structure (pour information, contributions en nature comprises)",
        show_caption=True,
        small=True,
    )


def _summary_blocks(data: ReportData) -> list[doc.Block]:
    totals = data.figures.totals
    blocks: list[doc.Block] = [
        doc.Heading("2. Tableau de synthèse", 1),
        summary_table(data.figures),
        doc.Paragraph(
            "Résultat de l’action réalisée (total des produits moins total des charges) : "
            f"{french.signed_euros(totals.result_real)}."
        ),
    ]
    if len(data.figures.party_order) > 1:
        blocks.append(parties_table(data))
    return blocks


# --- 3. Annex: gaps, valuation rules, comments ---------------------------------------------


def _annex_blocks(data: ReportData) -> list[doc.Block]:
    report, figures = data.report, data.figures
    threshold = french.percent(report.gap_threshold, 0)
    blocks: list[doc.Block] = [
        doc.Heading("3. Annexe : explication des écarts et règles de valorisation", 1),
        doc.Heading(f"Écarts de plus de {threshold} entre le prévu et le réalisé", 2),
    ]
    gaps = [line for line in figures.lines if line.beyond(report.gap_threshold)]
    if gaps:
        blocks.append(
            doc.Table(
                [
                    doc.Column.text("Structure"),
                    doc.Column.text("Ligne"),
                    doc.Column.amount("Prévu"),
                    doc.Column.amount("Réalisé"),
                    doc.Column.amount("Écart"),
                    doc.Column.text("Explication"),
                ],
                [
                    doc.Row(
                        [
                            data.names.get(line.party_id, ""),
                            f"{line.account} – {line.label}",
                            french.euros(line.planned),
                            french.euros(line.real),
                            "non prévu"
                            if line.gap_percent is None
                            else french.percent(line.gap_percent, 1, signed=True),
                            line.explanation or "Non expliqué.",
                        ]
                    )
                    for line in gaps
                ],
                caption="Écarts significatifs et leur explication",
                small=True,
            )
        )
    else:
        blocks.append(doc.Paragraph(f"Aucune ligne ne s’écarte du prévu de plus de {threshold}."))
    blocks.append(doc.Heading("Règles de valorisation", 2))
    rules = []
    hours = sum((p.volunteer_hours for p in data.parts.values()), ZERO)
    rules.append(
        f"Bénévolat : {_hours(hours)} de bénévoles présents aux séances, valorisées à "
        f"{french.euros(report.hourly_rate)} de l’heure, soit "
        f"{french.euros(financial.volunteer_value(hours, report.hourly_rate))}, inscrites à la "
        "fois en emplois (compte 86) et en contributions (compte 87)."
        if hours
        else "Aucune heure de bénévolat n’a été relevée aux séances."
    )
    for party_id in figures.party_order:
        part = data.parts.get(party_id)
        if part is None or not part.post_hours:
            continue
        text = (
            f"{data.names.get(party_id, '')} : {_hours(part.post_hours)} du poste mutualisé "
            f"« {part.post_title} » aux séances tenues, valorisées au coût réel des états de "
            f"refacturation du poste (coût réel du mois rapporté aux heures d’un mois), soit "
            f"{french.euros(part.post_cost)} (compte {part.post_account})."
        )
        if part.post_unvalued_hours:
            text += (
                f" {_hours(part.post_unvalued_hours)} tombent dans des mois sans état émis et "
                "ne sont pas valorisées."
            )
        rules.append(text)
    blocks.append(doc.ListBlock(rules))
    comments = [
        (data.names.get(pid, ""), data.parts[pid].comment)
        for pid in figures.party_order
        if pid in data.parts and data.parts[pid].comment
    ]
    if comments:
        blocks.append(doc.Heading("Commentaires des structures", 2))
        for name, comment in comments:
            blocks.append(doc.Paragraph([doc.Run(f"{name} : ", bold=True), comment]))
    return blocks


# --- 4. Attachments and attestation --------------------------------------------------------


def _closing_blocks(data: ReportData) -> list[doc.Block]:
    report = data.report
    lead = legal_identity(data.answer.lead_centre)
    blocks: list[doc.Block] = [doc.Heading("4. Pièces jointes", 1)]
    if data.attachments:
        blocks.append(
            doc.Table(
                [
                    doc.Column.text("Pièce"),
                    doc.Column.text("Structure"),
                    doc.Column.text("Fichier"),
                ],
                [doc.Row(list(a)) for a in data.attachments],
                caption="Pièces jointes",
            )
        )
    else:
        blocks.append(doc.Paragraph("Aucune pièce jointe."))
    who = (
        f"{report.signatory_name}, {report.signatory_quality}"
        if report.is_signed
        else "………………………………………………"
    )
    blocks += [
        doc.Heading("Attestation du représentant légal", 1),
        doc.Paragraph(
            f"Je soussigné(e), {who}, représentant(e) légal(e) de la structure chef de file du "
            f"projet « {data.answer.title} », certifie exactes les informations du présent "
            "compte rendu financier, établi avec les structures partenaires."
        ),
        doc.Paragraph("\n".join(lead.lines()), style="quote"),
        doc.SignatureBlock(
            [
                doc.Signer(
                    "Le représentant légal du chef de file",
                    who if report.is_signed else lead.name,
                    (
                        "Nom, prénom et qualité",
                        "Fait à",
                        f"Le {french.long_date(report.signed_on)}" if report.signed_on else "Le",
                        "Signature",
                    ),
                )
            ]
        ),
        doc.Paragraph(
            "Toute fausse déclaration est passible de peines d’emprisonnement et d’amendes "
            "prévues par les articles 441-6 et 441-7 du Code pénal. Le compte rendu financier "
            "est à transmettre dans les six mois suivant la fin de l’exercice pour lequel la "
            "subvention a été attribuée.",
            style="small",
        ),
    ]
    return blocks


def report_document(data: ReportData) -> doc.Document:
    with _in_french():
        answer = data.answer
        blocks = [
            *_actions_blocks(data),
            *_summary_blocks(data),
            *_annex_blocks(data),
            *_closing_blocks(data),
        ]
        lead = answer.lead_centre.name
        return doc.Document(
            title=f"Compte rendu financier — {answer.title}",
            cover=_cover(data),
            blocks=blocks,
            author=lead,
            subject="Compte rendu financier de subvention (Cerfa nº 15059*02)",
            header=f"{answer.title} — compte rendu financier",
            footer=f"{lead}, chef de file · Cerfa nº 15059*02",
        )


def render_report(data: ReportData, fmt: str) -> bytes:
    return doc.render(report_document(data), fmt)
