"""Documents produced from a post, written in the kernel's document model: the mise à
disposition agreement (DOCX, PDF and ODT from one text) and the monthly cost statement (PDF,
built to serve as an invoice's annex; CSV for spreadsheets, unchanged).

They are exchanged between French employers and their accountants, so they are written in
French whatever the reader's interface language, with French number formats (decimal
comma, euros after the amount, from `kernel.french`).

Both are built from what the reader can see of the post: the holder's account may be
hidden from a party's staff by row-level security, and is then never dereferenced (the
agreement leaves the name to be filled in).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ensemble.kernel import clock, french
from ensemble.kernel import documents as doc
from ensemble.kernel.documents.identity import LegalIdentity
from ensemble.network.identity import legal_identity
from ensemble.posts import costing
from ensemble.posts.models import Arrangement, PostAllocation, SharedPost, ShareUnit
from ensemble.posts.operations import StatementFigures, allocations_with_parties, carrier_of
from ensemble.sharing.models import AgreementParty

ARRANGEMENT_LABELS = {
    Arrangement.SHARED_TIME: "Temps partagé multi-employeurs",
    Arrangement.SECONDMENT: "Mise à disposition",
    Arrangement.EMPLOYERS_GROUP: "Groupement d’employeurs",
}
HOLDER_TO_FILL = "[nom de la personne mise à disposition]"


def long_date(day: date | None) -> str:
    return french.long_date(day) if day else "date non fixée"


def month_label(month: date) -> str:
    return french.month_label(month)


def share_label(allocation: PostAllocation) -> str:
    value = french.compact_number(allocation.share)
    if allocation.unit is ShareUnit.PERCENT:
        return f"{value}{french.NNBSP}% du temps de travail"
    return f"{value}{french.NBSP}heures par semaine"


def party_identity(party: AgreementParty | None, fallback: str = "") -> LegalIdentity:
    """A party's legal identity (its employer's for a centre); its bare name when the
    party's row cannot be read."""
    if party is None:
        return LegalIdentity(fallback)
    tenant = party.centre or party.employer
    return legal_identity(tenant) if tenant is not None else LegalIdentity(fallback)


def _identity_paragraph(identity: LegalIdentity, role: str) -> doc.Paragraph:
    name, address, siret = identity.lines()
    return doc.Paragraph(
        [doc.Run(name, bold=True), f"\n{address}\n{siret}\n", doc.Run(role, italic=True)]
    )


# --- The agreement (DOCX, PDF, ODT) ---------------------------------------------------


@dataclass(frozen=True)
class AgreementData:
    post: SharedPost
    carrier: LegalIdentity
    holder_name: str | None  # None: the reader may not see the holder's account
    allocations: list[PostAllocation]

    @property
    def carrier_name(self) -> str:
        return self.carrier.name


def _paragraphs(text: str, missing: str) -> list[doc.Block]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return [doc.Paragraph(line) for line in lines] or [doc.Paragraph(missing, style="note")]


def agreement_document(data: AgreementData) -> doc.Document:
    """The written agreement between employers that a mise à disposition requires (Code du
    travail, articles L8241-1 and L8241-2), filled from the post."""
    post = data.post
    hosts = [a for a in data.allocations if not a.party.is_owner]
    host_parties = list({a.party.id: a.party for a in hosts}.values())
    host_identities = sorted(
        (party_identity(p, p.label) for p in host_parties), key=lambda i: i.lines()[0]
    )
    holder = data.holder_name or HOLDER_TO_FILL
    blocks: list[doc.Block] = [
        doc.Paragraph(
            "Prêt de main-d’œuvre à but non lucratif (articles L8241-1 et L8241-2 du Code du "
            "travail)",
            style="lead",
        ),
        doc.Heading("Entre les soussignés", 1),
        _identity_paragraph(data.carrier, "employeur porteur du poste, ci-après « l’employeur »"),
    ]
    blocks += [
        _identity_paragraph(identity, "structure d’accueil") for identity in host_identities
    ] or [doc.Paragraph("[structures d’accueil à compléter]", style="note")]
    blocks += [
        doc.Heading("Article 1 — Objet", 1),
        doc.Paragraph(
            f"L’employeur met {holder}, qui occupe le poste « {post.title} », à la disposition "
            "des structures d’accueil, dans les conditions ci-dessous."
        ),
        doc.Heading("Article 2 — Durée", 1),
        doc.Paragraph(
            f"La mise à disposition court du {long_date(post.starts_on)} au "
            f"{long_date(post.ends_on)}."
        ),
        doc.Heading("Article 3 — Missions", 1),
        *_paragraphs(post.tasks, "[missions à compléter]"),
        doc.Heading("Article 4 — Durée du travail et répartition", 1),
        doc.Paragraph(
            "La durée du travail du salarié est de "
            f"{french.compact_number(post.weekly_hours)}{french.NBSP}heures par semaine, "
            "répartie ainsi :",
            keep_with_next=True,
        ),
        doc.Table(
            [
                doc.Column.text("Structure"),
                doc.Column.text("Lieu de travail"),
                doc.Column("Part", nowrap=False),
                doc.Column.text("Période"),
            ],
            [
                doc.Row(
                    [
                        a.party.label,
                        a.site_centre.name,
                        share_label(a),
                        f"du {long_date(a.starts_on)} au {long_date(a.ends_on)}",
                    ]
                )
                for a in data.allocations
            ]
            or [doc.Row(["[répartition à compléter]", "", "", ""])],
            caption="Répartition du temps de travail entre les structures",
        ),
        doc.Heading("Article 5 — Coût refacturé", 1),
        doc.Paragraph(
            "Chaque structure d’accueil rembourse à l’employeur, chaque mois, sa part du coût "
            "réel du poste : salaire brut, charges sociales patronales et frais professionnels "
            "(déplacements entre les sites), diminués des aides à l’emploi perçues. La "
            "refacturation se fait à l’euro près, sans aucune marge, sur la base d’un état "
            "mensuel de refacturation transmis à chaque structure."
        ),
        doc.Heading("Article 6 — Assurance", 1),
        *_paragraphs(post.insurance, "[assurance à compléter]"),
        doc.Heading("Article 7 — Situation du salarié", 1),
        doc.Paragraph(
            "Le salarié reste lié à l’employeur par son contrat de travail ; un avenant à ce "
            "contrat précise les conditions de la mise à disposition, qui ne peut intervenir "
            "qu’avec son accord écrit. Il conserve sa rémunération et ses droits."
        ),
        doc.Heading("Signatures", 1),
        doc.SignatureBlock(
            [doc.Signer("Pour l’employeur", data.carrier.name)]
            + [doc.Signer("Pour la structure d’accueil", i.name) for i in host_identities]
        ),
    ]
    return doc.Document(
        title="Convention de mise à disposition de personnel",
        blocks=blocks,
        author=data.carrier.name,
        subject=f"Mise à disposition — {post.title}",
        header=f"Convention de mise à disposition — {post.title}",
        footer=data.carrier.name,
    )


def agreement_data(session: Session, post: SharedPost) -> AgreementData:
    """What the reader can see of the post; the holder's account only when visible."""
    holder = post.holder  # None when row-level security hides the account from the reader
    return AgreementData(
        post=post,
        carrier=legal_identity(carrier_of(post)),
        holder_name=holder.full_name if holder is not None else None,
        allocations=allocations_with_parties(session, post),
    )


def agreement_for(session: Session, post: SharedPost, fmt: str = "docx") -> bytes:
    """The agreement of `post` as "docx", "pdf" or "odt"."""
    return doc.render(agreement_document(agreement_data(session, post)), fmt)


def agreement_docx(data: AgreementData) -> bytes:
    return doc.render(agreement_document(data), "docx")


# --- The cost statement (PDF, CSV) ------------------------------------------------------


@dataclass(frozen=True)
class StatementDocument:
    post_title: str
    carrier_name: str
    figures: StatementFigures
    post_id: int = 0
    carrier: LegalIdentity | None = None
    # Party id -> legal identity, for every line of the statement.
    identities: dict[int, LegalIdentity] = field(default_factory=dict)

    @property
    def title(self) -> str:
        statement = self.figures.statement
        return (
            f"État de refacturation — {month_label(statement.month)} — version {statement.version}"
        )

    @property
    def reference(self) -> str:
        """« ER-00012-2026-03-V2 »: post, month and version, unique per statement."""
        statement = self.figures.statement
        return f"ER-{self.post_id:05d}-{statement.month:%Y-%m}-V{statement.version}"


def statement_document(
    session: Session, post: SharedPost, figures: StatementFigures
) -> StatementDocument:
    carrier = carrier_of(post)
    identities = {
        line.party_id: party_identity(session.get(AgreementParty, line.party_id), line.party_name)
        for line in figures.lines
    }
    return StatementDocument(
        post.title, carrier.name, figures, post.id, legal_identity(carrier), identities
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


def statement_model(document: StatementDocument) -> doc.Document:
    """The statement as the annex of an invoice: both parties' legal identity, a reference,
    the period, the figures, the rounding rule and a signature block."""
    figures = document.figures
    statement, cost = figures.statement, figures.cost
    first, last = costing.month_bounds(statement.month)
    carrier = document.carrier or LegalIdentity(document.carrier_name)

    def identity(line) -> LegalIdentity:
        return document.identities.get(line.party_id) or LegalIdentity(line.party_name)

    issued = french.long_date(clock.paris(statement.issued_at))
    facts = [
        f"Référence : {document.reference}",
        f"Période : du {french.long_date(first)} au {french.long_date(last)}",
        f"Poste : {document.post_title}",
        f"Émis le {issued}"
        + (f", corrige la version {statement.version - 1}" if statement.supersedes_id else ""),
    ]
    blocks: list[doc.Block] = [doc.Paragraph("\n".join(facts), style="lead")]
    if statement.correction_note:
        blocks.append(doc.Paragraph(f"Motif de la correction : {statement.correction_note}"))
    parties = [doc.Row(["Employeur porteur (émetteur)", _identity_cell(carrier)])]
    parties += [
        doc.Row(["Structure refacturée", _identity_cell(identity(line))])
        for line in figures.host_lines
    ]
    blocks += [
        doc.Heading("Parties", 1),
        doc.Table(
            [doc.Column.text("Partie"), doc.Column.text("Dénomination, adresse, SIRET")],
            parties,
            caption="Identité des parties",
        ),
        doc.Heading("Coût réel du poste", 1),
        doc.Table(
            [doc.Column.text("Composante"), doc.Column.amount("Montant")],
            [
                doc.Row(["Salaire brut", french.euros(cost.gross_salary)]),
                doc.Row(["Charges sociales patronales", french.euros(cost.employer_charges)]),
                doc.Row(
                    [
                        "Frais professionnels (déplacements entre sites)",
                        french.euros(cost.travel_expenses),
                    ]
                ),
                doc.Row(
                    ["Aides à l’emploi perçues (déduites)", french.euros(-cost.employment_aid)]
                ),
                doc.Row(["Coût réel", french.euros(cost.real_cost)], kind="total"),
            ],
            caption="Composantes du coût réel",
        ),
        doc.Heading("Répartition", 1),
        doc.Table(
            [
                doc.Column.text("Structure"),
                doc.Column.amount("Part du mois"),
                doc.Column.amount("Montant"),
            ],
            [
                doc.Row(
                    [
                        f"Refacturé à {line.party_name}",
                        french.percent(line.share, 2, ratio=True),
                        french.euros(line.amount),
                    ]
                )
                for line in figures.host_lines
            ]
            + [
                doc.Row(["Total refacturé", "", french.euros(figures.reinvoiced)], kind="total"),
                doc.Row(
                    [
                        f"Reste à la charge de {figures.carrier_line.party_name} (porteur)",
                        french.percent(figures.carrier_line.share, 2, ratio=True),
                        french.euros(figures.carrier_line.amount),
                    ]
                ),
                doc.Row(
                    [
                        "Total refacturé + reste = coût réel (marge : 0,00 €)",
                        "",
                        french.euros(figures.total),
                    ],
                    kind="total",
                ),
            ],
            caption=(
                "Montant refacturé à chaque structure d’accueil et reste à la charge du porteur"
            ),
        ),
        doc.Heading("Base de répartition", 2),
        doc.Paragraph(cost.basis),
        doc.Heading("Règle d’arrondi", 2),
        doc.Paragraph(cost.rounding_rule),
        doc.Paragraph(
            "Refacturation au coût réel, sans marge : prêt de main-d’œuvre à but non lucratif "
            "(article L8241-1 du Code du travail). Cet état est l’annexe de la facture de la "
            f"période ; il en porte la référence {document.reference}.",
            style="small",
        ),
        doc.SignatureBlock(
            [
                doc.Signer(
                    "Pour l’employeur porteur", carrier.name, ("Nom et qualité", "Le", "Signature")
                )
            ]
            + [
                doc.Signer(
                    "Vu pour la structure refacturée",
                    identity(line).name,
                    ("Nom et qualité", "Le", "Signature"),
                )
                for line in figures.host_lines
            ]
        ),  # fmt: skip
    ]
    return doc.Document(
        title=document.title,
        blocks=blocks,
        author=carrier.name,
        subject=f"État de refacturation {document.reference}",
        header=f"{document.title} — {document.reference}",
        footer=f"{carrier.name} · {carrier.siret_line}",
    )


def _identity_cell(identity: LegalIdentity) -> doc.Cell:
    name, address, siret = identity.lines()
    return doc.Cell([doc.Run(name, bold=True), f"\n{address}\n{siret}"])


def statement_pdf(document: StatementDocument) -> bytes:
    return doc.render(statement_model(document), "pdf")
