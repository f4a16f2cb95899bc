"""Template filters: the kernel's French formatting (ensemble.kernel.french), by name."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime

from ensemble.kernel import french
from ensemble.kernel.departements import departement

# Kept for the templates and tests that import them from here.
french_typography = french.typography_html
euros = french.euros


def datetime_fr(value: datetime | None, fmt: str | None = None) -> str:
    """« 1er décembre 2026 à 14 h 30 » in Europe/Paris; `fmt` for a machine format
    (e.g. a datetime-local input's value)."""
    if value is None:
        return ""
    if fmt is None:
        return french.long_datetime(value)
    return format_datetime(value, fmt)


def date_fr(value: date | None, fmt: str | None = None) -> str:
    """« 1er décembre 2026 »; "short" gives « 01/12/2026 »; "weekday" adds the day name."""
    if value is None:
        return ""
    if fmt in (None, "long"):
        return french.long_date(value)
    if fmt == "weekday":
        return french.long_date(value, weekday=True)
    if fmt == "short":
        return french.short_date(value)
    return format_date(value, fmt)


def init_app(app: Flask) -> None:
    filters = app.jinja_env.filters
    filters["typo"] = french.typography_html
    filters["datetime"] = datetime_fr
    filters["date"] = date_fr
    filters["euros"] = french.euros
    filters["signed_euros"] = french.signed_euros
    filters["number"] = french.number
    filters["compact_number"] = french.compact_number
    filters["percent"] = french.percent
    filters["duration"] = french.duration
    filters["time"] = french.time_of_day
    filters["time_range"] = french.time_range
    filters["month"] = french.month_label
    filters["departement"] = departement
    app.jinja_env.globals["plural"] = french.plural
