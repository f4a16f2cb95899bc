"""Budget lines in the associations' chart of accounts, one party's lines each,
changed from the version the form showed (never a silent overwrite), and the
consolidated budget of the active parties."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ensemble.aap import prerender
from ensemble.aap.budget import BudgetLineData, account_kind, consolidate
from ensemble.aap.models import AapAnswer, AapBudgetLine
from ensemble.aap.operations.common import MAX_AMOUNT, AapError, BudgetConflict, _require_open
from ensemble.aap.permissions import active_parties, party_for
from ensemble.db import rowcount, table_of, utcnow
from ensemble.kernel import french
from ensemble.network.models import Centre
from ensemble.sharing.models import AgreementParty, PartyStatus
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext


def _check_line(account: str, label: str, funder: str, amount: Decimal) -> None:
    if account_kind(account) is None:
        raise AapError(
            _l(
                "Compte inconnu : utilisez le plan comptable associatif "
                "(60 à 68, 86 en charges ; 70 à 75, 87 en produits)."
            ),
            "account",
        )
    if not label.strip():
        raise AapError(_l("Indiquez l’intitulé de la ligne."), "label")
    if account.startswith("74") and not funder.strip():
        raise AapError(_l("Une subvention (compte 74) doit nommer son financeur."), "funder")
    if amount < 0:
        raise AapError(_l("Le montant ne peut pas être négatif."), "amount")
    if amount > MAX_AMOUNT:
        raise AapError(
            _l("Montant trop élevé : au plus %(limit)s.", limit=french.euros(MAX_AMOUNT)), "amount"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise AapError(_l("Le montant s’écrit au centime près."), "amount")


def own_party(answer: AapAnswer, ctx: TenantContext, centre: Centre) -> AgreementParty:
    """The active party the person writes budget lines for (the centre in the URL)."""
    party = party_for(answer, centre)
    if party is None or party.status is not PartyStatus.ACTIVE or centre.id not in ctx.centre_ids:
        raise AapError(_l("Votre centre doit avoir accepté l’invitation pour saisir son budget."))
    return party


def add_budget_line(
    session: Session,
    answer: AapAnswer,
    centre: Centre,
    *,
    account: str,
    label: str,
    amount: Decimal,
    funder: str = "",
    user_id: int | None = None,
) -> AapBudgetLine:
    _require_open(answer)
    party = own_party(answer, context.current(), centre)
    account, funder = account.strip(), (funder or "").strip()
    _check_line(account, label, funder, amount)
    line = AapBudgetLine(
        answer_id=answer.id,
        agreement_id=answer.agreement_id,
        party_id=party.id,
        centre_id=centre.id,
        account=account,
        label=label.strip()[:200],
        funder=funder[:200] if account.startswith("74") else "",
        amount=amount,
        version=1,
        updated_by_user_id=user_id,
    )
    session.add(line)
    session.flush()
    return line


def update_budget_line(
    session: Session,
    answer: AapAnswer,
    line_id: int,
    *,
    base_version: int,
    account: str,
    label: str,
    amount: Decimal,
    funder: str = "",
    user_id: int | None = None,
) -> int:
    """Change a line from the version the form showed; a stale version is a
    `BudgetConflict` (never a silent overwrite). Returns the new version."""
    _require_open(answer)
    account, funder = account.strip(), (funder or "").strip()
    _check_line(account, label, funder, amount)
    result = session.execute(
        update(AapBudgetLine)
        .where(
            AapBudgetLine.id == line_id,
            AapBudgetLine.answer_id == answer.id,
            AapBudgetLine.version == base_version,
        )
        .values(
            account=account,
            label=label.strip()[:200],
            funder=funder[:200] if account.startswith("74") else "",
            amount=amount,
            version=base_version + 1,
            updated_by_user_id=user_id,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise BudgetConflict(line_id, base_version, _current_line(session, answer, line_id))
    prerender.mark(session, answer)
    return base_version + 1


def delete_budget_line(
    session: Session, answer: AapAnswer, line_id: int, base_version: int
) -> None:
    _require_open(answer)
    result = session.execute(
        table_of(AapBudgetLine)
        .delete()
        .where(
            AapBudgetLine.id == line_id,
            AapBudgetLine.answer_id == answer.id,
            AapBudgetLine.version == base_version,
        )
    )
    if rowcount(result) != 1:
        raise BudgetConflict(line_id, base_version, _current_line(session, answer, line_id))
    prerender.mark(session, answer)


def _current_line(session: Session, answer: AapAnswer, line_id: int) -> AapBudgetLine | None:
    line = session.get(AapBudgetLine, line_id, populate_existing=True)
    return line if line is not None and line.answer_id == answer.id else None


def budget_lines(session: Session, answer: AapAnswer) -> list[AapBudgetLine]:
    return list(
        session.scalars(
            select(AapBudgetLine)
            .where(AapBudgetLine.answer_id == answer.id)
            .order_by(AapBudgetLine.account, AapBudgetLine.id)
        )
    )


def budget_of(session: Session, answer: AapAnswer):
    """The consolidated budget of the active parties' lines."""
    parties = {p.id: p for p in active_parties(answer)}
    order = [p.id for p in sorted(parties.values(), key=lambda p: (not p.is_owner, p.id))]
    lines = [
        BudgetLineData(line.party_id, line.account, line.label, line.funder, line.amount)
        for line in budget_lines(session, answer)
        if line.party_id in parties
    ]
    return consolidate(lines, order)
