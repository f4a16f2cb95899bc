"""Pre-rendering a dossier after each change, so that its next download is served from
the document cache instead of laid out while the person waits (a seven-party dossier
is a few seconds of WeasyPrint).

Any flush that writes a row of a dossier — a section, a budget line, a party, an
attachment, the answer itself, or the call it answers — marks its answer, and so does
each operation writing with a conditional UPDATE or DELETE (which the session does not
track: saving a section, changing or deleting a budget line) through `mark`; once the
transaction commits, `tasks.prerender_dossier(answer_id, lead_centre_id)` is queued for
each marked answer. It is deduplicated per answer: a Redis flag says one is already
queued, and the task clears it before reading the dossier, so a change committed while
it renders queues one more and the last state is always rendered. A burst of saves is
one or two renders, never one per save.

The pre-render is only an optimisation: a download always computes the dossier's
version (`exports.dossier_version`, from the rows themselves) and renders on the spot
when nothing is kept under it, so a lost message, a broker down or a change this hook
does not see (a centre renamed in the network; a call edited by a centre that cannot
read the answers of other leads to it) can only make a download slower, never stale.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ensemble import redis_store
from ensemble.aap.models import (
    AapAnswer,
    AapAttachment,
    AapBudgetLine,
    AapCall,
    AapSection,
    AapSectionVersion,
)
from ensemble.celery_app import send_task
from ensemble.sharing.models import Agreement, AgreementParty

TASK = "ensemble.aap.prerender_dossier"
FLAG_SECONDS = 600  # a flag whose message was lost stops blocking after this
_AGREEMENTS = "aap.prerender.agreements"
_CALLS = "aap.prerender.calls"
_ANSWERS = "aap.prerender.answers"
log = logging.getLogger(__name__)

# The rows of a dossier, found by their agreement.
_BY_AGREEMENT = (
    AapAnswer,
    AapSection,
    AapSectionVersion,
    AapBudgetLine,
    AapAttachment,
    AgreementParty,
)


def mark(session: Session, answer: AapAnswer) -> None:
    """Pre-render `answer` once the transaction commits (for writes the session does not
    track)."""
    session.info.setdefault(_ANSWERS, set()).add((answer.id, answer.lead_centre_id))


def pending(session: Session) -> set[int]:
    """The answers marked so far in this transaction (the tests look)."""
    return {answer_id for answer_id, _lead in session.info.get(_ANSWERS, set())}


def flag_key(answer_id: int) -> str:
    return redis_store.key("aap", "prerender", answer_id)


def _after_flush(session: Session, flush_context) -> None:  # noqa: ARG001
    agreements: set[int] = session.info.setdefault(_AGREEMENTS, set())
    calls: set[int] = session.info.setdefault(_CALLS, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Agreement):
            if obj.id is not None:
                agreements.add(obj.id)
        elif isinstance(obj, _BY_AGREEMENT):
            if obj.agreement_id is not None:
                agreements.add(obj.agreement_id)
        elif isinstance(obj, AapCall) and obj.id is not None:
            calls.add(obj.id)


def _after_flush_postexec(session: Session, flush_context) -> None:  # noqa: ARG001
    """The answers marked, with their leads, read while the transaction (and its
    tenant context) is still there."""
    agreements = session.info.pop(_AGREEMENTS, set())
    calls = session.info.pop(_CALLS, set())
    if not agreements and not calls:
        return
    query = select(AapAnswer.id, AapAnswer.lead_centre_id).where(
        AapAnswer.agreement_id.in_(agreements) | AapAnswer.call_id.in_(calls)
    )
    found = session.connection().execute(query).all()
    session.info.setdefault(_ANSWERS, set()).update((row.id, row.lead_centre_id) for row in found)


def _after_commit(session: Session) -> None:
    answers = session.info.pop(_ANSWERS, None)
    if (
        not answers
        or not has_app_context()
        or current_app.config.get("DOCUMENT_CACHE_SECONDS") == 0
    ):
        return
    try:
        client = redis_store.current()
        for answer_id, lead_centre_id in sorted(answers):
            if client.set(flag_key(answer_id), "1", nx=True, ex=FLAG_SECONDS):
                send_task(TASK, answer_id, lead_centre_id)
    except Exception:  # noqa: BLE001 - the change is committed; downloads render on the spot
        log.exception("pré-rendu des dossiers non demandé")


def _after_rollback(session: Session, previous_transaction=None) -> None:  # noqa: ARG001
    for name in (_AGREEMENTS, _CALLS, _ANSWERS):
        session.info.pop(name, None)


def install() -> None:
    """Listen on every session (the requests', the tasks', the tests')."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


install()
