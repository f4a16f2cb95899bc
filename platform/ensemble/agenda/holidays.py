"""French public holidays for the calendar: the kernel's (ensemble.kernel.holidays),
named here where the calendar and its views look for them."""

from __future__ import annotations

from ensemble.kernel.holidays import (
    ALSACE_MOSELLE,
    is_public_holiday,
    public_holidays,
    subdivision,
)

__all__ = ["ALSACE_MOSELLE", "is_public_holiday", "public_holidays", "subdivision"]
