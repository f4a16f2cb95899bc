"""One clock for the whole platform: now and today in Europe/Paris.

Every "today" a rule depends on (due dates, campaign years, horizons, reminders)
comes from here, so one fixture (`frozen_clock` in tests/conftest.py) moves the
whole platform to another day. The override is process-wide on purpose: a live
server thread in browser tests must see the same day as the test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

# (frozen instant, real instant when frozen): time keeps flowing from the frozen instant.
_frozen: tuple[datetime, datetime] | None = None


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    real = datetime.now(UTC)
    if _frozen is None:
        return real
    at, since = _frozen
    return at + (real - since)


def now() -> datetime:
    """The current instant, aware, in Europe/Paris."""
    return utcnow().astimezone(PARIS)


def today() -> date:
    """Today's date in Europe/Paris (what a person in a centre calls today)."""
    return now().date()


def paris(value: datetime) -> datetime:
    """An aware instant seen in Europe/Paris (a naive one is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS)


def local_midnight(day: date) -> datetime:
    """The instant a Paris day starts (never ambiguous: clock changes happen at night but
    not at midnight in France)."""
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)


def freeze(at: datetime | date) -> None:
    """Move the platform's clock to `at` (a date means 10:00 that day in Paris)."""
    global _frozen
    if not isinstance(at, datetime):
        at = datetime(at.year, at.month, at.day, 10, tzinfo=PARIS)
    elif at.tzinfo is None:
        at = at.replace(tzinfo=PARIS)
    _frozen = (at.astimezone(UTC), datetime.now(UTC))


def unfreeze() -> None:
    global _frozen
    _frozen = None


@contextlib.contextmanager
def frozen(at: datetime | date) -> Iterator[None]:
    previous = _frozen
    freeze(at)
    try:
        yield
    finally:
        _set(previous)


def _set(value: tuple[datetime, datetime] | None) -> None:
    global _frozen
    _frozen = value


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)
