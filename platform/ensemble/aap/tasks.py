"""Deadline reminders for joint answers, sent by Celery beat every morning.

At 14, 7 and 2 days before a call's deadline, every party's directors of each
answer still in draft are reminded, and each section not yet approved is
signalled to its writer (or, without one, to its owner party's directors).
Every reminder has its own key (answer or section, deadline, threshold), kept
by the notification's dedup key: a second run the same day — or a later run
before the next threshold — sends nothing again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AapCall, AnswerStatus, SectionStatus
from ensemble.celery_app import periodic, without_overlap
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.network.models import Centre
from ensemble.notifications.operations import notify
from ensemble.tenancy import context

REMINDER_DAYS = (14, 7, 2)


def threshold_for(days_left: int) -> int | None:
    """The reminder due with `days_left` days to go: the nearest threshold at or
    above it (so a day the task did not run is caught up), or None."""
    due = [t for t in REMINDER_DAYS if 0 <= days_left <= t]
    return min(due) if due else None


def _open_answers(session, day: date) -> list[tuple[int, int, int]]:
    """(answer id, lead centre id, its federation) of every draft answer whose
    deadline is near."""
    with context.using(context.system_context(is_admin=True), session):
        centres = session.execute(select(Centre.id, Centre.federation_id)).all()
    # Acting for every centre (as the lead): the agreements' policies let it through.
    ctx = context.system_context(
        centre_ids=[c.id for c in centres], federation_ids={c.federation_id for c in centres}
    )
    with context.using(ctx, session):
        return [
            (row.id, row.lead_centre_id, row.federation_id)
            for row in session.execute(
                select(AapAnswer.id, AapAnswer.lead_centre_id, AapCall.federation_id)
                .join(AapCall, AapCall.id == AapAnswer.call_id)
                .where(
                    AapAnswer.status == AnswerStatus.DRAFT,
                    AapCall.deadline >= day,
                    AapCall.deadline <= day + timedelta(days=max(REMINDER_DAYS)),
                )
                .order_by(AapAnswer.id)
            )
        ]


def send_reminders(session, day: date) -> int:
    sent = 0
    for answer_id, lead_centre_id, federation_id in _open_answers(session, day):
        lead = context.system_context(centre_ids=[lead_centre_id], federation_ids=[federation_id])
        with context.using(lead, session):
            answer = aap.load_answer(session, answer_id)
            deadline = answer.call.deadline
            days_left = (deadline - day).days
            threshold = threshold_for(days_left)
            if threshold is None:
                continue
            parties = aap.active_parties(answer)
            pending = [s for s in answer.sections if s.status is not SectionStatus.APPROVED]
            key = f"aap:{answer.id}:{deadline:%Y-%m-%d}:j-{threshold}"
            # Stored text: a task has no reader's language; French is the source.
            title = f"Réponse « {answer.title} » : date limite le {deadline:%d/%m/%Y}"
            body = f"Il reste {days_left} jour{'s' if days_left > 1 else ''}." + (
                f" Rubriques pas encore approuvées : {len(pending)}." if pending else ""
            )
            people = aap.people_of(session, [p.centre_id for p in parties], directors_only=True)
            for user_id, email, centre in people:
                sent += notify(
                    session,
                    [(user_id, email)],
                    title,
                    body=body,
                    link=aap.answer_link(centre, answer),
                    centre_id=centre.id,
                    dedup_key=key,
                )
            sent += _section_reminders(session, answer, pending, threshold, deadline)
    return sent


def _section_reminders(session, answer, pending, threshold: int, deadline: date) -> int:
    sent = 0
    for section in pending:
        centre = section.owner_party.centre
        people = [
            p
            for p in aap.people_of(session, [centre.id], directors_only=False)
            if p[0] == section.writer_user_id
        ] or aap.people_of(session, [centre.id], directors_only=True)
        for user_id, email, person_centre in people:
            sent += notify(
                session,
                [(user_id, email)],
                f"Rubrique « {section.title} » à terminer avant le {deadline:%d/%m/%Y}",
                body=f"Réponse « {answer.title} » : cette rubrique n’est pas encore approuvée.",
                link=aap.section_link(person_centre, section),
                centre_id=person_centre.id,
                dedup_key=f"aap-section:{section.id}:{deadline:%Y-%m-%d}:j-{threshold}",
            )
    return sent


@shared_task(name="ensemble.aap.send_deadline_reminders")
@without_overlap("aap-deadline-reminders")
def send_deadline_reminders(today: str | None = None) -> int:
    """Remind the parties of approaching deadlines. Idempotent (see module)."""
    day = datetime.strptime(today, "%Y-%m-%d").date() if today else clock.today()
    return send_reminders(db.session, day)


periodic(
    "aap-deadline-reminders",
    crontab(hour="7", minute="30"),
    "ensemble.aap.send_deadline_reminders",
)
