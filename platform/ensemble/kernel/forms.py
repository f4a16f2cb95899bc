"""The base of every form: input cleaned at the door, validators that cannot crash.

Every form of every capability derives from `Form` (a test checks it):

- every text value it reads passes through `ensemble.kernel.text.clean` first
  (control characters removed, a vertical tab becomes a newline, a value made of
  spaces is empty), whatever the field;
- an inline validator (`validate_<field>`) that raises a bare ValueError by
  mistake gives a field error, not a 500 (WTForms 3 turns only ValidationError
  into errors); the error is logged so the mistake gets fixed;
- `Required(message)` refuses an empty value (0 is a value) without formatting
  its message.

The bounded fields themselves are in `ensemble.kernel.fields`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms.form import BaseForm
from wtforms.validators import StopValidation, ValidationError

from ensemble.kernel.text import clean

log = logging.getLogger(__name__)


def cleaned(formdata) -> MultiDict | None:
    """The submitted values with every text value cleaned (uploads untouched)."""
    if formdata is None:
        return None
    items = formdata.items(multi=True) if hasattr(formdata, "items") else formdata
    return MultiDict(
        [(key, clean(value) if isinstance(value, str) else value) for key, value in items]
    )


def _guarded(validator: Callable) -> Callable:
    @functools.wraps(validator)
    def run(form, field):
        try:
            return validator(form, field)
        except (ValidationError, StopValidation):
            raise
        except ValueError as error:
            log.warning("Validator %s raised ValueError: %s", validator.__qualname__, error)
            raise ValidationError(str(error.args[0]) if error.args else "") from None

    return run


class _Typographic:
    """WTForms' own French messages (« N'est pas un choix valide. ») with the
    typographic apostrophe the rest of the interface uses."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def gettext(self, string: str) -> str:
        return self.inner.gettext(string).replace("'", "\u2019")

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.inner.ngettext(singular, plural, n).replace("'", "\u2019")


class Form(FlaskForm):
    """FlaskForm with cleaned input and validators that cannot end a request in a 500."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            return cleaned(super().wrap_formdata(form, formdata))

        def get_translations(self, form):
            inner = super().get_translations(form)
            return None if inner is None else _Typographic(inner)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        token = self._fields.get(self.meta.csrf_field_name) if self.meta.csrf else None
        if token is not None:
            # A page often holds several forms: the hidden token needs no id, and one
            # « csrf_token » id per form would repeat on the page.
            token.render_kw = {"id": False, **(token.render_kw or {})}

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(v) for name, v in (extra_validators or {}).items()}
        for name in self._fields:
            inline = getattr(self.__class__, f"validate_{name}", None)
            if inline is not None:
                extra.setdefault(name, []).append(_guarded(inline))
        # wtforms.Form.validate would add the inline validators again, unguarded.
        return BaseForm.validate(self, extra)


class Required:
    """The field must have a value: not None, not empty text, not an empty list,
    a chosen file. 0 and False are values. The message is used as given."""

    field_flags = {"required": True}

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form, field) -> None:  # noqa: ARG002
        if field.process_errors:
            raise StopValidation()  # the field already says what is wrong
        data = field.data
        empty = (
            data is None
            or (isinstance(data, str) and not data.strip())
            or (isinstance(data, list | tuple | set) and not data)
            or (isinstance(data, FileStorage) and not data.filename)
        )
        if empty:
            field.errors[:] = []
            raise StopValidation(self.message)


class Optional:
    """An empty field is left alone (no other validator runs on it)."""

    field_flags = {"optional": True}

    def __call__(self, form, field) -> None:  # noqa: ARG002
        if field.process_errors:
            return
        data = field.data
        if data is None or (isinstance(data, str) and not data.strip()):
            field.errors[:] = []
            raise StopValidation()


def check(condition: bool, message: Any) -> None:
    """For inline validators: refuse with `message` unless `condition` holds."""
    if not condition:
        raise ValidationError(message)
