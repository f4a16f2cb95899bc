"""Real costs and the monthly cost statements that re-invoice them to the host
parties, to the cent and without margin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ensemble.db import utcnow
from ensemble.posts import costing
from ensemble.posts.models import (
    PostAllocation,
    PostCost,
    PostStatement,
    PostStatementCost,
    PostStatementLine,
    SharedPost,
)
from ensemble.posts.operations import notices
from ensemble.posts.operations.allocations import allocations_with_parties
from ensemble.posts.operations.common import PostError
from ensemble.posts.operations.reading import visible_parties


def set_cost(
    session: Session,
    post: SharedPost,
    *,
    valid_from: date,
    gross_salary: Decimal,
    employer_charges: Decimal,
    travel_expenses: Decimal,
    employment_aid: Decimal,
    entered_by: int | None = None,
) -> PostCost:
    """The real monthly cost from a month on (replaces that month's figures if any)."""
    values = {
        "gross_salary": gross_salary,
        "employer_charges": employer_charges,
        "travel_expenses": travel_expenses,
        "employment_aid": employment_aid,
    }
    for field, value in values.items():
        if value < 0:
            raise PostError(_l("Indiquez un montant positif ou nul."), field)
        if value != value.quantize(costing.CENT):
            raise PostError(_l("Indiquez un montant au centime près."), field)
    month = valid_from.replace(day=1)
    cost = session.scalar(
        select(PostCost).where(PostCost.post_id == post.id, PostCost.valid_from == month)
    )
    if cost is None:
        cost = PostCost(post_id=post.id, agreement_id=post.agreement_id, valid_from=month)
        session.add(cost)
    for field, value in values.items():
        setattr(cost, field, value)
    cost.entered_by_user_id = entered_by
    session.flush()
    return cost


def costs_of(session: Session, post: SharedPost) -> list[PostCost]:
    """The post's cost figures, latest first (empty for who may not read them)."""
    return list(
        session.scalars(
            select(PostCost).where(PostCost.post_id == post.id).order_by(PostCost.valid_from.desc())
        )
    )


def cost_for_month(session: Session, post: SharedPost, month: date) -> PostCost | None:
    """The figures in force for `month`: the latest entered from that month or before."""
    return session.scalar(
        select(PostCost)
        .where(PostCost.post_id == post.id, PostCost.valid_from <= month.replace(day=1))
        .order_by(PostCost.valid_from.desc())
        .limit(1)
    )


def statements_of(session: Session, post: SharedPost) -> list[PostStatement]:
    """The post's statements, latest month and version first."""
    return list(
        session.scalars(
            select(PostStatement)
            .where(PostStatement.post_id == post.id)
            .options(selectinload(PostStatement.issued_by))
            .order_by(PostStatement.month.desc(), PostStatement.version.desc())
        )
    )


def month_shares(
    post: SharedPost, allocations: list[PostAllocation], month: date
) -> dict[int, Fraction]:
    """Each party's exact share of the month (by agreed shares and days covered)."""
    shares: dict[int, Fraction] = {}
    for allocation in allocations:
        fraction = Fraction(allocation.fraction(post.weekly_hours))
        portion = costing.Portion(fraction, allocation.starts_on, allocation.ends_on)
        shares[allocation.party_id] = shares.get(allocation.party_id, Fraction(0)) + (
            costing.month_share([portion], month)
        )
    return shares


def issue_statement(
    session: Session,
    post: SharedPost,
    month: date,
    *,
    issued_by: int | None = None,
    correction_note: str = "",
) -> PostStatement:
    """Issue the cost statement of `month` (a new version if one exists already).

    Each host party is re-invoiced its share of the real cost (gross salary +
    employer charges + professional expenses − employment aid), with no margin;
    the carrying employer bears the remainder; the lines add up to the real cost
    to the cent (see costing.ROUNDING_RULE)."""
    month = month.replace(day=1)
    cost = cost_for_month(session, post, month)
    if cost is None:
        raise PostError(
            _l("Saisissez d’abord le coût réel du poste pour ce mois (rubrique « Coûts »)."),
            "month",
        )
    if month < post.starts_on.replace(day=1) or (post.ends_on and month > post.ends_on):
        raise PostError(_l("Ce mois est en dehors de la période du poste."), "month")
    previous = session.scalar(
        select(PostStatement)
        .where(PostStatement.post_id == post.id, PostStatement.month == month)
        .order_by(PostStatement.version.desc())
        .limit(1)
    )
    parties = visible_parties(post)
    carrier = next(p for p in parties if p.is_owner)
    hosts = [p for p in parties if not p.is_owner]
    by_party = month_shares(post, allocations_with_parties(session, post), month)
    shares = costing.carrier_and_hosts([by_party.get(p.id, Fraction(0)) for p in hosts])
    real_cost = cost.real_cost
    amounts = costing.split_cost(real_cost, shares)
    lines = [
        (party.id, party.label, _share(share), amount)
        for party, share, amount in zip([carrier, *hosts], shares, amounts, strict=True)
    ]
    if previous is not None and _same_figures(session, previous, cost, lines):
        # A second click (or a replayed form) must not pile up identical versions.
        raise PostError(
            _l(
                "L’état de ce mois est déjà à jour (version %(version)s) : ni le coût ni "
                "les parts n’ont changé depuis.",
                version=previous.version,
            ),
            "month",
        )
    statement = PostStatement(
        post_id=post.id,
        agreement_id=post.agreement_id,
        month=month,
        version=previous.version + 1 if previous else 1,
        issued_at=utcnow(),
        issued_by_user_id=issued_by,
        supersedes_id=previous.id if previous else None,
        correction_note=correction_note.strip(),
    )
    session.add(statement)
    session.flush()

    session.add(
        PostStatementCost(
            statement_id=statement.id,
            agreement_id=post.agreement_id,
            gross_salary=cost.gross_salary,
            employer_charges=cost.employer_charges,
            travel_expenses=cost.travel_expenses,
            employment_aid=cost.employment_aid,
            real_cost=real_cost,
            basis=costing.BASIS,
            rounding_rule=costing.ROUNDING_RULE,
        )
    )
    for position, (party, (_party_id, _name, share, amount)) in enumerate(
        zip([carrier, *hosts], lines, strict=True)
    ):
        session.add(
            PostStatementLine(
                statement_id=statement.id,
                agreement_id=post.agreement_id,
                party_id=party.id,
                party_name=party.label,
                is_carrier=party.is_owner,
                share=share,
                amount=amount,
                position=position,
            )
        )
    session.flush()
    notices.statement_issued(session, post, statement, hosts)
    return statement


def _share(share: Fraction) -> Decimal:
    return (Decimal(share.numerator) / share.denominator).quantize(Decimal("0.000001"))


def _same_figures(
    session: Session,
    previous: PostStatement,
    cost: PostCost,
    lines: list[tuple[int, str, Decimal, Decimal]],
) -> bool:
    """Whether `previous` was computed from the same cost and gives the same lines."""
    figures = statement_figures(session, previous)
    if figures is None:
        return False
    frozen = figures.cost
    same_cost = (
        frozen.gross_salary,
        frozen.employer_charges,
        frozen.travel_expenses,
        frozen.employment_aid,
    ) == (cost.gross_salary, cost.employer_charges, cost.travel_expenses, cost.employment_aid)
    issued = [(line.party_id, line.party_name, line.share, line.amount) for line in figures.lines]
    return same_cost and issued == lines


def ensure_monthly_statement(
    session: Session, post: SharedPost, month: date
) -> PostStatement | None:
    """The statement of `month`, issued once: None if one exists already or no
    cost is known for that month (idempotent, for the monthly task)."""
    month = month.replace(day=1)
    exists = session.scalar(
        select(func.count(PostStatement.id)).where(
            PostStatement.post_id == post.id, PostStatement.month == month
        )
    )
    if exists or cost_for_month(session, post, month) is None:
        return None
    if month < post.starts_on.replace(day=1) or (post.ends_on and month > post.ends_on):
        return None
    return issue_statement(session, post, month)


@dataclass(frozen=True)
class StatementFigures:
    statement: PostStatement
    cost: PostStatementCost
    lines: list[PostStatementLine]

    @property
    def carrier_line(self) -> PostStatementLine:
        return next(line for line in self.lines if line.is_carrier)

    @property
    def host_lines(self) -> list[PostStatementLine]:
        return [line for line in self.lines if not line.is_carrier]

    @property
    def reinvoiced(self) -> Decimal:
        return sum((line.amount for line in self.host_lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def statement_figures(session: Session, statement: PostStatement) -> StatementFigures | None:
    """The amounts of a statement, or None for someone who may not read salary figures."""
    cost = session.get(PostStatementCost, statement.id)
    if cost is None:
        return None
    lines = list(
        session.scalars(
            select(PostStatementLine)
            .where(PostStatementLine.statement_id == statement.id)
            .order_by(PostStatementLine.position)
        )
    )
    return StatementFigures(statement, cost, lines)


def current_version(statements: list[PostStatement], statement: PostStatement) -> bool:
    """Whether no later version of the same month exists among `statements`."""
    return all(
        not (s.month == statement.month and s.version > statement.version) for s in statements
    )
