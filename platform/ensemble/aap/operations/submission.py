"""Submitting an answer to the funder (once its budget balances) and recording the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ensemble.aap.budget import Budget
from ensemble.aap.models import AapAnswer, AapSection, AnswerStatus, CallTerms, SectionStatus
from ensemble.aap.operations.budget import budget_of
from ensemble.aap.operations.common import MAX_AMOUNT, AapError, _require_lead, _require_open
from ensemble.aap.operations.people import _notify_directors
from ensemble.aap.permissions import active_parties
from ensemble.aap.richtext import text_lines
from ensemble.audit import operations as audit
from ensemble.audit.models import AuditAction
from ensemble.db import utcnow
from ensemble.kernel import clock, french
from ensemble.kernel.text import clean
from ensemble.tenancy import context


@dataclass(frozen=True)
class Readiness:
    """What is not finished in a dossier, for the confirmation page before submitting."""

    unapproved: list[AapSection]
    empty: list[AapSection]
    over_limit: list[AapSection]
    budget: Budget
    # Sections still assigned to a centre that has not accepted its invitation.
    not_partner: list[AapSection]
    # The call's deadline when it has passed (some funders accept a late file).
    late_since: date | None

    @property
    def budget_ready(self) -> bool:
        return bool(self.budget.lines) and self.budget.balanced


def readiness(session: Session, answer: AapAnswer) -> Readiness:
    sections = sorted(answer.sections, key=lambda s: (s.position, s.id))
    partners = {p.id for p in active_parties(answer)}
    deadline = answer.terms.deadline
    return Readiness(
        unapproved=[s for s in sections if s.status is not SectionStatus.APPROVED],
        empty=[s for s in sections if not text_lines(s.body)],
        over_limit=[s for s in sections if s.over_limit],
        budget=budget_of(session, answer),
        not_partner=[s for s in sections if s.owner_party_id not in partners],
        late_since=deadline if deadline < clock.today() else None,
    )


def submit(
    session: Session,
    answer: AapAnswer,
    user_id: int,
    *,
    despite_unapproved: bool = False,
    despite_late: bool = False,
) -> None:
    """The lead submits: refused while the budget is empty or unbalanced, while
    sections are unapproved unless the lead chose to submit despite them, and after
    the call's deadline unless the lead chose to submit late (some funders accept a
    late file: the platform says it, the lead decides); the
    dossier is frozen afterwards (policies refuse every write to it)."""
    _require_lead(answer)
    _require_open(answer)
    ready = readiness(session, answer)
    if ready.unapproved and not despite_unapproved:
        raise AapError(
            _l(
                "%(num)d rubriques ne sont pas approuvées : confirmez le dépôt malgré elles.",
                num=len(ready.unapproved),
            )
        )
    if ready.late_since is not None and not despite_late:
        raise AapError(
            _l(
                "La date limite de dépôt est passée (le %(day)s) : confirmez le dépôt en retard.",
                day=french.short_date(ready.late_since),
            )
        )
    budget = ready.budget
    if not budget.lines:
        raise AapError(_l("Le budget est vide : chaque centre saisit ses lignes avant le dépôt."))
    if not budget.balanced:
        raise AapError(
            _l(
                "Le budget n’est pas équilibré : %(charges)s de charges pour %(income)s de "
                "produits (écart de %(difference)s).",
                charges=french.euros(budget.total_charges),
                income=french.euros(budget.total_income),
                difference=french.signed_euros(budget.difference),
            )
        )
    answer.status = AnswerStatus.SUBMITTED
    answer.submitted_at = utcnow()
    answer.submitted_by_user_id = user_id
    # The dossier names the call as it is now, whatever its publisher corrects later.
    answer.call_as_submitted = CallTerms.of(answer.call).as_json()
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
    """The funder's decision, recorded once on a submitted answer: changing it
    afterwards is a correction (`correct_outcome`), with its reason in the log."""
    _require_lead(answer)
    if answer.status is AnswerStatus.DRAFT:
        raise AapError(_l("La réponse n’a pas encore été déposée."))
    if answer.status is not AnswerStatus.SUBMITTED:
        raise AapError(
            _l("La décision du financeur est déjà enregistrée : corrigez-la en donnant la raison.")
        )
    _set_outcome(answer, granted=granted, amount=amount, on=on)
    session.flush()


def correct_outcome(
    session: Session,
    answer: AapAnswer,
    *,
    granted: bool,
    amount: Decimal | None,
    on: date,
    reason: str,
) -> None:
    """Correct a recorded decision (a typing error, a decision revised by the funder):
    a new entry of the answer's log says what it was, what it becomes and why."""
    _require_lead(answer)
    if answer.status not in (AnswerStatus.GRANTED, AnswerStatus.REFUSED):
        raise AapError(_l("Aucune décision n’est encore enregistrée : il n’y a rien à corriger."))
    reason = clean(reason or "").strip()
    if not reason:
        raise AapError(_l("Indiquez la raison de la correction."), "reason")
    before = _outcome_details(answer)
    _set_outcome(answer, granted=granted, amount=amount, on=on)
    session.flush()
    audit.record(
        session,
        AuditAction.UPDATE,
        AapAnswer.__tablename__,
        answer.id,
        details={
            "correction": reason[:500],
            "before": before,
            "after": _outcome_details(answer),
        },
        **answer.audit_tenant(context.current()),
    )


def _outcome_details(answer: AapAnswer) -> dict[str, str | None]:
    return {
        "status": answer.status.value,
        "granted_amount": (
            None if answer.granted_amount is None else f"{answer.granted_amount:.2f}"
        ),
        "outcome_on": None if answer.outcome_on is None else answer.outcome_on.isoformat(),
    }


def _set_outcome(answer: AapAnswer, *, granted: bool, amount: Decimal | None, on: date) -> None:
    """The decision's bounds, the same for a first decision and a correction:

    - dated between the submission and today (Europe/Paris): a funder cannot decide on
      a dossier it has not received, nor on a day still to come;
    - a grant has an amount, more than 0 (a grant of 0 € is a refusal) and at most the
      call's envelope when the call states one (no funder grants more than it
      announced); it is not bounded by the budget's subsidy lines, which name their
      funder in free text (« Département du Nord ») so the amount asked of this call's
      funder cannot be told apart, and a funder may grant on a revised budget;
    - a refusal has no amount (an amount typed with « Refusée » is a mistake to correct,
      not a figure to drop silently).
    """
    if granted:
        if amount is None or amount > MAX_AMOUNT:
            raise AapError(_l("Indiquez le montant accordé."), "amount")
        if amount <= 0:
            raise AapError(
                _l("Un montant accordé de 0 € est un refus : choisissez « Refusée »."), "amount"
            )
        envelope = answer.terms.envelope
        if envelope is not None and amount > envelope:
            raise AapError(
                _l(
                    "Le montant accordé dépasse l’enveloppe de l’appel à projets (%(envelope)s).",
                    envelope=french.euros(envelope),
                ),
                "amount",
            )
    elif amount:
        raise AapError(
            _l("Une décision de refus n’a pas de montant accordé : videz ce champ."), "amount"
        )
    assert answer.submitted_at is not None  # a decided answer was submitted
    submitted_on = clock.paris(answer.submitted_at).date()
    if on < submitted_on:
        raise AapError(
            _l(
                "La décision ne peut pas précéder le dépôt de la réponse (le %(day)s).",
                day=french.short_date(submitted_on),
            ),
            "decided_on",
        )
    today = clock.today()
    if on > today:
        raise AapError(
            _l(
                "La date de la décision ne peut pas être postérieure à aujourd’hui (le %(day)s).",
                day=french.short_date(today),
            ),
            "decided_on",
        )
    answer.status = AnswerStatus.GRANTED if granted else AnswerStatus.REFUSED
    answer.granted_amount = amount if granted else None
    answer.outcome_on = on
