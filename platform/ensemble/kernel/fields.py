"""Bounded form fields: every value a form hands to an operation fits its column.

Each field carries the bounds of its database column and of the domain, reads
French input (see `ensemble.kernel.parsing`) and refuses anything else with a
French message that says what is accepted (« Montant trop élevé : au plus
9 999 999 999,99 € »). Reading and bounds are checked while the field reads its
input, so validators never see an out-of-range value and never format a message.

- integers: `IntegerField`, `CountField`, `YearField` (« 1 234 »; int4 by default);
- decimals: `DecimalField`, `EurosField`, `HoursField`, `PercentField` (« 1 234,56 »;
  within the column's `numeric(p, s)`);
- `DateField`, `MonthField`, `TimeField` (« 31/12/2026 », « 2026-12 », « 14:30 »;
  1900–2100 by default);
- text: `TextField`, `TextAreaField`, `RichTextField`, `EmailField`, `PasswordField`
  (the column's length);
- ids: `IdField`, `IdSelectField` (a positive bigint);
- `FileField` (size, extension and the content's first bytes).

Every field renders `data-kind` (and its bounds) so the generated walk of the
tests knows what to throw at it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField as _FileField
from werkzeug.datastructures import FileStorage
from wtforms import Field, HiddenField, SelectField, StringField
from wtforms import PasswordField as _PasswordField
from wtforms import TextAreaField as _TextAreaField
from wtforms.validators import Email, StopValidation
from wtforms.widgets import DateInput, MonthInput, TextInput, TimeInput

from ensemble.kernel import french
from ensemble.kernel.parsing import (
    Unreadable,
    decimal_places,
    parse_date,
    parse_decimal,
    parse_month,
    parse_time,
)

INT4_MAX = 2**31 - 1
INT4_MIN = -(2**31)
BIGINT_MAX = 2**63 - 1
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


class KernelField(Field):
    """What every kernel field shares: a value that could not be read gives one
    message, and no validator runs on top of it (no « obligatoire » after
    « illisible »)."""

    kind = "text"

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()
        super().pre_validate(form)

    @staticmethod
    def _attributes(kwargs: dict, **attributes: Any) -> dict:
        render_kw = dict(kwargs.pop("render_kw", None) or {})
        for key, value in attributes.items():
            render_kw.setdefault(key, value)
        kwargs["render_kw"] = render_kw
        return kwargs


# --- Numbers -----------------------------------------------------------------------------


def column_maximum(digits: int, places: int) -> Decimal:
    """The largest value of a `numeric(digits, places)` column: 9 999 999 999,99 for (12, 2)."""
    return Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)


class DecimalField(KernelField):
    """A number with `places` decimals that fits `numeric(digits, places)`, within
    [`minimum`, `maximum`] (the domain's bounds, inside the column's)."""

    kind = "decimal"
    widget = TextInput()
    unit = ""

    def too_high(self, limit: str) -> object:
        return _l("Valeur trop élevée : au plus %(limit)s.", limit=limit)

    def too_low(self, limit: str) -> object:
        return _l("Valeur trop basse : au moins %(limit)s.", limit=limit)

    def negative(self) -> object:
        return _l("Indiquez une valeur positive ou nulle.")

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        digits: int,
        places: int,
        minimum: Decimal | int | None = 0,
        maximum: Decimal | int | None = None,
        range_message: object | None = None,
        **kwargs,
    ):
        column = column_maximum(digits, places)
        self.places = places
        self.maximum = column if maximum is None else min(Decimal(maximum), column)
        self.minimum = -column if minimum is None else max(Decimal(minimum), -column)
        self.range_message = range_message
        kwargs = self._attributes(
            kwargs,
            inputmode="decimal",
            autocomplete="off",
            **{
                "data-kind": self.kind,
                "data-min": str(self.minimum),
                "data-max": str(self.maximum),
                "data-places": str(places),
            },
        )
        super().__init__(label, validators, **kwargs)

    def _limit(self, value: Decimal) -> str:
        text = french.number(value, self.places)
        return f"{text}\u00a0{self.unit}" if self.unit else text

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data:.{self.places}f}".replace(".", ",")

    def parse(self, raw: str) -> Decimal | None:
        return parse_decimal(raw, units=(self.unit,) if self.unit else ())

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if not valuelist:
            return
        value = self.parse(valuelist[0])
        if value is None:
            return
        if decimal_places(value) > self.places:
            raise Unreadable(
                _l("Au plus %(n)s chiffres après la virgule.", n=self.places)
                if self.places
                else _l("Indiquez un nombre entier, sans virgule.")
            )
        if value > self.maximum:
            raise Unreadable(self.range_message or self.too_high(self._limit(self.maximum)))
        if value < self.minimum:
            if self.range_message:
                raise Unreadable(self.range_message)
            if self.minimum == 0:
                raise Unreadable(self.negative())
            raise Unreadable(self.too_low(self._limit(self.minimum)))
        self.data = value.quantize(Decimal(1).scaleb(-self.places)) if self.places else value


class EurosField(DecimalField):
    """An amount in euros, `numeric(12, 2)` unless told otherwise."""

    kind = "euros"
    unit = "€"

    def too_high(self, limit: str) -> object:
        return _l("Montant trop élevé : au plus %(limit)s.", limit=limit)

    def too_low(self, limit: str) -> object:
        return _l("Montant trop bas : au moins %(limit)s.", limit=limit)

    def negative(self) -> object:
        return _l("Le montant ne peut pas être négatif.")

    def __init__(self, label=None, validators=None, *, digits: int = 12, places: int = 2, **kw):
        super().__init__(label, validators, digits=digits, places=places, **kw)


class HoursField(DecimalField):
    """A number of hours (« 7,5 » or « 7,5 h »)."""

    kind = "hours"
    unit = "h"

    def too_high(self, limit: str) -> object:
        return _l("Durée trop longue : au plus %(limit)s.", limit=limit)

    def too_low(self, limit: str) -> object:
        return _l("Durée trop courte : au moins %(limit)s.", limit=limit)

    def negative(self) -> object:
        return _l("Une durée ne peut pas être négative.")

    def __init__(self, label=None, validators=None, *, digits: int = 5, places: int = 2, **kw):
        super().__init__(label, validators, digits=digits, places=places, **kw)


class PercentField(DecimalField):
    """A percentage (« 63 » or « 63 % »), 0 to 100 unless told otherwise."""

    kind = "percent"
    unit = "%"

    def too_high(self, limit: str) -> object:
        return _l("Pourcentage trop élevé : au plus %(limit)s.", limit=limit)

    def too_low(self, limit: str) -> object:
        return _l("Pourcentage trop bas : au moins %(limit)s.", limit=limit)

    def negative(self) -> object:
        return _l("Un pourcentage ne peut pas être négatif.")

    def __init__(self, label=None, validators=None, *, digits: int = 5, places: int = 2, **kwargs):
        kwargs.setdefault("maximum", 100)
        super().__init__(label, validators, digits=digits, places=places, **kwargs)

    def _limit(self, value: Decimal) -> str:
        return french.percent(value, decimals=0 if value == value.to_integral() else self.places)


class IntegerField(DecimalField):
    """A whole number within int4 (or the domain's bounds)."""

    kind = "integer"

    def too_high(self, limit: str) -> object:
        return _l("Nombre trop grand : au plus %(limit)s.", limit=limit)

    def too_low(self, limit: str) -> object:
        return _l("Nombre trop petit : au moins %(limit)s.", limit=limit)

    def negative(self) -> object:
        return _l("Indiquez un nombre positif ou nul.")

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        minimum: int = 0,
        maximum: int = INT4_MAX,
        **kwargs,
    ):
        kwargs = self._attributes(kwargs, inputmode="numeric")
        super().__init__(
            label, validators, digits=19, places=0, minimum=minimum, maximum=maximum, **kwargs
        )

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def parse(self, raw: str) -> Decimal | None:
        return parse_decimal(raw, units=(self.unit,) if self.unit else (), integer=True)

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = int(self.data)


class CountField(IntegerField):
    """A count of people or things: 0 or more, within int4."""

    kind = "count"


class YearField(IntegerField):
    """A year, 1900 to 2100 unless told otherwise."""

    kind = "year"

    def __init__(self, label=None, validators=None, *, minimum=1900, maximum=2100, **kwargs):
        kwargs.setdefault(
            "range_message", _l("Une année entre %(low)s et %(high)s.", low=minimum, high=maximum)
        )
        super().__init__(label, validators, minimum=minimum, maximum=maximum, **kwargs)

    def _limit(self, value: Decimal) -> str:
        return str(int(value))


# --- Dates and times --------------------------------------------------------------------


def _date_bounds_message(earliest: date, latest: date) -> object:
    return _l(
        "Une date entre le %(earliest)s et le %(latest)s.",
        earliest=earliest.strftime("%d/%m/%Y"),
        latest=latest.strftime("%d/%m/%Y"),
    )


class DateField(KernelField):
    """A date between `earliest` and `latest` (1900–2100 by default). With a date
    picker (`picker=True`) the browser sends ISO dates; without, people type
    JJ/MM/AAAA. Both forms are read either way."""

    kind = "date"

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        earliest: date = EARLIEST,
        latest: date = LATEST,
        picker: bool = True,
        range_message: object | None = None,
        **kwargs,
    ):
        self.earliest, self.latest, self.picker = earliest, latest, picker
        self.range_message = range_message or _date_bounds_message(earliest, latest)
        attributes = {"data-kind": self.kind}
        if picker:
            attributes.update(min=earliest.isoformat(), max=latest.isoformat())
        else:
            attributes.update(placeholder="JJ/MM/AAAA", inputmode="numeric")
        kwargs = self._attributes(kwargs, **attributes)
        self.widget = DateInput() if picker else TextInput()
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if not self.data:
            return ""
        return self.data.isoformat() if self.picker else self.data.strftime("%d/%m/%Y")

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if not valuelist:
            return
        value = parse_date(valuelist[0])
        if value is not None and not self.earliest <= value <= self.latest:
            raise Unreadable(self.range_message)
        self.data = value


class MonthField(KernelField):
    """A month (the first day of it), 1900–2100 by default."""

    kind = "month"
    widget = MonthInput()

    def __init__(self, label=None, validators=None, *, earliest=EARLIEST, latest=LATEST, **kwargs):
        self.earliest, self.latest = earliest.replace(day=1), latest
        kwargs = self._attributes(
            kwargs,
            min=earliest.strftime("%Y-%m"),
            max=latest.strftime("%Y-%m"),
            **{"data-kind": "month"},
        )
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%Y-%m") if self.data else ""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if not valuelist:
            return
        value = parse_month(valuelist[0])
        if value is not None and not self.earliest <= value <= self.latest:
            raise Unreadable(
                _l(
                    "Un mois entre %(earliest)s et %(latest)s.",
                    earliest=self.earliest.strftime("%m/%Y"),
                    latest=self.latest.strftime("%m/%Y"),
                )
            )
        self.data = value


class TimeField(KernelField):
    """A time of day, 00:00 to 23:59 (« 14:30 », « 14h30 »)."""

    kind = "time"
    widget = TimeInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **self._attributes(kwargs, **{"data-kind": "time"}))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if valuelist:
            value: time | None = parse_time(valuelist[0])
            self.data = value.replace(second=0) if value else None


# --- Text --------------------------------------------------------------------------------


def _too_long(limit: int) -> object:
    return _l("%(limit)s caractères au plus.", limit=french.number(limit))


class _Text(KernelField):
    """Text within `max_length` characters (the column's)."""

    strip = True

    def _setup(self, kwargs: dict, max_length: int, kind: str) -> dict:
        self.max_length = max_length
        return self._attributes(kwargs, maxlength=str(max_length), **{"data-kind": kind})

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            if self.strip:
                self.data = self.data.strip()
            if len(self.data) > self.max_length:
                raise Unreadable(_too_long(self.max_length))


class TextField(_Text, StringField):
    """One line of text (stripped)."""

    kind = "text"

    def __init__(self, label=None, validators=None, *, max_length: int, **kwargs):
        super().__init__(label, validators, **self._setup(kwargs, max_length, self.kind))


class EmailField(TextField):
    """An e-mail address (254 characters at most, RFC 5321)."""

    kind = "email"

    def __init__(self, label=None, validators=None, *, max_length: int = 254, **kwargs):
        validators = [*(validators or []), _valid_email_if_given]
        kwargs = self._attributes(kwargs, type="email", autocomplete="email")
        super().__init__(label, validators, max_length=max_length, **kwargs)


_EMAIL = Email(_l("Cette adresse e-mail n’est pas valide."), check_deliverability=False)


def _valid_email_if_given(form, field) -> None:
    # An empty optional address is not an invalid one.
    if field.data:
        _EMAIL(form, field)


class TextAreaField(_Text, _TextAreaField):
    """Several lines of text; line breaks kept."""

    kind = "textarea"
    strip = False

    def __init__(self, label=None, validators=None, *, max_length: int, **kwargs):
        super().__init__(label, validators, **self._setup(kwargs, max_length, self.kind))


class RichTextField(TextAreaField):
    """Formatted text (HTML the operation sanitises); the bound is on what is sent."""

    kind = "richtext"


class PasswordField(_Text, _PasswordField):
    kind = "password"
    strip = False

    def __init__(self, label=None, validators=None, *, max_length: int = 512, **kwargs):
        super().__init__(label, validators, **self._setup(kwargs, max_length, self.kind))


# --- Ids and choices ------------------------------------------------------------------------


def parse_id(raw: object) -> int | None:
    """A row id as sent by a form: ASCII digits, 1 to the bigint maximum; else None."""
    text = str(raw or "").strip()
    if not text or len(text) > 19 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= BIGINT_MAX else None


class IdField(KernelField, HiddenField):
    """A row id posted by a form (hidden): a positive bigint, else a field error."""

    kind = "id"

    def process_formdata(self, valuelist) -> None:
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            return
        self.data = parse_id(raw)  # type: ignore[assignment]  # an id, not text
        if self.data is None:
            raise Unreadable(_l("Valeur invalide : rechargez la page."))


def coerce_id(value: object) -> int:
    """`coerce` for a select of row ids: a bounded id (or 0, « none »), else a
    ValueError, which the field reports as an invalid choice."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= BIGINT_MAX:
            return value
        raise ValueError(value)
    if str(value).strip() == "0":
        return 0
    parsed = parse_id(value)
    if parsed is None:
        raise ValueError(value)
    return parsed


class IdSelectField(KernelField, SelectField):
    """A choice among rows, by id: the value sent must be one of the choices."""

    kind = "select"

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", coerce_id)
        kwargs["validate_choice"] = True
        super().__init__(label, validators, **kwargs)


# --- Files -------------------------------------------------------------------------------------

# The first bytes of each accepted type: a file named .pdf must be a PDF.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "ics": (b"BEGIN:VCALENDAR", b"\xef\xbb\xbfBEGIN:VCALENDAR"),
}
TEXT_TYPES = {"csv", "txt", "ics"}


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{french.compact_number(Decimal(size) / (1024 * 1024))}\u00a0Mo"
    return f"{french.number(Decimal(size) / 1024)}\u00a0ko"


def content_matches(extension: str, head: bytes) -> bool:
    """Whether a file's first bytes fit its extension (text types: no NUL byte)."""
    extension = extension.lower()
    signatures = SIGNATURES.get(extension)
    if extension in TEXT_TYPES and (signatures is None or not head.startswith(signatures)):
        return b"\x00" not in head
    return signatures is None or head.startswith(signatures)


class FileField(KernelField, _FileField):
    """An upload of at most `max_bytes`, with one of `extensions`, whose content
    starts as that type's does."""

    kind = "file"

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        max_bytes: int,
        extensions: Iterable[str],
        **kwargs,
    ):
        self.max_bytes = max_bytes
        self.extensions = tuple(e.lower().lstrip(".") for e in extensions)
        kwargs = self._attributes(
            kwargs,
            accept=",".join(f".{e}" for e in self.extensions),
            **{"data-kind": "file", "data-max-bytes": str(max_bytes)},
        )
        super().__init__(label, validators, **kwargs)

    @property
    def has_file(self) -> bool:
        return bool(self.data and getattr(self.data, "filename", ""))

    def pre_validate(self, form) -> None:
        super().pre_validate(form)
        if not self.has_file:
            self.data = None
            return
        upload = cast(FileStorage, self.data)
        name = upload.filename or ""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in self.extensions:
            raise StopValidation(
                _l(
                    "Type de fichier non accepté : %(types)s.",
                    types=", ".join(f".{e}" for e in self.extensions),
                )
            )
        stream = upload.stream
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        if size > self.max_bytes:
            raise StopValidation(
                _l("Fichier trop lourd : %(limit)s au plus.", limit=_size_label(self.max_bytes))
            )
        if size == 0:
            raise StopValidation(_l("Ce fichier est vide."))
        head = stream.read(64)
        stream.seek(0)
        if not content_matches(extension, head):
            raise StopValidation(
                _l("Ce fichier n’est pas un vrai fichier .%(ext)s.", ext=extension)
            )

    def read(self) -> bytes:
        """The whole upload (already checked to be at most `max_bytes`)."""
        return cast(FileStorage, self.data).read(self.max_bytes + 1) if self.has_file else b""
