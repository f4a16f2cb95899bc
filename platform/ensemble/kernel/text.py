"""Text as it may be stored and exported: the characters nobody means, once.

Browsers and word processors send characters that have no place in a value:
NUL (PostgreSQL text cannot hold it), C0 and C1 control characters (XML, hence
DOCX and ODT, refuses them), bidirectional embeddings, overrides and isolates
(they turn « txt.exe » into « exe.txt » on screen), byte-order marks,
non-characters, lone surrogates. `clean` removes them at the door, from every
form value, except the tab and the line breaks: a vertical tab, form feed or
Unicode line separator (what Word puts in a pasted paragraph) becomes a
newline, and « \\r\\n » becomes « \\n ». A value made only of spaces is empty.

The document engine (`kernel.documents.text`) strips the same characters from
what reaches a document, with these same expressions.
"""

from __future__ import annotations

import re

LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")
# C0 and C1 controls but tab and newline; bidi embeddings, overrides, isolates and
# marks; BOM and interlinear annotation marks; non-characters; lone surrogates.
CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ufeff\ufff9-\ufffb\ufdd0-\ufdef\ufffe\uffff"
    "\ud800-\udfff]"
)


def clean(value: str) -> str:
    """`value` without control characters other than tab and newline (see above)."""
    if not value:
        return value
    text = CONTROLS.sub("", LINE_BREAKS.sub("\n", value))
    return text if text.strip() else ""


def is_clean(value: str) -> bool:
    return clean(value) == value
