"""What text may reach a document: cleaned once, when the model is built.

Text pasted from word processors carries characters that XML forbids (a vertical tab is
Word's manual line break: it made python-docx refuse the whole document) or that change
how the text reads (bidirectional overrides turn « txt.exe » into « exe.txt »). Every
string of the document model goes through `clean_text`, so no renderer ever sees them:

- line separators (vertical tab, form feed, U+0085, U+2028, U+2029, CR LF) become « \\n »,
  a line break in every format; a tab becomes a space;
- other control characters, bidirectional embeddings, overrides and isolates, byte-order
  marks, non-characters and lone surrogates are removed;
- the text is NFC-normalised and gets French typography (`kernel.french.typography`);
- a "word" longer than any real one (a pasted hash, 10 000 letters) gets break
  opportunities (U+200B) so it wraps inside its column instead of running off the page.
"""

from __future__ import annotations

import re
import unicodedata

from ensemble.kernel import french
from ensemble.kernel.text import CONTROLS, LINE_BREAKS

# One definition of the characters nobody means (kernel.text, which cleans form input
# with them too); a tab is a space here, then the rest is removed.
FORBIDDEN = CONTROLS
ZWSP = "\u200b"
# Longest French words are ~25 letters; amounts with their no-break spaces stay below 30.
LONGEST_WORD = 32
CHUNK = 20
_WORD = re.compile(rf"[^\s\u200b]{{{LONGEST_WORD + 1},}}")
_URL_BREAK = re.compile(r"(?<=[/?&=_.\-])(?=[^/?&=_.\-])")


def _break_long(match: re.Match[str]) -> str:
    word = match.group(0)
    # Prefer the natural places of a URL or a path, then cut what is still too long.
    pieces = []
    for piece in _URL_BREAK.split(word):
        pieces += [piece[i : i + CHUNK] for i in range(0, len(piece), CHUNK)] or [""]
    return ZWSP.join(pieces)


# Fast paths: most runs need none of the rewrites (a dossier has thousands of runs).
_SPECIAL = re.compile(LINE_BREAKS.pattern + "|\t|" + FORBIDDEN.pattern)
_PUNCTUATION = re.compile("[;:!?«»]")


def strip_controls(text: object) -> str:
    """`text` without the characters no document may hold (line breaks kept as « \\n »)."""
    value = "" if text is None else str(text)
    if not _SPECIAL.search(value):
        return value
    value = LINE_BREAKS.sub("\n", value).replace("\t", " ")
    return FORBIDDEN.sub("", value)


def clean_text(text: object) -> str:
    """Document-ready text: controls removed, NFC, French typography, long words breakable."""
    value = strip_controls(text)
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    if _PUNCTUATION.search(value):
        value = french.typography(value, french.FRENCH)
    if len(value) > LONGEST_WORD:
        value = _WORD.sub(_break_long, value)
    return value


SAFE_SCHEMES = ("https://", "http://", "mailto:")


def safe_href(href: object) -> str | None:
    """A link target a document may carry: http(s) or mailto, without controls or spaces
    (anything else, `javascript:` first, is dropped and the text stays plain)."""
    if href is None:
        return None
    value = strip_controls(href).strip()
    if not value or len(value) > 2000 or any(c.isspace() for c in value):
        return None
    if not value.lower().startswith(SAFE_SCHEMES):
        return None
    return value
