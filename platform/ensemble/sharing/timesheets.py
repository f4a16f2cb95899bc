"""Where the hours a shared person works come from.

The shared-posts capability compares agreed, scheduled and worked time per
party. Manual entries are one source; the shared calendar is another. Each
source registers a reader here, so shared posts read every source without
importing the capabilities that provide them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ensemble.sharing.agreed_hours import AgreedShare

# reader(session, user_id, start, end) -> {centre_id: hours} for [start, end)
HoursReader = Callable[[Session, int, date, date], dict[int, Decimal]]

SOURCES: dict[str, HoursReader] = {}


def time_source(name: str) -> Callable[[HoursReader], HoursReader]:
    """Decorator: register `reader` as the source of hours called `name`."""

    def register(reader: HoursReader) -> HoursReader:
        SOURCES[name] = reader
        return reader

    return register


def hours_by_source(
    session: Session, user_id: int, start: date, end: date
) -> dict[str, dict[int, Decimal]]:
    """Hours per centre for one person over [start, end), from every registered source."""
    return {name: reader(session, user_id, start, end) for name, reader in SOURCES.items()}


# provider(session, user_id, start, end) -> the person's agreed shares that cover
# some day of [start, end)
SharesProvider = Callable[[Session, int, date, date], list[AgreedShare]]

SHARE_PROVIDERS: list[SharesProvider] = []


def shares_provider(provider: SharesProvider) -> SharesProvider:
    """Decorator: the shared-posts capability registers how a person's time is split."""
    SHARE_PROVIDERS.append(provider)
    return provider


def agreed_shares(session: Session, user_id: int, start: date, end: date) -> list[AgreedShare]:
    """The shares of a person's time agreed for some day of [start, end), every
    provider's (empty if none); count them with ensemble.sharing.agreed_hours."""
    return [
        share for provider in SHARE_PROVIDERS for share in provider(session, user_id, start, end)
    ]
