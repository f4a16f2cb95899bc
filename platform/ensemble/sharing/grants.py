"""What a grant's financial report (compte rendu financier, Cerfa nº 15059*02)
reads from the other capabilities, without importing them.

The joint answers own the report. What it says about the actions carried out
and what they really cost comes from elsewhere:

- **the actions a granted answer funds**, their sessions held, the public
  reached and the volunteers' hours: the activity capability registers a
  `FundedActionsReader`;
- **the real cost of a shared post's hour**, from the post's issued cost
  statements: the shared-posts capability registers a `PostCostReader`.

Both readers run in the context of the centre whose part is being filled
(its own actions, the posts it is a party to): row-level security decides
what they see, and the report keeps only the aggregates they return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class FundedAction:
    """One action of a centre funded by a joint answer, over a period: what the
    Cerfa's « actions réalisées » part says of it."""

    action_id: int
    name: str
    public: str
    sessions_held: int  # sessions whose attendance was recorded
    participations: int
    people: int  # different registered people ticked present
    volunteers: int  # volunteers present, summed over the sessions
    volunteer_hours: Decimal
    post_agreement_id: int | None  # the shared post whose holder runs it
    # Hours of the sessions held, per month (first day), when a post's holder runs it.
    post_hours: dict[date, Decimal] = field(default_factory=dict)


# reader(session, agreement_id, centre_id, start, end) -> the centre's actions funded by
# the agreement, with their sessions held in [start, end]
FundedActionsReader = Callable[[Session, int, int, date, date], list[FundedAction]]


@dataclass(frozen=True)
class PostMonthCost:
    """A shared post's real cost for one month, from its latest issued statement,
    and the hours a full month of the post counts (to value an hour)."""

    title: str
    real_cost: Decimal
    monthly_hours: Decimal
    carried_by_centre: bool  # the centre's employer carries (employs) the post


# reader(session, post_agreement_id, centre_id, month) -> the month's cost, or None when
# no statement was issued for it (or the centre may not read it)
PostCostReader = Callable[[Session, int, int, date], PostMonthCost | None]

_ACTIONS: list[FundedActionsReader] = []
_POST_COSTS: list[PostCostReader] = []


def funded_actions_reader(reader: FundedActionsReader) -> FundedActionsReader:
    """Decorator: the activity capability registers how funded actions are read."""
    _ACTIONS[:] = [reader]
    return reader


def post_cost_reader(reader: PostCostReader) -> PostCostReader:
    """Decorator: the shared-posts capability registers how a month's cost is read."""
    _POST_COSTS[:] = [reader]
    return reader


def funded_actions(
    session: Session, agreement_id: int, centre_id: int, start: date, end: date
) -> list[FundedAction]:
    """The centre's actions funded by the agreement (empty without the activity capability)."""
    return _ACTIONS[0](session, agreement_id, centre_id, start, end) if _ACTIONS else []


def post_month_cost(
    session: Session, post_agreement_id: int, centre_id: int, month: date
) -> PostMonthCost | None:
    """The post's real cost for `month` (None without the shared-posts capability)."""
    if not _POST_COSTS:
        return None
    return _POST_COSTS[0](session, post_agreement_id, centre_id, month)
