"""The assembled dossier, written once in the kernel's document model and rendered to PDF
(tagged), DOCX and ODT: what the lead sends to the funder.

- a cover: the call, the funder, the deadline, the lead (chef de file) and the partners
  with their legal entities, the project's total cost;
- the sections in order, numbered, each « Rédigée par » its party (in italics), their rich
  text converted faithfully (headings, lists restarting per section, bold, italics, links);
- the budget in the Cerfa nº 12156 layout: charges (60–68) on the left and produits (70–75)
  on the right with their totals level, contributions in kind (86 / 87) below; then each
  party's share for information (never an internal « Écart » row) and the co-financing;
- the attachments (`attachments_of`) and the attestation of the lead's legal
  representative, to sign.

Written in French whatever the reader's interface language: the document goes to a French
funder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest

from sqlalchemy import text
from sqlalchemy.orm import Session

from ensemble.aap.budget import (
    ACCOUNT_CLASSES,
    CHARGE,
    INCOME,
    SUBSIDY,
    VOLUNTARY,
    ZERO,
    Budget,
)
from ensemble.aap.models import AapAnswer, AapSection, AnswerStatus
from ensemble.aap.operations import FUNDER_LABELS, active_parties, attachments, budget_of
from ensemble.db import session_of
from ensemble.kernel import clock, french
from ensemble.kernel import documents as doc
from ensemble.network.identity import legal_identity
from ensemble.network.models import Centre


@dataclass(frozen=True)
class AttachmentEntry:
    """One attachment of the dossier, as the export lists it."""

    title: str  # « Statuts », « Relevé d’identité bancaire »…
    party: str  # the centre it belongs to
    filename: str = ""


def attachments_of(answer: AapAnswer) -> list[AttachmentEntry]:
    """The dossier's attachments, in the order the export lists them: the lead's,
    then each partner's, by kind (statutes, RIB, accounts, CVs, letters of support)."""
    session = session_of(answer)
    with _in_french():  # the kinds' labels go to a French funder
        return [
            AttachmentEntry(a.kind_label, a.party.centre.name if a.party.centre else "", a.filename)
            for a in attachments(session, answer)
        ]


@dataclass(frozen=True)
class Dossier:
    answer: AapAnswer
    sections: list[AapSection]
    budget: Budget
    party_names: dict[int, str]  # party id -> centre name
    attachments: list[AttachmentEntry] = field(default_factory=list)

    @property
    def lead(self) -> str:
        return self.answer.lead_centre.name

    @property
    def partners(self) -> list[Centre]:
        return [p.centre for p in active_parties(self.answer) if not p.is_owner]


def dossier_of(answer: AapAnswer, budget: Budget) -> Dossier:
    names = {p.id: p.centre.name for p in answer.agreement.parties}
    return Dossier(
        answer,
        sorted(answer.sections, key=lambda s: (s.position, s.id)),
        budget,
        names,
        attachments_of(answer),
    )


@contextlib.contextmanager
def _in_french() -> Iterator[None]:
    """Labels (funders, account classes) in French whatever the reader's language."""
    try:
        from flask import has_request_context
        from flask_babel import force_locale
    except ImportError:  # pragma: no cover
        yield
        return
    if has_request_context():
        with force_locale("fr"):
            yield
    else:
        yield


# --- Cover ---------------------------------------------------------------------------


def _party_line(centre: Centre) -> str:
    entity = centre.employer.name
    return centre.name if entity == centre.name else f"{centre.name} ({entity})"


def _cover(dossier: Dossier) -> doc.Cover:
    answer, call = dossier.answer, dossier.answer.terms
    facts = [
        ("Appel à projets", call.title),
        ("Financeur", str(FUNDER_LABELS[call.funder])),
        ("Date limite de dépôt", french.long_date(call.deadline)),
        ("Chef de file", _party_line(answer.lead_centre)),
        (
            "Partenaires",
            "\n".join(_party_line(c) for c in dossier.partners) or "Aucun partenaire",
        ),
        ("Coût total du projet", french.euros(dossier.budget.total_charges)),
    ]
    if answer.submitted_at:
        facts.append(("Déposée le", french.long_date(answer.submitted_at)))
    note = (
        ""
        if answer.status is not AnswerStatus.DRAFT
        else f"Version de travail du {french.long_date(clock.today())}, non encore déposée."
    )
    return doc.Cover(answer.title, "Réponse commune à un appel à projets", facts, note)


# --- Budget (Cerfa nº 12156) ---------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    label: str
    amount: Decimal
    heading: bool  # an account class (bold) rather than a detail line (indented)


def _side(budget: Budget, kind: str) -> list[_Entry]:
    """One column of the Cerfa table: each account class with its total, then its lines
    (summed by label across the parties; subsidies by funder)."""
    entries: list[_Entry] = []
    for cls in budget.classes:
        if cls.kind != kind or cls.code in VOLUNTARY:
            continue
        entries.append(_Entry(cls.label, cls.total, True))
        entries += _details(budget, cls.code)
    return entries


def _details(budget: Budget, code: str) -> list[_Entry]:
    details: dict[str, Decimal] = {}
    for line in sorted(budget.lines, key=lambda item: item.account):
        if line.account[:2] != code:
            continue
        label = (line.funder if code == SUBSIDY else line.label).strip() or "Sans libellé"
        details[label] = details.get(label, ZERO) + line.amount
    return [_Entry(label, amount, False) for label, amount in details.items()]


def _class_total(budget: Budget, code: str) -> Decimal:
    return next((c.total for c in budget.classes if c.code == code), ZERO)


def _entry_cells(entry: _Entry | None) -> list[doc.Cell]:
    if entry is None:
        return [doc.Cell(""), doc.Cell("")]
    return [
        doc.Cell(entry.label, bold=entry.heading, indent=0 if entry.heading else 1),
        doc.Cell(french.euros(entry.amount), bold=entry.heading),
    ]


def cerfa_table(budget: Budget) -> doc.Table:
    """Charges on the left, produits on the right, totals on one line; contributions in
    kind (86 / 87) below with the grand totals."""
    charges_86, income_87 = _class_total(budget, "86"), _class_total(budget, "87")
    rows = [
        doc.Row([*_entry_cells(left), *_entry_cells(right)])
        for left, right in zip_longest(_side(budget, CHARGE), _side(budget, INCOME))
    ]
    if not rows:
        rows.append(doc.Row(["Aucune charge", "", "Aucun produit", ""]))
    rows.append(
        doc.Row(
            [
                "Total des charges",
                french.euros(budget.total_charges - charges_86),
                "Total des produits",
                french.euros(budget.total_income - income_87),
            ],
            kind="total",
        )
    )
    rows.append(doc.Row([doc.Cell("Contributions volontaires en nature", span=4)], kind="group"))
    in_kind = zip_longest(
        [_Entry(_label("86"), charges_86, True), *_details(budget, "86")],
        [_Entry(_label("87"), income_87, True), *_details(budget, "87")],
    )
    rows += [doc.Row([*_entry_cells(left), *_entry_cells(right)]) for left, right in in_kind]
    rows.append(
        doc.Row(
            [
                "Total",
                french.euros(budget.total_charges),
                "Total",
                french.euros(budget.total_income),
            ],
            kind="total",
        )
    )
    return doc.Table(
        [
            doc.Column.text("Charges"),
            doc.Column.amount("Montant"),
            doc.Column.text("Produits"),
            doc.Column.amount("Montant"),
        ],
        rows,
        caption="Budget prévisionnel du projet",
        show_caption=True,
    )


def _label(code: str) -> str:
    return ACCOUNT_CLASSES[code][1]


def parties_table(dossier: Dossier) -> doc.Table:
    """Each party's charges and produits, for information: imbalance between parties is
    normal in a joint budget, so no gap is printed; only the project must balance."""
    budget = dossier.budget
    rows = [
        doc.Row(
            [
                dossier.party_names.get(party_id, ""),
                french.euros(budget.parties[party_id].charges),
                french.euros(budget.parties[party_id].income),
            ]
        )
        for party_id in budget.party_order
    ]
    rows.append(
        doc.Row(
            ["Projet", french.euros(budget.total_charges), french.euros(budget.total_income)],
            kind="total",
        )
    )
    return doc.Table(
        [doc.Column.text("Structure"), doc.Column.amount("Charges"), doc.Column.amount("Produits")],
        rows,
        caption="Part de chaque structure (pour information, contributions en nature comprises)",
        show_caption=True,
    )


def cofinancing_table(budget: Budget) -> doc.Table:
    rows = [
        doc.Row([line.funder, french.euros(line.amount), french.percent(line.share, 1)])
        for line in budget.cofinancing
    ] or [doc.Row(["Aucune subvention demandée", "", ""])]
    return doc.Table(
        [
            doc.Column.text("Financeur"),
            doc.Column.amount("Montant"),
            doc.Column.amount("Part du financement"),
        ],
        rows,
        caption="Plan de cofinancement (subventions, compte 74)",
        show_caption=True,
    )


def budget_blocks(dossier: Dossier) -> list[doc.Block]:
    budget = dossier.budget
    blocks: list[doc.Block] = [cerfa_table(budget)]
    if not budget.balanced and dossier.answer.status is AnswerStatus.DRAFT:
        blocks.append(
            doc.Paragraph(
                "Version de travail : le budget n’est pas encore équilibré (total des "
                f"produits moins total des charges : {french.signed_euros(budget.difference)}).",
                style="note",
            )
        )
    if len(budget.party_order) > 1:
        blocks.append(parties_table(dossier))
    blocks.append(cofinancing_table(budget))
    return blocks


# --- Attestation and attachments -----------------------------------------------------


def attachment_blocks(dossier: Dossier) -> list[doc.Block]:
    blocks: list[doc.Block] = [doc.Heading("Pièces jointes", 1)]
    if not dossier.attachments:
        blocks.append(doc.Paragraph("Aucune pièce jointe."))
        return blocks
    blocks.append(
        doc.Table(
            [doc.Column.text("Pièce"), doc.Column.text("Structure"), doc.Column.text("Fichier")],
            [doc.Row([a.title, a.party, a.filename]) for a in dossier.attachments],
            caption="Pièces jointes au dossier",
        )
    )
    return blocks


def attestation_blocks(dossier: Dossier) -> list[doc.Block]:
    lead = legal_identity(dossier.answer.lead_centre)
    title = dossier.answer.title
    partners = french.list_of([c.name for c in dossier.partners])
    on_behalf = f", agissant au nom des structures partenaires ({partners})" if partners else ""
    return [
        doc.PageBreak(),
        doc.Heading("Attestation du représentant légal du chef de file", 1),
        doc.Paragraph(
            "Je soussigné(e), ………………………………………………, représentant(e) légal(e) de la "
            f"structure chef de file du projet « {title} »{on_behalf} :"
        ),
        doc.Paragraph("\n".join(lead.lines()), style="quote"),
        doc.ListBlock(
            [
                "certifie que la structure est régulièrement déclarée et à jour de ses "
                "obligations administratives, comptables, sociales et fiscales "
                "(déclarations et paiements correspondants) ;",
                "certifie exactes et sincères les informations du présent dossier, "
                "notamment le budget prévisionnel et les demandes de subventions déposées "
                "auprès d’autres financeurs publics ;",
                "certifie que les structures partenaires ont pris connaissance du présent "
                "dossier et en approuvent le contenu ;",
                "demande une subvention de ……………………… € ;",
                "précise que cette subvention, si elle est accordée, sera versée au compte "
                "bancaire de la structure chef de file.",
            ]
        ),
        doc.SignatureBlock(
            [
                doc.Signer(
                    "Le représentant légal du chef de file",
                    lead.name,
                    ("Nom, prénom et qualité", "Fait à", "Le", "Signature"),
                )
            ]
        ),
        doc.Paragraph(
            "Toute fausse déclaration est passible de peines d’emprisonnement et d’amendes "
            "prévues par les articles 441-6 et 441-7 du Code pénal.",
            style="small",
        ),
    ]


# --- The document --------------------------------------------------------------------


def dossier_document(dossier: Dossier) -> doc.Document:
    """The dossier in the document model: one text for the three formats."""
    with _in_french():
        answer = dossier.answer
        blocks: list[doc.Block] = []
        number = 0
        # Only a partner is credited: a section still assigned to a centre that never
        # accepted (or left) names nobody the cover does not list.
        partners = {p.id for p in active_parties(answer)}
        for number, section in enumerate(dossier.sections, start=1):
            blocks.append(doc.Heading(f"{number}. {section.title}", 1))
            if section.owner_party_id in partners:
                owner = dossier.party_names.get(section.owner_party_id, "")
                blocks.append(doc.Paragraph(f"Rédigée par {owner}", style="note"))
            content = doc.from_html(section.body)
            blocks += content or [doc.Paragraph("Rubrique non renseignée.", style="note")]
            if section.code == "budget":
                blocks += budget_blocks(dossier)
        if not any(s.code == "budget" for s in dossier.sections):
            blocks.append(doc.Heading(f"{number + 1}. Budget du projet", 1))
            blocks += budget_blocks(dossier)
        # The last page, to sign and send: the attestation, then the attachments it covers.
        blocks += attestation_blocks(dossier)
        blocks += attachment_blocks(dossier)
        when = answer.submitted_at or clock.now()
        return doc.Document(
            title=answer.title,
            cover=_cover(dossier),
            blocks=blocks,
            author=dossier.lead,
            subject=f"Réponse commune à l’appel à projets « {answer.terms.title} »",
            header=f"{answer.title} — réponse commune",
            footer=f"{dossier.lead}, chef de file · {french.long_date(when)}",
        )


def dossier_pdf(dossier: Dossier) -> bytes:
    return doc.render(dossier_document(dossier), "pdf")


def dossier_docx(dossier: Dossier) -> bytes:
    return doc.render(dossier_document(dossier), "docx")


def dossier_odt(dossier: Dossier) -> bytes:
    return doc.render(dossier_document(dossier), "odt")


# --- The dossier's version and its cached files ----------------------------------------

FORMATS = ("pdf", "docx", "odt")

# Every row the document is made of, whole (to_jsonb of the row: a column added later is
# in it too), read under the reader's policies in one statement: the answer, its
# agreement (the title), the call, the parties with their centres and employers (names,
# legal identity), the sections (text, owner, order), the budget lines and the
# attachments (all but their content). Whatever a mutation changes in one of them
# changes the version; tests/aap/test_document_cache.py walks every operation.
_ROWS = text(
    """
    SELECT md5(concat_ws(' | ',
      (SELECT to_jsonb(a)::text FROM aap_answers a WHERE a.id = :answer),
      (SELECT to_jsonb(g)::text FROM agreements g WHERE g.id = :agreement),
      (SELECT to_jsonb(c)::text FROM aap_calls c WHERE c.id = :call),
      (SELECT string_agg(concat_ws(' ', to_jsonb(p)::text, to_jsonb(ce)::text,
                                   to_jsonb(e)::text), ' ; ' ORDER BY p.id)
         FROM agreement_parties p
         LEFT JOIN centres ce ON ce.id = p.centre_id
         LEFT JOIN employers e ON e.id = ce.employer_id
        WHERE p.agreement_id = :agreement),
      (SELECT string_agg(to_jsonb(s)::text, ' ; ' ORDER BY s.id)
         FROM aap_sections s WHERE s.agreement_id = :agreement),
      (SELECT string_agg(to_jsonb(l)::text, ' ; ' ORDER BY l.id)
         FROM aap_budget_lines l WHERE l.agreement_id = :agreement),
      (SELECT string_agg(concat_ws(' ', t.id, t.party_id, t.centre_id, t.kind, t.filename,
                                   t.content_type, t.size_bytes, t.created_at),
                         ' ; ' ORDER BY t.id)
         FROM aap_attachments t WHERE t.agreement_id = :agreement)
    ))
    """
)


@functools.cache
def _code_fingerprint() -> str:
    """The capability's code and the French catalogue: what turns the rows into a document
    (labels of funders and accounts, the layout of the dossier)."""
    from pathlib import Path

    digest = hashlib.sha256()
    package = Path(__file__).parent
    files = sorted(package.rglob("*.py"))
    files += sorted((package.parent / "translations").glob("fr/LC_MESSAGES/*.mo"))
    for path in files:
        digest.update(str(path.relative_to(package.parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dossier_version(session: Session, answer: AapAnswer) -> str:
    """The version of the answer's dossier: changes with every row the document shows,
    with the day while it is a draft (« Version de travail du … », the footer's date) and
    with the code that writes it. Names the answer, so two answers never share a file."""
    # A submitted answer reads its call as submitted (in its own row), not the call.
    call_id = answer.call_id if answer.call_as_submitted is None else None
    rows = session.execute(
        _ROWS, {"answer": answer.id, "agreement": answer.agreement_id, "call": call_id}
    ).scalar_one()
    day = clock.today().isoformat() if answer.submitted_at is None else "submitted"
    return f"aap-answer-{answer.id}-{rows}-{day}-{_code_fingerprint()}"


def dossier_file(session: Session, answer: AapAnswer, fmt: str) -> bytes:
    """The dossier as "pdf", "docx" or "odt": the file kept for its current version
    (pre-rendered after the last change by `tasks.prerender_dossier`), else rendered now."""
    return dossier_files(session, answer, (fmt,))[fmt]


def dossier_files(session: Session, answer: AapAnswer, formats=FORMATS) -> dict[str, bytes]:
    """`dossier_file` for several formats, building the document at most once. The file
    is kept under the version read before building only if the version is the same after
    (see the kernel's cache.py)."""
    version = dossier_version(session, answer)
    built: list[doc.Document] = []
    checked: list[bool] = []

    def build() -> doc.Document:
        if not built:
            built.append(dossier_document(dossier_of(answer, budget_of(session, answer))))
        return built[0]

    def still_current() -> bool:
        if not checked:
            checked.append(dossier_version(session, answer) == version)
        return checked[0]

    return {fmt: doc.render_version(version, fmt, build, still_current) for fmt in formats}
