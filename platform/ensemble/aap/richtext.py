"""Section texts as rich text: the only HTML ever stored (sanitised by nh3, one
block per line), read back as plain lines (diffs, plain-text views) or as
blocks of formatted runs (DOCX, ODT and PDF exports)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "strong",
    "b",
    "em",
    "i",
    "a",
    "blockquote",
}


_CONTROLS = re.compile("[\x00-\x08\x0c\x0e-\x1f\x7f]")


def sanitize(raw: str) -> str:
    """The only HTML that is ever stored: headings, paragraphs, lists, bold,
    italics and http(s)/mailto links, nothing else (no attributes but href)."""
    cleaned = nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # nh3 decodes « &#0; » or « &#27; » into raw control characters: removed after
    # it, not only before (the form's cleaning sees the entity, not the character).
    # A vertical tab is Word's manual line break, which the exports honour: kept.
    cleaned = _CONTROLS.sub("", cleaned)
    # One block per line: readable in the editor, and the unit of the three-way merge.
    cleaned = _BLOCK_END.sub(r"\1\n", cleaned)
    return cleaned.strip()


_BLOCK_END = re.compile(
    r"(</(?:h2|h3|h4|p|li|ul|ol|blockquote)>|<(?:ul|ol|blockquote)>|<br>)[ \t]*\n?"
)


_BLOCK = re.compile(r"</?(?:h[1-6]|p|li|ul|ol|blockquote)\b[^>]*>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def text_lines(body: str) -> list[str]:
    """The readable lines of a section's HTML, for diffs and plain-text views."""
    text = _TAG.sub("", _BLOCK.sub("\n", body or ""))
    return [line.strip() for line in html.unescape(text).split("\n") if line.strip()]


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None


@dataclass
class Block:
    kind: str  # "p", "h2", "h3", "h4", "ul", "ol", "quote"
    runs: list[Run]


class _Blocks(HTMLParser):
    """Sanitised section HTML to blocks of formatted runs (for DOCX and PDF)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.lists: list[str] = []
        self.bold = self.italic = 0
        self.href: str | None = None
        self.current: Block | None = None
        self.quote = False

    def _open(self, kind: str) -> None:
        self._close()
        self.current = Block(kind, [])

    def _close(self) -> None:
        if self.current and "".join(r.text for r in self.current.runs).strip():
            self.blocks.append(self.current)
        self.current = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3", "h4"):
            self._open(tag)
        elif tag == "p":
            self._open("quote" if self.quote else "p")
        elif tag in ("ul", "ol"):
            self._close()
            self.lists.append(tag)
        elif tag == "li":
            self._open(self.lists[-1] if self.lists else "ul")
        elif tag == "blockquote":
            self._close()
            self.quote = True
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag == "br" and self.current:
            self.current.runs.append(Run("\n"))

    def handle_endtag(self, tag):
        if tag in ("h2", "h3", "h4", "p", "li"):
            self._close()
        elif tag in ("ul", "ol") and self.lists:
            self._close()
            self.lists.pop()
        elif tag == "blockquote":
            self._close()
            self.quote = False
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "a":
            self.href = None

    def handle_data(self, data):
        if not data.strip() and self.current is None:
            return
        if self.current is None:
            self.current = Block("quote" if self.quote else "p", [])
        self.current.runs.append(Run(data, self.bold > 0, self.italic > 0, self.href))


def blocks(body: str) -> list[Block]:
    parser = _Blocks()
    parser.feed(body or "")
    parser.close()
    parser._close()
    return parser.blocks
