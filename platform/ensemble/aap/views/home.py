"""What the joint answers put on a centre's home page (ensemble.home.panels): the
sections the centre still has to write in answers being prepared, the person's
own first."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from ensemble.aap.models import AapAnswer, AapSection, AnswerStatus, SectionStatus
from ensemble.extensions import db
from ensemble.home.panels import HomePlace, home_panel
from ensemble.sharing.models import AgreementParty

SHOWN = 8
TO_WRITE = (SectionStatus.TO_WRITE, SectionStatus.IN_PROGRESS)


@home_panel(
    "centre",
    "aap.sections",
    "aap/_home_sections.html",
    order=25,
    # Sections are audited in the log of the centre that acts; one assigned by the
    # lead also notifies its writer (the notifications version).
    versions=lambda place: [f"centre-activity:{place.tenant_id}"],
)
def sections_to_write(place: HomePlace) -> dict | None:
    assert place.tenant_id is not None
    mine = AapSection.writer_user_id == place.user_id
    is_director = place.tenant_id in place.context.director_centre_ids
    ours = AgreementParty.centre_id == place.tenant_id
    sections = list(
        db.session.scalars(
            select(AapSection)
            .join(AgreementParty, AgreementParty.id == AapSection.owner_party_id)
            .join(AapAnswer, AapAnswer.id == AapSection.answer_id)
            .options(
                joinedload(AapSection.answer).joinedload(AapAnswer.agreement),
                joinedload(AapSection.answer).joinedload(AapAnswer.call),
            )
            .where(
                AapAnswer.status == AnswerStatus.DRAFT,
                AapSection.status.in_(TO_WRITE),
                (ours | mine) if is_director else (ours & mine),
            )
            .order_by(case((mine, 0), else_=1), AapAnswer.id, AapSection.position)
            .limit(SHOWN + 1)
        )
    )
    if not sections:
        return None
    return {
        "sections": sections[:SHOWN],
        "more": len(sections) > SHOWN,
        "me": place.user_id,
        "to_write": SectionStatus.TO_WRITE,
    }


@home_panel(
    "centre",
    "aap.financial_reports",
    "aap/_home_reports.html",
    order=26,
    # A report started, filled or signed is audited in the log of the centre that acts.
    versions=lambda place: [f"centre-activity:{place.tenant_id}"],
)
def financial_reports_due(place: HomePlace) -> dict | None:
    """Granted answers whose financial report is not signed yet, for the centre's
    directors, with the day it is due (six months after the financial year)."""
    from ensemble.aap import operations as aap

    assert place.tenant_id is not None
    if place.tenant_id not in place.context.director_centre_ids:
        return None
    due = aap.reports_due(db.session, place.tenant_id)
    return {"reports": due} if due else None
