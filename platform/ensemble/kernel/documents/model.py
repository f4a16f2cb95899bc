"""The document model: what a document says, once, for PDF, DOCX and ODT alike.

A `Document` is a title, an optional `Cover` and a sequence of blocks (`Heading`,
`Paragraph`, `ListBlock`, `Table`, `SignatureBlock`, `PageBreak`). Inline text is a tuple of
`Run`s (bold, italic, link). Every string is cleaned when the object is built (see
`text.clean_text`): a renderer never meets a control character or a bare French space.

Build them with the helpers: `runs("texte")`, `Column.amount("Montant")`, `Cell(...)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from ensemble.kernel.documents.text import clean_text, safe_href

Align = Literal["left", "right", "center"]


@dataclass(frozen=True)
class Run:
    """A piece of text with one formatting; « \\n » inside is a line break."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean_text(self.text))
        object.__setattr__(self, "href", safe_href(self.href))


Inline = str | Run | Sequence[str | Run]


def runs(content: Inline | None, *, bold: bool = False, italic: bool = False) -> tuple[Run, ...]:
    """Inline content as runs: a string, a run or a sequence of both; `bold`/`italic` apply
    to the plain strings."""
    if content is None:
        return ()
    if isinstance(content, Run):
        return (content,)
    if isinstance(content, str) or not isinstance(content, Iterable):
        return (Run(str(content), bold=bold, italic=italic),)
    return tuple(
        item if isinstance(item, Run) else Run(str(item), bold=bold, italic=italic)
        for item in content
    )


def plain(content: tuple[Run, ...]) -> str:
    return "".join(r.text for r in content)


@dataclass(frozen=True)
class Heading:
    """A heading of level 1–4 (1: a part such as a numbered section)."""

    content: tuple[Run, ...]
    level: int = 1

    def __init__(self, content: Inline, level: int = 1) -> None:
        object.__setattr__(self, "content", runs(content))
        object.__setattr__(self, "level", min(4, max(1, int(level))))


ParagraphStyle = Literal["body", "lead", "note", "quote", "small"]


@dataclass(frozen=True)
class Paragraph:
    """Body text. `style`: "body"; "lead" (an introduction, larger); "note" (italic, grey:
    « Rédigée par … »); "quote" (indented); "small" (legal mentions). `keep_with_next`: on
    the same page as what follows (« répartie ainsi : » and its table); a note always is."""

    content: tuple[Run, ...]
    style: ParagraphStyle = "body"
    align: Align = "left"
    keep_with_next: bool = False

    def __init__(
        self,
        content: Inline,
        style: ParagraphStyle = "body",
        align: Align = "left",
        keep_with_next: bool = False,
    ) -> None:
        object.__setattr__(self, "content", runs(content, italic=style == "note"))
        object.__setattr__(self, "style", style)
        object.__setattr__(self, "align", align)
        object.__setattr__(self, "keep_with_next", keep_with_next or style == "note")


@dataclass(frozen=True)
class ListItem:
    content: tuple[Run, ...]
    children: tuple[ListBlock, ...] = ()

    def __init__(self, content: Inline, children: Sequence[ListBlock] = ()) -> None:
        object.__setattr__(self, "content", runs(content))
        object.__setattr__(self, "children", tuple(children))


@dataclass(frozen=True)
class ListBlock:
    """A bulleted or numbered list; every list starts its numbering at 1."""

    items: tuple[ListItem, ...]
    numbered: bool = False

    def __init__(self, items: Sequence[ListItem | Inline], numbered: bool = False) -> None:
        object.__setattr__(
            self,
            "items",
            tuple(i if isinstance(i, ListItem) else ListItem(i) for i in items),
        )
        object.__setattr__(self, "numbered", numbered)


@dataclass(frozen=True)
class Column:
    """A table column. `nowrap`: its cells never wrap (amounts, dates); the width of
    every column is fitted to its content (see layout.fit_columns)."""

    title: str
    align: Align = "left"
    nowrap: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_text(self.title))

    @classmethod
    def text(cls, title: str) -> Column:
        return cls(title)

    @classmethod
    def amount(cls, title: str) -> Column:
        """Right-aligned and never wrapped: « 21 000,00 € » stays on one line."""
        return cls(title, align="right", nowrap=True)


@dataclass(frozen=True)
class Cell:
    content: tuple[Run, ...]
    bold: bool = False
    indent: int = 0  # levels of indentation (a detail line under its account class)
    span: int = 1  # columns it covers (a heading line across the table)

    def __init__(
        self, content: Inline | None = "", bold: bool = False, indent: int = 0, span: int = 1
    ) -> None:
        object.__setattr__(self, "content", runs(content or ""))
        object.__setattr__(self, "bold", bold)
        object.__setattr__(self, "indent", max(0, min(3, indent)))
        object.__setattr__(self, "span", max(1, span))


RowKind = Literal["body", "group", "total"]


@dataclass(frozen=True)
class Row:
    """A table row. "group": a heading line (bold, shaded); "total": bold, ruled above."""

    cells: tuple[Cell, ...]
    kind: RowKind = "body"

    def __init__(self, cells: Sequence[Cell | Inline | None], kind: RowKind = "body") -> None:
        object.__setattr__(
            self, "cells", tuple(c if isinstance(c, Cell) else Cell(c) for c in cells)
        )
        object.__setattr__(self, "kind", kind)


KEEP_TOGETHER_ROWS = 15


@dataclass(frozen=True)
class Table:
    """A table with a header row (repeated on every page) and a caption read by screen
    readers and printed above it when `show_caption`. A table of at most
    KEEP_TOGETHER_ROWS rows is kept on one page (unless `keep_together=False`)."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    caption: str = ""
    show_caption: bool = False
    small: bool = False  # a smaller type for wide tables
    keep_together: bool = False

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Sequence[Row],
        caption: str = "",
        show_caption: bool = False,
        small: bool = False,
        keep_together: bool | None = None,
    ) -> None:
        width = len(columns)
        if width == 0:
            raise ValueError("a table needs at least one column")
        fixed = []
        for row in rows:
            # Every row covers every column exactly: pad a short row, cut a long one.
            cells, covered = [], 0
            for cell in row.cells:
                if covered >= width:
                    break
                if covered + cell.span > width:
                    cell = Cell(cell.content, cell.bold, cell.indent, width - covered)
                cells.append(cell)
                covered += cell.span
            cells += [Cell("")] * (width - covered)
            fixed.append(Row(cells, row.kind))
        object.__setattr__(self, "columns", tuple(columns))
        object.__setattr__(self, "rows", tuple(fixed))
        object.__setattr__(self, "caption", clean_text(caption))
        object.__setattr__(self, "show_caption", show_caption)
        object.__setattr__(self, "small", small)
        object.__setattr__(
            self,
            "keep_together",
            len(fixed) <= KEEP_TOGETHER_ROWS if keep_together is None else keep_together,
        )

    def placed(self, row: Row) -> list[tuple[int, Cell]]:
        """The cells of `row` with the index of the first column each covers."""
        out, column = [], 0
        for cell in row.cells:
            out.append((column, cell))
            column += cell.span
        return out


@dataclass(frozen=True)
class Signer:
    """One signature box: who signs (« Pour l’employeur porteur »), the legal entity, and
    the lines to fill in by hand."""

    role: str
    name: str = ""
    fields: tuple[str, ...] = ("Nom et qualité du signataire", "Fait à", "Le", "Signature")

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", clean_text(self.role))
        object.__setattr__(self, "name", clean_text(self.name))
        object.__setattr__(self, "fields", tuple(clean_text(f) for f in self.fields))


@dataclass(frozen=True)
class SignatureBlock:
    """Signature boxes side by side (two per line), never split across pages."""

    signers: tuple[Signer, ...]

    def __init__(self, signers: Sequence[Signer]) -> None:
        object.__setattr__(self, "signers", tuple(signers))


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Bar:
    """One bar of a `Chart`: its label, its length (None: no bar, only `text`) and the
    words written at its end and in the data table (« 155 », « 84 % », « secret »);
    `note` fills the data table's third column (« 6 centres »)."""

    label: str
    value: Decimal | None
    text: str
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("label", "text", "note"):
            object.__setattr__(self, name, clean_text(getattr(self, name)))
        if self.value is not None and (not self.value.is_finite() or self.value < 0):
            object.__setattr__(self, "value", None)


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart, always followed by its data table: the PDF draws the bars
    (SVG) above the table; DOCX and ODT, and screen readers, have the table. `maximum`
    fixes the scale (100 for shares in percent); otherwise the longest bar fills the line.
    `headings` name the table's columns (label, value, note)."""

    title: str
    bars: tuple[Bar, ...]
    headings: tuple[str, str, str] = ("", "Valeur", "")
    maximum: Decimal | None = None

    def __init__(
        self,
        title: str,
        bars: Sequence[Bar],
        headings: Sequence[str] = ("", "Valeur", ""),
        maximum: Decimal | None = None,
    ) -> None:
        object.__setattr__(self, "title", clean_text(title))
        object.__setattr__(self, "bars", tuple(bars))
        label, value, note = (list(headings) + ["", "", ""])[:3]
        object.__setattr__(
            self, "headings", (clean_text(label), clean_text(value), clean_text(note))
        )
        object.__setattr__(self, "maximum", maximum)

    def data_table(self) -> Table:
        """The chart's figures as a table (its caption is the chart's title)."""
        with_notes = any(bar.note for bar in self.bars) or bool(self.headings[2])
        columns = [Column.text(self.headings[0] or " "), Column.amount(self.headings[1])]
        if with_notes:
            columns.append(Column.amount(self.headings[2]))
        rows = [
            Row([bar.label, bar.text] + ([bar.note] if with_notes else [])) for bar in self.bars
        ]
        return Table(columns, rows, caption=self.title, small=True)


Block = Heading | Paragraph | ListBlock | Table | SignatureBlock | PageBreak | Chart


@dataclass(frozen=True)
class Cover:
    """The first page: a title, a subtitle and labelled facts (« Chef de file : … »);
    it carries no running header. A page break follows it."""

    title: str
    subtitle: str = ""
    facts: tuple[tuple[str, str], ...] = ()
    note: str = ""

    def __init__(
        self,
        title: str,
        subtitle: str = "",
        facts: Sequence[tuple[str, str]] = (),
        note: str = "",
    ) -> None:
        object.__setattr__(self, "title", clean_text(title))
        object.__setattr__(self, "subtitle", clean_text(subtitle))
        object.__setattr__(self, "facts", tuple((clean_text(k), clean_text(v)) for k, v in facts))
        object.__setattr__(self, "note", clean_text(note))


@dataclass(frozen=True)
class Document:
    """A whole document. `header` runs at the top of every page but the cover; the footer
    says `footer` and « Page n sur N ». `language` is a BCP 47 tag (screen readers, spell
    checkers, the PDF's /Lang)."""

    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    cover: Cover | None = None
    author: str = ""
    subject: str = ""
    header: str = ""
    footer: str = ""
    language: str = "fr-FR"

    def __post_init__(self) -> None:
        for name in ("title", "author", "subject", "header", "footer"):
            object.__setattr__(self, name, clean_text(getattr(self, name)))
        object.__setattr__(self, "blocks", tuple(self.blocks))
