"""Network figures about cooperation itself (shared posts, hours per centre,
joint answers submitted and won), contributed by the capabilities that own
that data and read by federation reporting.

A provider is called by the consolidation workers with a session on the
read-only reporting role; it returns aggregates only, never a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CooperationFigure:
    code: str  # stable key, e.g. "shared_posts.count"
    label: str  # French label
    unit: str  # "count", "hours", "euros", "fte"
    centre_id: int  # the centre the figure is attributed to
    value: Decimal


# provider(reporting_session, year) -> figures for every centre of the platform
CooperationProvider = Callable[[Session, int], list[CooperationFigure]]

PROVIDERS: dict[str, CooperationProvider] = {}


def cooperation_provider(name: str) -> Callable[[CooperationProvider], CooperationProvider]:
    def register(provider: CooperationProvider) -> CooperationProvider:
        PROVIDERS[name] = provider
        return provider

    return register


# code -> (label of the network total, unit), declared by the capability that
# provides the figure, so that reports name it without knowing that capability.
NETWORK_LABELS: dict[str, tuple[object, str]] = {}
# codes whose figure counts people: each centre counts its own different people
# (persons are not linked across centres), so the network total is the sum of
# per-centre counts, labelled so, and disclosure control protects it as a count
# of people.
PEOPLE_COUNTS: set[str] = set()


def network_label(code: str, label: object, unit: str, *, counts_people: bool = False) -> None:
    NETWORK_LABELS[code] = (label, unit)
    if counts_people:
        PEOPLE_COUNTS.add(code)


def figures_for_year(session: Session, year: int) -> list[CooperationFigure]:
    return [f for provider in PROVIDERS.values() for f in provider(session, year)]
