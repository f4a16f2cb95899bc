"""French formatting, one implementation for pages, e-mails and exported documents.

Rules followed (Lexique des règles typographiques en usage à l'Imprimerie nationale):

- a narrow no-break space (U+202F) before ; ! ? and inside « », a no-break space
  (U+00A0) before : ;
- « 1er » for the first day of a month, never « 1 » ;
- the minus sign U+2212, never a hyphen, before a negative number ;
- thousands grouped by a narrow no-break space, a decimal comma ;
- « 21 000,00 € » and « 63,5 % » with no-break spaces, so an amount never wraps ;
- times « 14 h », « 14 h 30 » and durations « 15 h 30 », « 45 min » : one style everywhere.

Every function works outside a request (Celery tasks, documents). Typography is
applied only when the current language is French; numbers follow the current
locale's separators, with French as the default.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from ensemble.kernel.clock import paris

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"  # no-break space
MINUS = "\u2212"
EN_DASH = "\u2013"

FRENCH = Locale("fr", "FR")


def current_locale() -> Locale:
    """The request's locale when there is one (Flask-Babel), French otherwise."""
    try:
        from flask import has_request_context
        from flask_babel import get_locale

        if has_request_context():
            return get_locale() or FRENCH
    except ImportError:  # pragma: no cover - Flask is always installed here
        pass
    return FRENCH


def _is_french(locale: Locale | None) -> bool:
    return (locale or current_locale()).language == "fr"


# --- Typography -----------------------------------------------------------------------

_BEFORE_MARK = re.compile(r"[ \u00a0\u202f]*([;!?])(?=[\s\"'»)\]<]|$)")
_BEFORE_COLON = re.compile(r"(?<=\S)[ \u00a0\u202f]*:(?=\s|$)")
_AFTER_OPEN = re.compile(r"«[ \u00a0\u202f]*")
_BEFORE_CLOSE = re.compile(r"[ \u00a0\u202f]*»")


def typography(text: str, locale: Locale | None = None) -> str:
    """French spacing around punctuation, on plain text (not HTML)."""
    if not text or not _is_french(locale):
        return text
    text = _BEFORE_MARK.sub(NNBSP + r"\1", text)
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    text = _AFTER_OPEN.sub("«" + NNBSP, text)
    return _BEFORE_CLOSE.sub(NNBSP + "»", text)


_MARKUP_TOKEN = re.compile(r"(<[^>]*>|&[#\w]+;)")


def typography_html(text: object, locale: Locale | None = None) -> Markup:
    """Escape `text`, then apply French spacing: safe to print in a page. Text that is
    already markup keeps its tags and entities untouched."""
    if isinstance(text, Markup):
        parts = _MARKUP_TOKEN.split(str(text))
        # Odd indexes are tags and entities (the split keeps its group).
        return Markup(  # noqa: S704 - the input was markup already; only spaces are added
            "".join(p if i % 2 else typography(p, locale) for i, p in enumerate(parts))
        )
    # Spacing first, on the raw text: escaping afterwards adds entities (&gt;) whose
    # semicolons the rules must never see, and never removes the spaces just placed.
    return Markup(escape(typography(str(text), locale)))  # noqa: S704 - escaped here


# --- Numbers --------------------------------------------------------------------------


def _with_minus(text: str) -> str:
    return text.replace("-", MINUS) if text.startswith("-") else text


def _rounded(value: Decimal | int | float, quantum: Decimal) -> Decimal:
    """`value` to `quantum`, half up, however many digits it has: Decimal's default
    precision (28 digits) made quantize fail on a 28-digit figure typed in an import."""
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    exponent = quantum.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite quantum
    digits = max(amount.adjusted(), 0) + 1 - exponent + 1
    with localcontext() as context:
        context.prec = max(context.prec, digits)
        return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def _formatted(amount: Decimal, pattern: str, locale: Locale) -> str:
    """Babel's format_decimal quantizes too: give it the precision the amount needs."""
    with localcontext() as context:
        context.prec = max(context.prec, max(amount.adjusted(), 0) + 8)
        return _with_minus(format_decimal(amount, pattern, locale=locale))


def number(value: Decimal | int | float, decimals: int = 0, locale: Locale | None = None) -> str:
    """A number with grouped thousands and `decimals` digits after the comma (trailing
    zeros kept), the minus sign U+2212, never a bare hyphen."""
    locale = locale or current_locale()
    quantum = Decimal(1).scaleb(-decimals)
    amount = _rounded(value, quantum)
    if amount == 0:
        amount = abs(amount)  # never « −0 »
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return _formatted(amount, pattern, locale)


def compact_number(value: Decimal | int | float, locale: Locale | None = None) -> str:
    """A number with as many decimals as it needs, up to two (« 3 », « 2,5 », « 0,39 »)."""
    locale = locale or current_locale()
    amount = _rounded(value, Decimal("0.01"))
    if amount == 0:
        amount = abs(amount)
    return _formatted(amount, "#,##0.##", locale)


def euros(value: Decimal | int | float | None, cents: bool = True) -> str:
    """« 21 000,00 € » (no-break spaces: an amount never wraps), « −597,00 € »."""
    if value is None:
        return ""
    text = number(value, 2 if cents else 0)
    return f"{text}{NBSP}€"


def signed_euros(value: Decimal | int | float) -> str:
    """A change in euros, always signed: « +1 200,00 € », « −597,00 € »."""
    text = euros(value)
    return text if text.startswith(MINUS) or Decimal(str(value)) == 0 else "+" + text


def percent(
    value: Decimal | int | float | None,
    decimals: int = 0,
    signed: bool = False,
    ratio: bool = False,
) -> str:
    """« 84 % », « 63,5 % »; `ratio=True` takes 0.635 for 63,5 %; `signed` for a change."""
    if value is None:
        return ""
    amount = Decimal(str(value)) * (100 if ratio else 1)
    text = number(amount, decimals)
    if (
        signed
        and not text.startswith(MINUS)
        and _rounded(amount, Decimal(1).scaleb(-decimals)) != 0
    ):
        text = "+" + text
    return f"{text}{NNBSP}%"


def plural(count: int, singular: str, plural_form: str) -> str:
    """« 1 déclaration validée », « 2 déclarations validées », « 0 déclaration validée ».

    `singular` and `plural_form` contain `%(num)s`; they go through ngettext so the
    English catalogue can translate them (French: 0 and 1 take the singular)."""
    chosen = singular if abs(count) < 2 else plural_form
    try:
        from flask import has_app_context
        from flask_babel import get_translations

        # The source strings are French (0 and 1 singular); other languages take
        # their own plural rule from their catalogue.
        if has_app_context() and not _is_french(None):
            chosen = get_translations().ungettext(singular, plural_form, count)
    except ImportError:  # pragma: no cover
        pass
    return chosen % {"num": number(count)}


# --- Dates and times ------------------------------------------------------------------


def day_of_month(day: date, locale: Locale | None = None) -> str:
    """« 1er », « 2 », … (French ordinal for the first day only)."""
    if _is_french(locale) and day.day == 1:
        return "1er"
    return str(day.day)


def long_date(day: date | datetime | None, weekday: bool = False, year: bool = True) -> str:
    """« 1er décembre 2026 », « mardi 1er décembre 2026 », « mardi 1er décembre »."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = paris(day).date()
    locale = current_locale()
    if not _is_french(locale):
        pattern = ("EEEE " if weekday else "") + ("MMMM d, y" if year else "MMMM d")
        return format_date(day, pattern, locale=locale)
    month = format_date(day, "MMMM" + (" y" if year else ""), locale=locale)
    text = f"{day_of_month(day)} {month}"
    if weekday:
        text = f"{format_date(day, 'EEEE', locale=locale)} {text}"
    return text


def short_date(day: date | datetime | None) -> str:
    """« 01/12/2026 » (tables where a long date would not fit)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = paris(day).date()
    return format_date(day, "dd/MM/y", locale=current_locale())


def month_label(day: date) -> str:
    """« décembre 2026 »."""
    return format_date(day, "MMMM y", locale=current_locale())


def time_of_day(value: time | datetime) -> str:
    """« 14 h », « 14 h 05 » (an aware datetime is read in Europe/Paris)."""
    if isinstance(value, datetime):
        value = paris(value).time() if value.tzinfo else value.time()
    if not _is_french(None):
        return f"{value.hour:02d}:{value.minute:02d}"
    if value.minute == 0:
        return f"{value.hour}{NBSP}h"
    return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"


def time_range(start: time | datetime, end: time | datetime) -> str:
    """« 14 h – 16 h 30 »."""
    return f"{time_of_day(start)}{NBSP}{EN_DASH} {time_of_day(end)}"


def long_datetime(value: datetime | None, weekday: bool = False) -> str:
    """« 1er décembre 2026 à 14 h 30 », in Europe/Paris."""
    if value is None:
        return ""
    local = paris(value)
    joiner = " à " if _is_french(None) else ", "
    return long_date(local.date(), weekday=weekday) + joiner + time_of_day(local)


def duration(value: timedelta | Decimal | int | float | None) -> str:
    """A duration in hours and minutes: « 15 h 30 », « 2 h », « 45 min », « 0 h »;
    a number is read as hours (15.5 → « 15 h 30 »)."""
    if value is None:
        return ""
    if isinstance(value, timedelta):
        minutes = round(value.total_seconds() / 60)
    else:
        minutes = int(_rounded(Decimal(str(value)) * 60, Decimal(1)))
    sign = MINUS if minutes < 0 else ""
    minutes = abs(minutes)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{sign}{number(hours)}{NBSP}h{NBSP}{rest:02d}"
    if hours:
        return f"{sign}{number(hours)}{NBSP}h"
    if rest:
        return f"{sign}{rest}{NBSP}min"
    return f"0{NBSP}h"


def list_of(items: list[str], conjunction: str = "et") -> str:
    """« Alma, Fresnoy et Basse Masure »."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]
