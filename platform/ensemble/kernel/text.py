"""Text as it may be stored and exported: cleaned once, at the door.

Browsers and word processors send characters that have no place in a form
value: NUL (PostgreSQL text cannot hold it), C0 and C1 control characters
(XML, hence DOCX and ODT, refuses them), the non-characters U+FFFE and U+FFFF,
lone surrogates. `clean` removes them, except the tab and the line breaks: a
vertical tab, form feed or Unicode line separator (what Word puts in a pasted
paragraph) becomes a newline, and « \\r\\n » becomes « \\n ». A value made only
of spaces is empty.
"""

from __future__ import annotations

import re

_BREAKS = {
    0x0B: "\n",  # vertical tab (Word's manual line break)
    0x0C: "\n",  # form feed (page break)
    0x85: "\n",  # next line
    0x2028: "\n",  # line separator
    0x2029: "\n",  # paragraph separator
}
_REMOVED = {
    code: None
    for code in (
        *range(0x00, 0x09),
        *range(0x0E, 0x20),
        0x7F,
        *range(0x80, 0x85),
        *range(0x86, 0xA0),
        0xFFFE,
        0xFFFF,
    )
}
_TABLE = {**_REMOVED, **_BREAKS}
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean(value: str) -> str:
    """`value` without control characters other than tab and newline (see above)."""
    if not value:
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n").translate(_TABLE)
    text = _SURROGATES.sub("", text)
    return text if text.strip() else ""


def is_clean(value: str) -> bool:
    return clean(value) == value
