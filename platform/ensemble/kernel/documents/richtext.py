"""Rich text (the sanitised HTML of the platform's editors) to document blocks.

Headings, paragraphs, line breaks, bulleted and numbered lists (nested too), bold,
italics, links and quotations are kept; any other tag is dropped and its text kept as
text, so even HTML that escaped the sanitiser comes out inert. The content of script,
style and template elements is dropped. Each list of the source is a list of its own in
the document: numbering restarts with it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ensemble.kernel.documents.model import (
    Block,
    Heading,
    ListBlock,
    ListItem,
    Paragraph,
    Run,
)

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
_SILENT = {"script", "style", "template", "head", "title"}
_SPACES = re.compile(r"[ \t\n\r\f]+")
_LINE_BREAKS = re.compile("[\v\u2028\u2029]")
MAX_DEPTH = 3  # deeper lists are read as the third level


@dataclass
class _Item:
    runs: list[Run] = field(default_factory=list)
    children: list[ListBlock] = field(default_factory=list)


@dataclass
class _List:
    numbered: bool
    items: list[_Item] = field(default_factory=list)

    def build(self) -> ListBlock | None:
        items = [
            ListItem(tuple(_trim(i.runs)), i.children)
            for i in self.items
            if _has_text(i.runs) or i.children
        ]
        return ListBlock(items, numbered=self.numbered) if items else None


def _has_text(runs: list[Run]) -> bool:
    return any(r.text.strip() for r in runs)


def _trim(runs: list[Run]) -> list[Run]:
    """Without the leading and trailing blanks the source's indentation leaves."""
    runs = list(runs)
    while runs and not runs[0].text.strip():
        runs.pop(0)
    while runs and not runs[-1].text.strip():
        runs.pop()
    if runs:
        first, last = runs[0], runs[-1]
        runs[0] = Run(first.text.lstrip(), first.bold, first.italic, first.href)
        last = runs[-1]
        runs[-1] = Run(last.text.rstrip(), last.bold, last.italic, last.href)
    return runs


class _Parser(HTMLParser):
    def __init__(self, heading_offset: int) -> None:
        super().__init__(convert_charrefs=True)
        self.heading_offset = heading_offset
        self.blocks: list[Block] = []
        self.lists: list[_List] = []
        self.runs: list[Run] = []
        self.kind: str = "p"  # of the paragraph being read: "p", "quote" or "hN"
        self.bold = self.italic = self.quote = self.silent = 0
        self.overflow = 0  # lists nested deeper than MAX_DEPTH: read as the deepest
        self.href: str | None = None

    # Paragraph-level text ------------------------------------------------------------

    def _flush(self) -> None:
        runs, self.runs = _trim(self.runs), []
        if not _has_text(runs):
            return
        if self.kind in _HEADINGS:
            level = min(4, _HEADINGS[self.kind] + self.heading_offset)
            self.blocks.append(Heading(tuple(runs), level))
        else:
            self.blocks.append(Paragraph(tuple(runs), "quote" if self.quote else "body"))
        self.kind = "p"

    def _item(self) -> _Item:
        top = self.lists[-1]
        if not top.items:
            top.items.append(_Item())
        return top.items[-1]

    def _add(self, run: Run) -> None:
        if self.lists:
            self._item().runs.append(run)
        else:
            self.runs.append(run)

    # Parser callbacks ----------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SILENT:
            self.silent += 1
        elif tag in _HEADINGS or tag in ("p", "div"):
            if not self.lists:
                self._flush()
                self.kind = tag if tag in _HEADINGS else "p"
        elif tag in ("ul", "ol"):
            self._flush()
            if len(self.lists) >= MAX_DEPTH:
                self.overflow += 1
            else:
                self.lists.append(_List(tag == "ol"))
        elif tag == "li":
            if not self.lists:
                self._flush()
                self.lists.append(_List(False))
            self.lists[-1].items.append(_Item())
        elif tag == "blockquote":
            self._flush()
            self.quote += 1
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag == "br":
            self._add(Run("\n", bool(self.bold), bool(self.italic)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._add(Run("\n", bool(self.bold), bool(self.italic)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SILENT:
            self.silent = max(0, self.silent - 1)
        elif (tag in _HEADINGS or tag in ("p", "div")) and not self.lists:
            self._flush()
        elif tag in ("ul", "ol") and self.overflow:
            self.overflow -= 1
        elif tag in ("ul", "ol") and self.lists:
            built = self.lists.pop().build()
            if built is None:
                return
            if self.lists:
                self._item().children.append(built)
            else:
                self.blocks.append(built)
        elif tag == "blockquote":
            self._flush()
            self.quote = max(0, self.quote - 1)
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "a":
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.silent or not data:
            return
        # White space collapses as in HTML; <br> breaks a line, and so do Word's manual
        # line break (a vertical tab) and the Unicode line separators, pasted as text.
        for index, line in enumerate(_LINE_BREAKS.split(data)):
            if index:
                self._add(Run("\n", bool(self.bold), bool(self.italic)))
            if line:
                self._add(
                    Run(_SPACES.sub(" ", line), bool(self.bold), bool(self.italic), self.href)
                )

    def finish(self) -> list[Block]:
        self.close()
        while self.lists:
            self.handle_endtag("ul" if not self.lists[-1].numbered else "ol")
        self._flush()
        return self.blocks


def from_html(body: str | None, heading_offset: int = 0) -> list[Block]:
    """The blocks of a rich text. `heading_offset` shifts its headings down (an h2 of a
    section written under a level-1 numbered heading stays level 2 with offset 0)."""
    return list(_parsed(body or "", heading_offset))


@functools.lru_cache(maxsize=512)
def _parsed(body: str, heading_offset: int) -> tuple[Block, ...]:
    # Blocks are immutable: a section exported again (another format, another partner)
    # is not parsed again.
    parser = _Parser(heading_offset)
    parser.feed(body)
    return tuple(parser.finish())
