"""Attachments of a joint answer: each party joins its own documents (statutes,
RIB, accounts, CVs, letters of support) while the answer is open; every member
reads them; what each party still owes is said before submitting."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.aap.models import (
    ATTACHMENT_LABELS,
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    REQUIRED_ATTACHMENTS,
    AapAnswer,
    AapAttachment,
    AttachmentKind,
)
from ensemble.aap.operations.budget import own_party
from ensemble.aap.operations.common import AapError, _require_open
from ensemble.aap.permissions import active_parties
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre
from ensemble.tenancy import context


def clean_filename(name: str) -> str:
    """The name as shown and downloaded: no path, no control character, 200 at most."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip()
    if len(base) > 200:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 199 - len(extension)] + dot + extension) if dot else base[:200]
    return base or "piece-jointe"


def add_attachment(
    session: Session,
    answer: AapAnswer,
    centre: Centre,
    *,
    kind: str,
    filename: str,
    content: bytes,
    user_id: int,
) -> AapAttachment:
    """Join a document of `centre`'s party (its type was checked by the form's
    FileField; the extension gives the content type stored)."""
    _require_open(answer)
    party = own_party(answer, context.current(), centre)
    try:
        chosen = AttachmentKind(kind)
    except ValueError:
        raise AapError(_l("Choisissez le type de pièce dans la liste."), "kind") from None
    name = clean_filename(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = ATTACHMENT_TYPES.get(extension)
    if content_type is None:
        raise AapError(_l("Type de fichier non accepté : PDF, image, DOCX ou ODT."), "file")
    if not 0 < len(content) <= MAX_ATTACHMENT_BYTES:
        raise AapError(_l("Fichier vide ou trop lourd (5 Mo au plus)."), "file")
    attachment = AapAttachment(
        answer_id=answer.id,
        agreement_id=answer.agreement_id,
        party_id=party.id,
        centre_id=centre.id,
        kind=chosen.value,
        filename=name,
        content_type=content_type,
        size_bytes=len(content),
        content=content,
        uploaded_by_user_id=user_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def attachments(session: Session, answer: AapAnswer) -> list[AapAttachment]:
    """The active parties' attachments, lead first, then by kind and date."""
    parties = {p.id: p for p in active_parties(answer)}
    rows = session.scalars(
        select(AapAttachment)
        .where(AapAttachment.answer_id == answer.id)
        .order_by(AapAttachment.created_at, AapAttachment.id)
    ).all()
    order = {kind.value: index for index, kind in enumerate(AttachmentKind)}
    return sorted(
        (a for a in rows if a.party_id in parties),
        key=lambda a: (not parties[a.party_id].is_owner, a.party_id, order[a.kind]),
    )


def attachment_of(session: Session, answer: AapAnswer, attachment_id: int) -> AapAttachment | None:
    """One attachment of the answer from an active party, or None."""
    return next((a for a in attachments(session, answer) if a.id == attachment_id), None)


def delete_attachment(
    session: Session, answer: AapAnswer, centre: Centre, attachment_id: int
) -> AapAttachment:
    """Remove one of `centre`'s own attachments while the answer is open."""
    _require_open(answer)
    party = own_party(answer, context.current(), centre)
    attachment = attachment_of(session, answer, attachment_id)
    if attachment is None or attachment.party_id != party.id:
        raise Refusal(_l("Cette pièce n’est pas à votre centre."))
    session.delete(attachment)
    session.flush()
    return attachment


@dataclass(frozen=True)
class MissingAttachment:
    centre: str
    kind: str  # its label


def missing_attachments(session: Session, answer: AapAnswer) -> list[MissingAttachment]:
    """The required kinds (statutes, RIB) each active party has not joined yet."""
    have = {(a.party_id, a.kind) for a in attachments(session, answer)}
    parties = sorted(active_parties(answer), key=lambda p: (not p.is_owner, p.id))
    return [
        MissingAttachment(p.centre.name, str(ATTACHMENT_LABELS[kind]))
        for p in parties
        if p.centre is not None
        for kind in REQUIRED_ATTACHMENTS
        if (p.id, kind.value) not in have
    ]
