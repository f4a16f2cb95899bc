"""What the calendar operations share: their settings, refusals, the result of a
booking, and the clock and day boundaries in Europe/Paris."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app, has_app_context

from ensemble.agenda import recurrence
from ensemble.agenda.models import Event
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal

BUSY_ELSEWHERE = "Occupé — autre structure"


@dataclass(frozen=True)
class Settings:
    travel_minutes: int = 20
    share_policy: str = "warn"  # or "refuse"
    horizon_days: int = 731


def settings() -> Settings:
    """The agenda settings of the running app (defaults outside one)."""
    if not has_app_context():
        return Settings()
    config = current_app.config
    return Settings(
        travel_minutes=int(config.get("AGENDA_TRAVEL_MINUTES", 20)),
        share_policy=config.get("AGENDA_SHARE_POLICY", "warn"),
        horizon_days=int(config.get("AGENDA_HORIZON_DAYS", 731)),
    )


class AgendaError(Refusal):
    """A booking refused, with a French message for the person."""


class Clash(AgendaError):
    pass


class ShareExceeded(AgendaError):
    pass


@dataclass
class Booking:
    event: Event
    warnings: list[str] = field(default_factory=list)


def day_start(day: date) -> datetime:
    return recurrence.to_instant(datetime.combine(day, time()))


def now() -> datetime:
    """The current instant, from the platform's one clock (frozen in tests)."""
    return clock.utcnow()
