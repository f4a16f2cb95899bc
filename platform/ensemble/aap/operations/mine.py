"""« Mes rubriques »: the sections a person is assigned to write, across the
answers still being written, soonest deadline first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ensemble.aap.models import AapAnswer, AapCall, AapSection, AnswerStatus
from ensemble.kernel import clock
from ensemble.network.models import Centre
from ensemble.sharing.models import AgreementParty


@dataclass(frozen=True)
class MySection:
    section: AapSection
    answer: AapAnswer
    centre: Centre  # the owner party's centre: the section's pages are under it
    days_left: int


def my_sections(session: Session, user_id: int) -> list[MySection]:
    """The sections `user_id` writes, in the open answers the policies let them see."""
    sections = session.scalars(
        select(AapSection)
        .join(AapAnswer, AapAnswer.id == AapSection.answer_id)
        .join(AapCall, AapCall.id == AapAnswer.call_id)
        .where(AapSection.writer_user_id == user_id, AapAnswer.status == AnswerStatus.DRAFT)
        .options(
            selectinload(AapSection.answer).selectinload(AapAnswer.call),
            selectinload(AapSection.answer).selectinload(AapAnswer.agreement),
            selectinload(AapSection.owner_party).selectinload(AgreementParty.centre),
        )
        .order_by(AapCall.deadline, AapSection.answer_id, AapSection.position)
    ).all()
    today = clock.today()
    return [
        MySection(s, s.answer, s.owner_party.centre, (s.answer.terms.deadline - today).days)
        for s in sections
        if s.owner_party.centre is not None
    ]
