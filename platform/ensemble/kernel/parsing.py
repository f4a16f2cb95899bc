"""Reading what French people type or paste: numbers, dates, times and months.

One grammar for forms and imported spreadsheets, strict enough that a value is
either read exactly as meant or refused with a message saying what is accepted:

- numbers: ASCII digits only (« ١٢ » is refused, not read as 12), a decimal comma
  (a dot too when it cannot be a thousands separator), thousands grouped by a
  space, a no-break space, a narrow no-break space or a dot, in groups of three;
  an optional leading minus (« - » or « − ») and an optional unit at the end
  (« € », « % », « h ») where the field allows one. Refused: exponents (« 1e3 »),
  « −0 », « 12 34 », anything else;
- dates: « 31/12/2026 » (also with « - » or « . »), or ISO « 2026-12-31 » as date
  pickers send it; years on four digits;
- times: « 14:30 », « 14:30:00 », « 14h30 », « 14 h 30 », « 14 h »;
- months: « 2026-12 » (month pickers) or « 12/2026 ».

Errors are `Unreadable(message)`, a ValueError whose message is French and says
what is accepted; WTForms turns a ValueError raised while reading a field into a
field error, and the spreadsheet reader into a cell error.
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation, localcontext

from flask_babel import lazy_gettext as _l

# What people put between thousands: space, no-break space, narrow no-break space,
# thin space (what some spreadsheets export).
GROUP_SPACES = " \u00a0\u202f\u2009"
MINUS_SIGNS = "-\u2212"
MAX_NUMBER_LENGTH = 500  # characters; read, then judged by the field's bounds

_DIGITS = re.compile(r"[0-9]+")
_SPACE_GROUPED = re.compile(r"[0-9]{1,3}( [0-9]{3})+")
_DOT_GROUPED = re.compile(r"[1-9][0-9]{0,2}(\.[0-9]{3})+")


class Unreadable(ValueError):  # noqa: N818 - read as « the value is unreadable »
    """A value that cannot be read; `message` (French) says what is accepted."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


NUMBER_EXAMPLE = _l("Indiquez un nombre, par exemple 1\u202f234,56.")
INTEGER_EXAMPLE = _l("Indiquez un nombre entier, par exemple 1\u202f234.")


def _integer_part(text: str) -> str | None:
    """The digits of an integer part written with or without thousands separators."""
    if _DIGITS.fullmatch(text):
        return text
    if _SPACE_GROUPED.fullmatch(text) or _DOT_GROUPED.fullmatch(text):
        return text.replace(" ", "").replace(".", "")
    return None


def parse_decimal(
    text: str | None,
    *,
    units: tuple[str, ...] = (),
    integer: bool = False,
) -> Decimal | None:
    """A French number as typed (see the module docstring); None when blank.

    `units` are the symbols allowed after the number (« € », « % », « h »);
    `integer` refuses a decimal part."""
    if text is None:
        return None
    raw = str(text).strip()
    for space in GROUP_SPACES[1:]:
        raw = raw.replace(space, " ")
    raw = raw.strip()
    if not raw:
        return None
    example = INTEGER_EXAMPLE if integer else NUMBER_EXAMPLE
    if len(raw) > MAX_NUMBER_LENGTH:
        raise Unreadable(example)
    for unit in units:
        if raw.lower().endswith(unit.lower()):
            raw = raw[: -len(unit)].rstrip()
            break
    negative = raw[:1] in MINUS_SIGNS and raw[:1] != ""
    if negative:
        raw = raw[1:].lstrip()
    if not raw:
        raise Unreadable(example)
    if "," in raw:
        whole, _sep, fraction = raw.partition(",")
        if "," in fraction or not _DIGITS.fullmatch(fraction):
            raise Unreadable(example)
    elif raw.count(".") == 1 and not _DOT_GROUPED.fullmatch(raw):
        # « 1234.56 », « 0.5 »: a decimal point (« 1.234 » is read as a thousand).
        whole, _sep, fraction = raw.partition(".")
        if not _DIGITS.fullmatch(fraction):
            raise Unreadable(example)
    else:
        whole, fraction = raw, ""
    digits = _integer_part(whole)
    if digits is None:
        raise Unreadable(example)
    if integer and fraction.strip("0"):
        raise Unreadable(_l("Indiquez un nombre entier, sans virgule."))
    with localcontext() as ctx:
        ctx.prec = MAX_NUMBER_LENGTH + 10
        try:
            value = Decimal(f"{digits}.{fraction}" if fraction else digits)
        except InvalidOperation:  # pragma: no cover - the grammar above is stricter
            raise Unreadable(example) from None
    if negative:
        if value == 0:
            raise Unreadable(_l("« −0 » n’est pas un nombre : écrivez 0."))
        value = -value
    return value


def parse_integer(text: str | None, *, units: tuple[str, ...] = ()) -> int | None:
    value = parse_decimal(text, units=units, integer=True)
    return None if value is None else int(value)


def decimal_places(value: Decimal) -> int:
    """How many digits after the comma `value` needs (« 1,50 » needs one)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# --- Dates, times, months -------------------------------------------------------------

DATE_EXAMPLE = _l("Indiquez une date valide, par exemple 31/12/2026.")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_FRENCH_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_SHORT_YEAR = re.compile(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}")


def parse_date(text: str | None) -> date | None:
    """« 31/12/2026 » or « 2026-12-31 »; None when blank."""
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    if iso := _ISO_DATE.fullmatch(raw):
        year, month, day = (int(part) for part in iso.groups())
    elif french := _FRENCH_DATE.fullmatch(raw):
        day, month, year = (int(part) for part in french.groups())
    elif _SHORT_YEAR.fullmatch(raw):
        raise Unreadable(_l("Écrivez l’année sur quatre chiffres, par exemple 31/12/2026."))
    else:
        raise Unreadable(DATE_EXAMPLE)
    try:
        return date(year, month, day)
    except ValueError:
        raise Unreadable(_l("Cette date n’existe pas (« %(value)s »).", value=raw[:20])) from None


TIME_EXAMPLE = _l("Indiquez une heure valide, par exemple 14:30.")
_TIME = re.compile(r"([0-9]{1,2})(?::([0-9]{2})(?::([0-9]{2}))?| ?h ?(?:([0-9]{2}))?)")


def parse_time(text: str | None) -> time | None:
    """« 14:30 », « 14:30:00 », « 14h30 », « 14 h 30 », « 14 h »; None when blank."""
    if text is None:
        return None
    raw = str(text).strip().lower().replace("\u00a0", " ").replace("\u202f", " ")
    if not raw:
        return None
    match = _TIME.fullmatch(raw)
    if not match:
        raise Unreadable(TIME_EXAMPLE)
    hour = int(match.group(1))
    minute = int(match.group(2) or match.group(4) or 0)
    second = int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise Unreadable(_l("Une heure entre 00:00 et 23:59."))
    return time(hour, minute, second)


MONTH_EXAMPLE = _l("Indiquez un mois valide, par exemple 2026-12.")
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_FRENCH_MONTH = re.compile(r"([0-9]{1,2})/([0-9]{4})")


def parse_month(text: str | None) -> date | None:
    """« 2026-12 » or « 12/2026 » → the first day of that month; None when blank."""
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    if iso := _ISO_MONTH.fullmatch(raw):
        year, month = int(iso.group(1)), int(iso.group(2))
    elif french := _FRENCH_MONTH.fullmatch(raw):
        month, year = int(french.group(1)), int(french.group(2))
    else:
        raise Unreadable(MONTH_EXAMPLE)
    if not 1 <= month <= 12:
        raise Unreadable(MONTH_EXAMPLE)
    return date(year, month, 1)
