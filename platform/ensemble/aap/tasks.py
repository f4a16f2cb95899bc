"""Deadline reminders for joint answers, sent by Celery beat every morning, as
one digest per person and day; and the pre-rendering of a dossier after each change
(`prerender_dossier`, queued by `ensemble.aap.prerender`).

On the day a granted answer's financial report (not signed yet) reaches 60, 30
or 7 days before it is due (six months after the financial year), the parties'
directors are reminded of it.

On the day an answer still in draft reaches 14, 7 or 2 days before its call's
deadline, every party's directors are reminded of it, and each section not yet
approved is signalled to its writer (or, without one, to its owner party's
directors). Everything one person is reminded of that day is one notification
(one e-mail, or a line of their daily e-mail digest if they chose it) linking to
« Mes rubriques »; its dedup key (person, day) makes a second run the same day
send nothing. A day the task does not run is not caught up: the next threshold
reminds again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from celery import shared_task
from celery.schedules import crontab
from celery.signals import worker_process_init
from sqlalchemy import select

from ensemble import redis_store
from ensemble.aap import exports, prerender
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AapCall, AnswerStatus, SectionStatus, report_deadline
from ensemble.celery_app import periodic, without_overlap
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.network.models import Centre
from ensemble.notifications.operations import notify
from ensemble.tenancy import context

REMINDER_DAYS = (14, 7, 2)
# The financial report of a granted answer: reminded 60, 30 and 7 days before it is due.
REPORT_REMINDER_DAYS = (60, 30, 7)


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


def _granted_answers(session, day: date) -> list[tuple[int, int, int]]:
    """(answer id, lead centre id, its federation) of every granted answer, read as
    the lead (the report's deadline is computed per answer)."""
    with context.using(context.system_context(is_admin=True), session):
        centres = session.execute(select(Centre.id, Centre.federation_id)).all()
    ctx = context.system_context(
        centre_ids=[c.id for c in centres], federation_ids={c.federation_id for c in centres}
    )
    with context.using(ctx, session):
        return [
            (row.id, row.lead_centre_id, row.federation_id)
            for row in session.execute(
                select(AapAnswer.id, AapAnswer.lead_centre_id, AapCall.federation_id)
                .join(AapCall, AapCall.id == AapAnswer.call_id)
                .where(AapAnswer.status == AnswerStatus.GRANTED)
                .order_by(AapAnswer.id)
            )
        ]


def report_crossed(days_left: int) -> int | None:
    """The financial report's threshold reached today (60, 30 or 7 days left), once."""

    def due(days: int) -> int | None:
        hits = [t for t in REPORT_REMINDER_DAYS if 0 <= days <= t]
        return min(hits) if hits else None

    threshold = due(days_left)
    return threshold if threshold is not None and due(days_left + 1) != threshold else None


def crossed(days_left: int) -> int | None:
    """The threshold reached today (14, 7 or 2 days left), or None: each threshold
    is reminded on the day it is reached, once."""
    threshold = threshold_for(days_left)
    return (
        threshold if threshold is not None and threshold_for(days_left + 1) != threshold else None
    )


@dataclass
class _Digest:
    email: str
    centre: Centre
    lines: list[str] = field(default_factory=list)


def send_reminders(session, day: date) -> int:
    """One digest per person and day, listing every answer and section that reached
    a threshold today, linking to « Mes rubriques ». Returns the digests sent."""
    digests: dict[int, _Digest] = {}

    def add(user_id: int, email: str, centre: Centre, line: str) -> None:
        digests.setdefault(user_id, _Digest(email, centre)).lines.append(line)

    for answer_id, lead_centre_id, federation_id in _open_answers(session, day):
        lead = context.system_context(centre_ids=[lead_centre_id], federation_ids=[federation_id])
        with context.using(lead, session):
            answer = aap.load_answer(session, answer_id)
            deadline = answer.terms.deadline
            days_left = (deadline - day).days
            if crossed(days_left) is None:
                continue
            parties = aap.active_parties(answer)
            pending = [s for s in answer.sections if s.status is not SectionStatus.APPROVED]
            # Stored text: a task has no reader's language; French is the source.
            line = (
                f"Réponse « {answer.title} » : date limite le {deadline:%d/%m/%Y}, "
                f"dans {days_left} jour{'s' if days_left > 1 else ''}."
                + (f" Rubriques pas encore approuvées : {len(pending)}." if pending else "")
            )
            people = aap.people_of(session, [p.centre_id for p in parties], directors_only=True)
            for user_id, email, centre in people:
                add(user_id, email, centre, line)
            for section in pending:
                for user_id, email, centre in _section_people(session, section):
                    add(
                        user_id,
                        email,
                        centre,
                        f"Rubrique « {section.title} » de la réponse « {answer.title} » : "
                        f"à terminer avant le {deadline:%d/%m/%Y}.",
                    )
    for answer_id, lead_centre_id, federation_id in _granted_answers(session, day):
        lead = context.system_context(centre_ids=[lead_centre_id], federation_ids=[federation_id])
        with context.using(lead, session):
            answer = aap.load_answer(session, answer_id)
            report = aap.report_of(session, answer)
            if report is not None and report.is_signed:
                continue
            end = report.period_end if report is not None else aap.default_period(answer)[1]
            deadline = report_deadline(end)
            days_left = (deadline - day).days
            if report_crossed(days_left) is None:
                continue
            line = (
                f"Réponse « {answer.title} » : compte rendu financier à remettre au financeur "
                f"avant le {deadline:%d/%m/%Y}, dans {days_left} jour{'s' if days_left > 1 else ''}."  # noqa: E501
            )
            parties = aap.active_parties(answer)
            people = aap.people_of(session, [p.centre_id for p in parties], directors_only=True)
            for user_id, email, centre in people:
                add(user_id, email, centre, line)
    sent = 0
    for user_id, digest in digests.items():
        # Written for the person's centre, as the reminders it replaces were.
        centre = digest.centre
        ctx = context.system_context(centre_ids=[centre.id], federation_ids=[centre.federation_id])
        with context.using(ctx, session):
            sent += notify(
                session,
                [(user_id, digest.email)],
                f"Réponses communes : vos rappels du {day:%d/%m/%Y}",
                body="\n".join(dict.fromkeys(digest.lines)),
                link=aap.mine_link(centre),
                centre_id=centre.id,
                dedup_key=f"aap-digest:{day:%Y-%m-%d}",
            )
    return sent


def _section_people(session, section) -> list[tuple[int, str, Centre]]:
    """A section's writer, or without one its owner party's directors."""
    centre = section.owner_party.centre
    return [
        p
        for p in aap.people_of(session, [centre.id], directors_only=False)
        if p[0] == section.writer_user_id
    ] or aap.people_of(session, [centre.id], directors_only=True)


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


@shared_task(name=prerender.TASK)
def prerender_dossier(answer_id: int, lead_centre_id: int) -> list[str]:
    """Render the dossier's three formats into the document cache, as its lead reads
    it; the formats rendered now (those already kept for this version are skipped by
    the cache). Clears the answer's flag first (see ensemble.aap.prerender)."""
    redis_store.current().delete(prerender.flag_key(answer_id))
    session = db.session
    with context.using(context.system_context(is_admin=True), session):
        lead = session.get(Centre, lead_centre_id)
        federation_id = lead.federation_id if lead is not None else None
    if federation_id is None:
        return []
    ctx = context.system_context(centre_ids=[lead_centre_id], federation_ids=[federation_id])
    with context.using(ctx, session):
        answer = aap.load_answer(session, answer_id)
        if answer is None:  # removed since, or no longer this centre's
            return []
        version = exports.dossier_version(session, answer)
        missing = [
            fmt for fmt in exports.FORMATS if not exports.doc.is_cached_version(version, fmt)
        ]
        exports.dossier_files(session, answer, missing)
        return missing


@worker_process_init.connect
def _warm_documents(**_kwargs) -> None:
    """Each worker process loads the document engine when it starts (about 0.4 s of the
    first PDF), not during the first pre-render after a save."""
    try:
        exports.doc.warm_up()
    except Exception:  # noqa: BLE001 - a worker that cannot warm up still renders later
        logging.getLogger(__name__).exception("moteur de documents non préchauffé")
