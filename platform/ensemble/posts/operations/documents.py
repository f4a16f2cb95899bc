"""The legal documents of a mise à disposition, and the checklist of what the law
asks for and is still missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.kernel import clock, french
from ensemble.posts.models import (
    DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    DocumentKind,
    PostAllocation,
    PostCost,
    PostDocument,
    SharedPost,
)
from ensemble.posts.operations.common import PostError
from ensemble.posts.operations.reading import visible_parties

_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
_EXTENSIONS = {extension: content_type for content_type, extension in DOCUMENT_TYPES.items()}
_EXTENSIONS[".jpeg"] = "image/jpeg"


def add_document(
    session: Session,
    post: SharedPost,
    *,
    kind: DocumentKind,
    signed_on: date,
    filename: str,
    data: bytes,
    uploaded_by: int | None = None,
) -> PostDocument:
    """Keep a signed document (PDF, DOCX, ODT, JPEG or PNG, at most 5 Mo)."""
    if not data:
        raise PostError(_l("Le fichier est vide."), "file")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise PostError(_l("Le fichier dépasse 5 Mo."), "file")
    name = (filename or "document").replace("\\", "/").rsplit("/", 1)[-1].strip()[
        :200
    ] or "document"
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = _EXTENSIONS.get(extension)
    if content_type is None or not data.startswith(_SIGNATURES[content_type]):
        raise PostError(
            _l("Formats acceptés : PDF, DOCX, ODT, JPEG ou PNG (le contenu doit correspondre)."),
            "file",
        )
    if signed_on > clock.today() + timedelta(days=1):
        raise PostError(_l("La date de signature ne peut pas être dans le futur."), "signed_on")
    document = PostDocument(
        post_id=post.id,
        agreement_id=post.agreement_id,
        kind=kind,
        signed_on=signed_on,
        filename=name,
        content_type=content_type,
        size_bytes=len(data),
        content=data,
        uploaded_by_user_id=uploaded_by,
    )
    session.add(document)
    session.flush()
    return document


def documents_of(session: Session, post: SharedPost) -> list[PostDocument]:
    """The post's documents (their files stay unloaded until downloaded)."""
    return list(
        session.scalars(
            select(PostDocument)
            .where(PostDocument.post_id == post.id)
            .order_by(PostDocument.kind, PostDocument.signed_on.desc(), PostDocument.id)
        )
    )


@dataclass(frozen=True)
class ChecklistItem:
    label: object
    done: bool | None  # None: not visible to this person
    detail: str = ""


def secondment_checklist(
    session: Session,
    post: SharedPost,
    documents: list[PostDocument],
    allocations: list[PostAllocation],
    *,
    show_costs: bool,
) -> list[ChecklistItem]:
    """What the law asks of a mise à disposition (Code du travail, L8241-2), and
    what is still missing."""
    by_kind = {kind: [d for d in documents if d.kind is kind] for kind in DocumentKind}
    host_parties = [p for p in visible_parties(post) if not p.is_owner]
    hosts_with_share = {a.party_id for a in allocations}
    has_cost = None
    if show_costs:
        costs = session.scalar(select(func.count(PostCost.id)).where(PostCost.post_id == post.id))
        has_cost = bool(costs)

    def signed(kind: DocumentKind) -> tuple[bool, str]:
        docs = by_kind[kind]
        if not docs:
            return False, ""
        return True, str(_l("signé le %(day)s", day=french.long_date(docs[0].signed_on)))

    agreement_done, agreement_detail = signed(DocumentKind.AGREEMENT)
    amendment_done, amendment_detail = signed(DocumentKind.AMENDMENT)
    consent_done, consent_detail = signed(DocumentKind.CONSENT)
    return [
        ChecklistItem(
            _l("Convention de mise à disposition signée entre les employeurs"),
            agreement_done,
            agreement_detail,
        ),
        ChecklistItem(
            _l("Période de la mise à disposition (début et fin)"),
            post.ends_on is not None,
        ),
        ChecklistItem(_l("Missions confiées"), bool(post.tasks)),
        ChecklistItem(
            _l("Durée du travail et part de chaque structure d’accueil"),
            bool(host_parties) and all(p.id in hosts_with_share for p in host_parties),
        ),
        ChecklistItem(_l("Coût refacturé (saisie des coûts réels)"), has_cost),
        ChecklistItem(_l("Assurance"), bool(post.insurance)),
        ChecklistItem(
            _l("Avenant au contrat de travail du salarié"), amendment_done, amendment_detail
        ),
        ChecklistItem(_l("Accord écrit du salarié"), consent_done, consent_detail),
    ]
