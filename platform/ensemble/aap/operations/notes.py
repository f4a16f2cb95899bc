"""A centre's private notes on an answer (the other parties never read them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.aap.models import AapAnswer, AapNote
from ensemble.db import utcnow
from ensemble.network.models import Centre


def note_of(session: Session, answer: AapAnswer, centre: Centre) -> AapNote | None:
    return session.scalar(
        select(AapNote).where(AapNote.answer_id == answer.id, AapNote.centre_id == centre.id)
    )


def save_note(session: Session, answer: AapAnswer, centre: Centre, body: str) -> AapNote:
    note = note_of(session, answer, centre)
    if note is None:
        note = AapNote(answer_id=answer.id, agreement_id=answer.agreement_id, centre_id=centre.id)
        session.add(note)
    note.body = (body or "").strip()[:20000]
    note.updated_at = utcnow()
    session.flush()
    return note
