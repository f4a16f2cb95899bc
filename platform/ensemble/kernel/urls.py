"""URL converters that answer 404 to what no row can be named by.

Installed app-wide before any blueprint (see `install`):

- `int`: ids from 1 to the bigint maximum (9 223 372 036 854 775 807); a larger
  or zero id matches no route, so it is a 404 before any query (PostgreSQL would
  refuse to compare a bigint with it, which ended in a 500);
- `default`/`string`: a path segment of at most 200 characters;
- `token`: a signed token, ASCII letters, digits, « - », « _ » and « . », at most
  200 characters (a non-ASCII feed token is a 404, not a failed comparison).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

BIGINT_MAX = 2**63 - 1
MAX_SEGMENT = 200


class IdConverter(IntegerConverter):
    """`<int:…>`: ASCII digits, 1 to the bigint maximum."""

    def __init__(self, map, fixed_digits=0, min=1, max=BIGINT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        self.regex = r"[0-9]{1,19}"  # ASCII: « \d » would take « ١٢ » for 12

    def to_python(self, value: str) -> int:
        if len(value) > 19:
            raise ValidationError()
        return super().to_python(value)


class SegmentConverter(UnicodeConverter):
    """A path segment of at most 200 characters."""

    def __init__(self, map, minlength=1, maxlength=MAX_SEGMENT, length=None):  # noqa: A002
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)


class TokenConverter(UnicodeConverter):
    """A signed token: ASCII only, at most 200 characters."""

    regex = r"[A-Za-z0-9_.\-]{1,200}"

    def __init__(self, map):  # noqa: A002
        super().__init__(map)
        self.regex = TokenConverter.regex


def install(app: Flask) -> None:
    """Replace the converters; must run before the blueprints are registered."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = SegmentConverter
    app.url_map.converters["string"] = SegmentConverter
    app.url_map.converters["token"] = TokenConverter
