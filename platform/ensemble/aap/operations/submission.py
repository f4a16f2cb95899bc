"""Submitting an answer to the funder (once its budget balances) and recording the outcome."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ensemble.aap.models import AapAnswer, AnswerStatus
from ensemble.aap.operations.budget import budget_of
from ensemble.aap.operations.common import MAX_AMOUNT, AapError, _require_lead, _require_open
from ensemble.aap.operations.people import _notify_directors
from ensemble.aap.permissions import active_parties
from ensemble.db import utcnow


def submit(session: Session, answer: AapAnswer, user_id: int) -> None:
    """The lead submits: refused while the budget is empty or unbalanced; the
    dossier is frozen afterwards (policies refuse every write to it)."""
    _require_lead(answer)
    _require_open(answer)
    budget = budget_of(session, answer)
    if not budget.lines:
        raise AapError(_l("Le budget est vide : chaque centre saisit ses lignes avant le dépôt."))
    if not budget.balanced:
        raise AapError(
            _l(
                "Le budget n’est pas équilibré : les charges et les produits diffèrent de "
                "%(difference)s €.",
                difference=f"{budget.difference:,.2f}".replace(",", "\u202f").replace(".", ","),
            )
        )
    answer.status = AnswerStatus.SUBMITTED
    answer.submitted_at = utcnow()
    answer.submitted_by_user_id = user_id
    answer.submitted_centre_ids = sorted(
        p.centre_id for p in active_parties(answer) if p.centre_id is not None
    )
    session.flush()
    _notify_directors(
        session,
        [p.centre for p in active_parties(answer) if not p.is_owner and p.centre is not None],
        f"Réponse déposée : « {answer.title} »",
        body=f"{answer.lead_centre.name} a déposé la réponse commune auprès du financeur.",
        answer=answer,
    )


def record_outcome(
    session: Session, answer: AapAnswer, *, granted: bool, amount: Decimal | None, on: date
) -> None:
    _require_lead(answer)
    if answer.status is AnswerStatus.DRAFT:
        raise AapError(_l("La réponse n’a pas encore été déposée."))
    if granted and (amount is None or not Decimal("0.01") <= amount <= MAX_AMOUNT):
        raise AapError(_l("Indiquez le montant accordé."), "amount")
    answer.status = AnswerStatus.GRANTED if granted else AnswerStatus.REFUSED
    answer.granted_amount = amount if granted else None
    answer.outcome_on = on
    session.flush()
