"""Calls for projects: published to a centre's network, corrected or withdrawn by
the centre that published them, listed with the centres already leading an answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ensemble.aap.models import AapAnswer, AapCall, AapCallLead, AnswerStatus, CallTerms, Funder
from ensemble.aap.operations.common import MAX_AMOUNT, AapError
from ensemble.aap.operations.people import _notify_directors
from ensemble.kernel import clock, french
from ensemble.network.models import Centre
from ensemble.tenancy import context


def create_call(
    session: Session, centre: Centre, *, created_by: int | None = None, **details: Any
) -> AapCall:
    """Publish a call to the network of `centre` (its federation); `details` are
    those of `call_details`. A call whose deadline has passed is refused: nobody
    could answer it."""
    checked = call_details(**details)
    _require_future_deadline(details["deadline"])
    call = AapCall(
        federation_id=centre.federation_id,
        centre_id=centre.id,
        created_by_user_id=created_by,
        **checked,
    )
    session.add(call)
    session.flush()
    return call


# What a lead is told of when the call it answers changes.
_WATCHED = {
    "title": "intitulé",
    "funder": "financeur",
    "deadline": "date limite",
    "envelope": "enveloppe",
    "link": "lien",
    "theme": "thème",
    "eligibility": "éligibilité",
}


def update_call(session: Session, call: AapCall, **details: Any) -> AapCall:
    """Correct a call its centre published (a moved deadline, a new link…).

    The answers being written follow it (they read the call) and their leads are
    told what changed; a submitted answer keeps the call as it was at submission
    (`AapAnswer.call_as_submitted`), so no correction rewrites a dossier the funder
    holds. A deadline may not be moved into the past (one already past may stay)."""
    checked = call_details(**details)
    if details["deadline"] != call.deadline:
        _require_future_deadline(details["deadline"])
    before = CallTerms.of(call)
    for name, value in checked.items():
        setattr(call, name, value)
    session.flush()
    after = CallTerms.of(call)
    changed = [
        label for name, label in _WATCHED.items() if getattr(before, name) != getattr(after, name)
    ]
    if changed:
        _tell_leads(session, call, before, changed)
    return call


def _require_future_deadline(deadline: date) -> None:
    today = clock.today()
    if deadline < today:
        raise AapError(
            _l(
                "La date limite est passée : indiquez une date à partir d’aujourd’hui "
                "(le %(day)s).",
                day=french.short_date(today),
            ),
            "deadline",
        )


def _tell_leads(session: Session, call: AapCall, before: CallTerms, changed: list[str]) -> int:
    """Notify the directors of the centres leading an answer still being written.
    Trusted code: the publisher cannot read the other centres' answers, so the
    answers are read as their lead centres would (the leads are public to the
    network: `AapCallLead`)."""
    lead_ids = list(
        session.scalars(select(AapCallLead.centre_id).where(AapCallLead.call_id == call.id))
    )
    if not lead_ids:
        return 0
    with context.using(context.system_context(centre_ids=lead_ids), session):
        answers = list(
            session.scalars(
                select(AapAnswer)
                .where(AapAnswer.call_id == call.id, AapAnswer.status == AnswerStatus.DRAFT)
                .options(selectinload(AapAnswer.lead_centre), selectinload(AapAnswer.agreement))
                .order_by(AapAnswer.id)
            )
        )
    deadline = f" ; date limite : le {french.short_date(call.deadline)}"
    sent = 0
    for answer in answers:
        sent += _notify_directors(
            session,
            [answer.lead_centre],
            f"Appel à projets modifié : « {before.title} »",
            body=(
                f"Le centre qui l’a publié a modifié : {', '.join(changed)}{deadline}. "
                f"Vérifiez votre réponse « {answer.title} »."
            ),
            answer=answer,
        )
    return sent


def withdraw_call(session: Session, call: AapCall) -> None:
    """Remove a call published by mistake; once centres answer it, it stays."""
    answered = session.scalar(select(func.count()).where(AapAnswer.call_id == call.id))
    if answered:
        raise AapError(
            _l("Des centres y répondent déjà : l’appel ne peut plus être retiré, modifiez-le.")
        )
    session.delete(call)
    session.flush()


def call_details(
    *,
    funder: Funder,
    title: str,
    deadline: date,
    link: str = "",
    theme: str = "",
    envelope: Decimal | None = None,
    eligibility: str = "",
) -> dict[str, object]:
    """The columns of a call, checked and trimmed."""
    link = (link or "").strip()
    if link and not re.match(r"^https?://", link):
        raise AapError(_l("Le lien doit commencer par http:// ou https://."), "link")
    if envelope is not None and not Decimal(0) <= envelope <= MAX_AMOUNT:
        raise AapError(_l("L’enveloppe doit être un montant positif."), "envelope")
    return {
        "funder": funder,
        "title": title.strip(),
        "link": link,
        "theme": (theme or "").strip(),
        "deadline": deadline,
        "envelope": envelope,
        "eligibility": (eligibility or "").strip(),
    }


@dataclass(frozen=True)
class CallListing:
    call: AapCall
    leads: list[Centre]


def network_calls(session: Session, centre: Centre, today: date) -> list[CallListing]:
    """The open calls of the centre's network, soonest deadline first, each with the
    centres already positioned as lead (titles, deadlines and leads only)."""
    calls = list(
        session.scalars(
            select(AapCall)
            .where(AapCall.federation_id == centre.federation_id, AapCall.deadline >= today)
            .order_by(AapCall.deadline, AapCall.id)
        )
    )
    leads: dict[int, list[Centre]] = {}
    if calls:
        for lead in session.scalars(
            select(AapCallLead)
            .where(AapCallLead.call_id.in_([c.id for c in calls]))
            .options(selectinload(AapCallLead.centre))
            .order_by(AapCallLead.id)
        ):
            leads.setdefault(lead.call_id, []).append(lead.centre)
    return [CallListing(c, leads.get(c.id, [])) for c in calls]
