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

from ensemble.aap.models import AapAnswer, AapCall, AapCallLead, Funder
from ensemble.aap.operations.common import MAX_AMOUNT, AapError
from ensemble.network.models import Centre


def create_call(
    session: Session, centre: Centre, *, created_by: int | None = None, **details: Any
) -> AapCall:
    """Publish a call to the network of `centre` (its federation); `details` are
    those of `call_details`."""
    call = AapCall(
        federation_id=centre.federation_id,
        centre_id=centre.id,
        created_by_user_id=created_by,
        **call_details(**details),
    )
    session.add(call)
    session.flush()
    return call


def update_call(session: Session, call: AapCall, **details: Any) -> AapCall:
    """Correct a call its centre published (a moved deadline, a new link…).
    The answers already started follow it: they read the call, not a copy."""
    for name, value in call_details(**details).items():
        setattr(call, name, value)
    session.flush()
    return call


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
