"""Template filters: French dates in Europe/Paris, euros, French typography."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, get_locale
from markupsafe import Markup, escape

NARROW_NBSP = "\u202f"


def french_typography(text: str) -> Markup:
    """Narrow no-break space before ; : ! ? and inside « », as French print does."""
    if get_locale() is None or get_locale().language != "fr":
        return escape(text)
    out = str(escape(text))
    for mark in (";", "!", "?"):
        out = out.replace(f" {mark}", f"{NARROW_NBSP}{mark}")
    out = out.replace(" :", "\u00a0:")
    out = out.replace("« ", f"«{NARROW_NBSP}").replace(" »", f"{NARROW_NBSP}»")
    return Markup(out)  # noqa: S704 - built from escaped text


def datetime_fr(value: datetime | None, fmt: str = "d MMMM y 'à' HH'h'mm") -> str:
    if value is None:
        return ""
    if get_locale() is not None and get_locale().language != "fr":
        fmt = "medium"
    return format_datetime(value, fmt)


def date_fr(value: date | None, fmt: str = "long") -> str:
    return "" if value is None else format_date(value, fmt)


def euros(value: Decimal | int | float | None) -> str:
    return "" if value is None else format_currency(value, "EUR")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["typo"] = french_typography
    app.jinja_env.filters["datetime"] = datetime_fr
    app.jinja_env.filters["date"] = date_fr
    app.jinja_env.filters["euros"] = euros
