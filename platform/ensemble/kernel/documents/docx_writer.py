"""The document model as DOCX, for funders and partners who edit in Word.

python-docx gives the package: the default template's styles (restyled here), the
numbering part, header and footer, the relationships of hyperlinks. The body is written as
WordprocessingML text and parsed once: python-docx's per-element API took half a second
for a dossier, this takes a few milliseconds. Every text goes through `_text` (XML
escaping); the model has already removed the characters XML forbids.

What the body carries: one numbering instance per list (every list restarts at 1), real
hyperlinks, fixed table widths from `layout.fit_columns`, header rows repeated on every
page, rows that never split, amount cells that never wrap, small tables kept on one page,
page numbers as fields (« Page 2 sur 9 »).
"""

from __future__ import annotations

import functools
import io
import itertools
from xml.sax.saxutils import escape, quoteattr

from ensemble.kernel.documents import layout
from ensemble.kernel.documents.fonts import FALLBACK, FAMILY
from ensemble.kernel.documents.model import (
    Block,
    Chart,
    Cover,
    Document,
    Heading,
    ListBlock,
    PageBreak,
    Paragraph,
    Run,
    SignatureBlock,
    Table,
)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"

INK = "1A1A1A"
HEADING_INK = "12343B"
MUTED = "4A5A5E"
LINK = "0B4F8A"
HEADER_FILL = "E3ECEE"
GROUP_FILL = "F1F5F6"
BULLETS = ("•", "◦", "▪")
ALIGN = {"left": "left", "right": "right", "center": "center"}


def _twips(points: float) -> int:
    return round(points * 20)


def _half_points(points: float) -> int:
    return round(points * 2)


def _text(value: str) -> str:
    return escape(value)


@functools.lru_cache(maxsize=4)
def _template(language: str) -> bytes:
    """python-docx's default template restyled for our documents, made once per language
    (opening and restyling it cost more than writing a dossier's body)."""
    from docx import Document as Docx

    d = Docx()
    _restyle(d, language)
    # Word substitutes a missing face from its font table entry: DejaVu Sans is a swiss
    # (sans serif) face, Arial the closest on a machine without it.
    fonts = next(r.target_part for r in d.part.rels.values() if r.reltype.endswith("/fontTable"))
    fonts._blob = fonts.blob.replace(
        b"</w:fonts>",
        f'<w:font w:name="{FAMILY}"><w:altName w:val="{FALLBACK}"/>'
        '<w:panose1 w:val="020B0603030804020204"/><w:charset w:val="00"/>'
        '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font></w:fonts>'.encode(),
    )
    buffer = io.BytesIO()
    d.save(buffer)
    return buffer.getvalue()


def _restyle(d, language: str) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    section = d.sections[0]
    section.page_width = Mm(layout.PAGE_WIDTH_MM)
    section.page_height = Mm(layout.PAGE_HEIGHT_MM)
    section.left_margin = section.right_margin = Mm(layout.MARGIN_MM)
    section.top_margin = Mm(layout.MARGIN_TOP_MM)
    section.bottom_margin = Mm(layout.MARGIN_BOTTOM_MM)
    section.header_distance = section.footer_distance = Mm(9)

    # Defaults for every run: the typeface (all scripts) and the language.
    defaults = d.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), language)

    normal = d.styles["Normal"]
    normal.font.size = Pt(layout.BODY_PT)
    normal.font.color.rgb = RGBColor.from_string(INK)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    normal.paragraph_format.line_spacing = 1.15
    for level, size in layout.HEADING_PT.items():
        style = d.styles[f"Heading {level}"]
        _fonts(style.element.get_or_add_rPr())
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = RGBColor.from_string(HEADING_INK)
        style.paragraph_format.space_before = Pt(14 if level == 1 else 9)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    title = d.styles["Title"]
    _fonts(title.element.get_or_add_rPr())
    title.font.size = Pt(layout.TITLE_PT)
    title.font.bold = True
    title.font.color.rgb = RGBColor.from_string(HEADING_INK)
    title.paragraph_format.space_after = Pt(10)


def _fonts(rpr) -> None:
    """Name the typeface for every script, and drop the theme fonts that override it."""
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FAMILY)


class _Writer:
    def __init__(self, document: Document) -> None:
        from docx import Document as Docx

        self.source = document
        self.docx = Docx(io.BytesIO(_template(document.language)))
        self.part = self.docx.part
        self._numbering_ids = itertools.count(1000)
        self._numbering: list[tuple[str, str]] = []  # (abstract, instance) definitions
        self._links: dict[str, str] = {}
        self.body: list[str] = []
        d = self.docx
        self.styles = {
            name: d.styles[name].style_id
            for name in ("Title", "List Paragraph", "Table Grid")
            + tuple(f"Heading {n}" for n in layout.HEADING_PT)
        }
        core = d.core_properties
        core.title = document.title
        core.author = document.author
        core.subject = document.subject
        core.language = document.language
        core.comments = ""

    def _link_id(self, href: str) -> str:
        if href not in self._links:
            self._links[href] = self.part.relate_to(href, HYPERLINK, is_external=True)
        return self._links[href]

    # --- Runs and paragraphs (as XML text) -----------------------------------------------

    def runs(
        self,
        content: tuple[Run, ...],
        *,
        size: float | None = None,
        bold: bool = False,
        italic: bool = False,
        color: str | None = None,
    ) -> str:
        out = []
        for run in content:
            properties = []
            if run.bold or bold:
                properties.append("<w:b/><w:bCs/>")
            if run.italic or italic:
                properties.append("<w:i/><w:iCs/>")
            if run.href:
                properties.append(f'<w:color w:val="{LINK}"/>')
            elif color:
                properties.append(f'<w:color w:val="{color}"/>')
            if size:
                properties.append(f'<w:sz w:val="{_half_points(size)}"/>')
                properties.append(f'<w:szCs w:val="{_half_points(size)}"/>')
            if run.href:
                properties.append('<w:u w:val="single"/>')
            rpr = f"<w:rPr>{''.join(properties)}</w:rPr>" if properties else ""
            pieces = [
                f'<w:t xml:space="preserve">{_text(line)}</w:t>' if line else ""
                for line in run.text.split("\n")
            ]
            xml = f"<w:r>{rpr}{'<w:br/>'.join(pieces)}</w:r>"
            if run.href:
                xml = f'<w:hyperlink r:id="{self._link_id(run.href)}">{xml}</w:hyperlink>'
            out.append(xml)
        return "".join(out)

    @staticmethod
    def ppr(
        *,
        style: str | None = None,
        keep_next: bool = False,
        numbering: tuple[int, int] | None = None,
        before: float | None = None,
        after: float | None = None,
        indent: float = 0,
        align: str = "left",
    ) -> str:
        parts = []
        if style:
            parts.append(f'<w:pStyle w:val="{style}"/>')
        if keep_next:
            parts.append("<w:keepNext/>")
        if numbering:
            parts.append(
                f'<w:numPr><w:ilvl w:val="{numbering[1]}"/><w:numId w:val="{numbering[0]}"/>'
                "</w:numPr>"
            )
        if before is not None or after is not None:
            spacing = ""
            if before is not None:
                spacing += f' w:before="{_twips(before)}"'
            if after is not None:
                spacing += f' w:after="{_twips(after)}"'
            parts.append(f"<w:spacing{spacing}/>")
        if indent:
            parts.append(f'<w:ind w:left="{_twips(indent)}"/>')
        if align != "left":
            parts.append(f'<w:jc w:val="{ALIGN[align]}"/>')
        return f"<w:pPr>{''.join(parts)}</w:pPr>" if parts else ""

    def p(self, runs_xml: str, **properties) -> str:
        return f"<w:p>{self.ppr(**properties)}{runs_xml}</w:p>"

    # --- Blocks --------------------------------------------------------------------------

    def block(self, block: Block) -> None:
        if isinstance(block, Heading):
            self.body.append(
                self.p(self.runs(block.content), style=self.styles[f"Heading {block.level}"])
            )
        elif isinstance(block, Paragraph):
            self.paragraph(block)
        elif isinstance(block, ListBlock):
            self.list_block(block, self._new_numbering(block), 0)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Chart):
            # Word processors get the chart's figures: its data table.
            self.table(block.data_table())
        elif isinstance(block, SignatureBlock):
            self.signatures(block)
        elif isinstance(block, PageBreak):
            self.body.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        else:
            raise TypeError(f"not a document block: {block!r}")

    def paragraph(self, block: Paragraph) -> None:
        size = {"note": 9, "small": 8.5, "lead": 11.5}.get(block.style)
        runs = self.runs(
            block.content,
            size=size,
            italic=block.style in ("note", "quote"),
            color=MUTED if block.style == "note" else None,
        )
        indent = 8 * layout.MM if block.style == "quote" else 0
        # A note (« Rédigée par … ») stays with what it introduces.
        self.body.append(
            self.p(runs, indent=indent, align=block.align, keep_next=block.keep_with_next)
        )

    # Lists: one abstract numbering and one instance per top-level list -----------------

    def _new_numbering(self, block: ListBlock) -> int:
        kinds: list[bool] = []  # numbered or not, per depth (the first list met there)

        def walk(lst: ListBlock, depth: int) -> None:
            if len(kinds) <= depth:
                kinds.append(lst.numbered)
            for item in lst.items:
                for child in item.children:
                    walk(child, depth + 1)

        walk(block, 0)
        kinds = (kinds + [False] * 3)[:3]
        levels = []
        for depth, numbered in enumerate(kinds):
            left, hanging = 360 + 360 * depth, 300
            if numbered:
                fmt, text, font = "decimal", f"%{depth + 1}.", ""
            else:
                fmt, text = "bullet", BULLETS[depth]
                font = f'<w:rPr><w:rFonts w:ascii="{FAMILY}" w:hAnsi="{FAMILY}"/></w:rPr>'
            levels.append(
                f'<w:lvl w:ilvl="{depth}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/></w:pPr>{font}</w:lvl>'
            )
        number = next(self._numbering_ids)
        self._numbering.append(
            (
                f'<w:abstractNum w:abstractNumId="{number}">'
                f'<w:multiLevelType w:val="hybridMultilevel"/>{"".join(levels)}</w:abstractNum>',
                f'<w:num w:numId="{number}"><w:abstractNumId w:val="{number}"/></w:num>',
            )
        )
        return number

    def _write_numbering(self) -> None:
        """Every list's definitions, parsed at once; abstract ones before every instance."""
        from docx.oxml import parse_xml
        from docx.oxml.ns import qn

        if not self._numbering:
            return
        numbering = self.part.numbering_part.element
        abstracts = parse_xml(
            f'<w:numbering xmlns:w="{W}">{"".join(a for a, _ in self._numbering)}</w:numbering>'
        )
        instances = parse_xml(
            f'<w:numbering xmlns:w="{W}">{"".join(n for _, n in self._numbering)}</w:numbering>'
        )
        first_instance = numbering.find(qn("w:num"))
        for element in list(abstracts):
            if first_instance is not None:
                first_instance.addprevious(element)
            else:
                numbering.append(element)
        for element in list(instances):
            numbering.append(element)

    def list_block(self, block: ListBlock, num_id: int, depth: int) -> None:
        for item in block.items:
            self.body.append(
                self.p(
                    self.runs(item.content),
                    style=self.styles["List Paragraph"],
                    numbering=(num_id, min(depth, 2)),
                    after=2,
                )
            )
            for child in item.children:
                self.list_block(child, num_id, depth + 1)

    # Tables -----------------------------------------------------------------------------

    def _table_start(self, widths: list[float], caption: str) -> str:
        padding = _twips(layout.CELL_PADDING_PT)
        grid = "".join(f'<w:gridCol w:w="{_twips(w)}"/>' for w in widths)
        caption_xml = f"<w:tblCaption w:val={quoteattr(caption[:250])}/>" if caption else ""
        return (
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.styles["Table Grid"]}"/>'
            f'<w:tblW w:w="{sum(_twips(w) for w in widths)}" w:type="dxa"/>'
            '<w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:top w:w="45" w:type="dxa"/><w:left w:w="{padding}" w:type="dxa"/>'
            f'<w:bottom w:w="45" w:type="dxa"/><w:right w:w="{padding}" w:type="dxa"/>'
            f'</w:tblCellMar><w:tblLook w:val="0020" w:firstRow="1" w:lastRow="0"'
            f' w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>{caption_xml}'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        )

    @staticmethod
    def _cell(
        width: float,
        paragraphs: str,
        *,
        span: int = 1,
        fill: str | None = None,
        nowrap: bool = False,
        rule: bool = False,
        borderless: bool = False,
    ) -> str:
        properties = [f'<w:tcW w:w="{_twips(width)}" w:type="dxa"/>']
        if span > 1:
            properties.append(f'<w:gridSpan w:val="{span}"/>')
        if borderless:  # the empty place beside a lone signature box
            properties.append(
                "<w:tcBorders>"
                + "".join(f'<w:{side} w:val="nil"/>' for side in ("top", "bottom", "right"))
                + "</w:tcBorders>"
            )
        elif rule:
            properties.append(
                '<w:tcBorders><w:top w:val="single" w:sz="12" w:space="0"'
                f' w:color="{HEADING_INK}"/></w:tcBorders>'
            )
        if fill:
            properties.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>')
        if nowrap:
            properties.append("<w:noWrap/>")
        return f"<w:tc><w:tcPr>{''.join(properties)}</w:tcPr>{paragraphs}</w:tc>"

    @staticmethod
    def _row(cells: str, *, header: bool = False) -> str:
        marks = "<w:cantSplit/>" + ("<w:tblHeader/>" if header else "")
        return f"<w:tr><w:trPr>{marks}</w:trPr>{cells}</w:tr>"

    def table(self, block: Table) -> None:
        widths = layout.fit_columns(block)
        size = layout.table_size(block)
        if block.caption and block.show_caption:
            self.body.append(
                self.p(
                    self.runs((Run(block.caption),), bold=True, color=HEADING_INK),
                    keep_next=True,
                    before=4,
                )
            )
        parts = [self._table_start(widths, block.caption)]
        head = "".join(
            self._cell(
                width,
                self.p(
                    self.runs((Run(column.title),), size=size, bold=True),
                    keep_next=True,
                    after=0,
                    align=column.align,
                ),
                fill=HEADER_FILL,
            )
            for column, width in zip(block.columns, widths, strict=True)
        )
        parts.append(self._row(head, header=True))
        last = len(block.rows) - 1
        for number, row in enumerate(block.rows):
            strong = row.kind in ("group", "total")
            cells = []
            for start, value in block.placed(row):
                column = block.columns[start]
                paragraph = self.p(
                    self.runs(value.content, size=size, bold=strong or value.bold),
                    keep_next=block.keep_together and number < last,
                    after=0,
                    indent=layout.INDENT_PT * value.indent,
                    align=column.align,
                )
                cells.append(
                    self._cell(
                        sum(widths[start : start + value.span]),
                        paragraph,
                        span=value.span,
                        fill=GROUP_FILL if strong else None,
                        nowrap=column.nowrap and value.span == 1,
                        rule=row.kind == "total",
                    )
                )
            parts.append(self._row("".join(cells)))
        parts.append("</w:tbl>")
        self.body.append("".join(parts))
        # Air after the table, as in the PDF.
        self.body.append(self.p("", after=2))

    def signatures(self, block: SignatureBlock) -> None:
        signers = list(block.signers)
        if not signers:
            return
        width = layout.TEXT_WIDTH_PT / 2
        parts = [self._table_start([width, width], "Signatures")]
        for start in range(0, len(signers), 2):
            cells = []
            for signer in (signers[start : start + 2] + [None])[:2]:
                paragraphs = []
                if signer is not None:
                    paragraphs.append(
                        self.p(self.runs((Run(signer.role),), bold=True), keep_next=True)
                    )
                    if signer.name:
                        paragraphs.append(self.p(self.runs((Run(signer.name),)), keep_next=True))
                    for field in signer.fields:
                        dots = "" if field == "Signature" else " ……………………………"
                        paragraphs.append(
                            self.p(self.runs((Run(f"{field} :{dots}"),)), keep_next=True, before=6)
                        )
                    if "Signature" in signer.fields:
                        paragraphs += [self.p("", keep_next=True)] * 4
                cells.append(
                    self._cell(width, "".join(paragraphs))
                    if paragraphs
                    else self._cell(width, self.p(""), borderless=True)
                )
            parts.append(self._row("".join(cells)))
        parts.append("</w:tbl>")
        self.body.append("".join(parts))
        self.body.append(self.p(""))

    # --- Cover, running header and footer ------------------------------------------------

    def cover(self, cover: Cover) -> None:
        self.body.append(self.p("", before=20 * layout.MM))
        self.body.append(self.p(self.runs((Run(cover.title),)), style=self.styles["Title"]))
        if cover.subtitle:
            self.body.append(
                self.p(self.runs((Run(cover.subtitle),), size=13), after=10 * layout.MM)
            )
        for label, value in cover.facts:
            self.body.append(
                self.p(
                    self.runs((Run(label),), size=9, bold=True, color=MUTED),
                    before=6,
                    after=0,
                    keep_next=True,
                )
            )
            self.body.append(self.p(self.runs((Run(value),), size=11)))
        if cover.note:
            self.body.append(self.p(self.runs((Run(cover.note),), size=9), before=10 * layout.MM))
        self.body.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def header_and_footer(self) -> None:
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        section = self.docx.sections[0]
        if self.source.cover is not None:
            section.different_first_page_header_footer = True

        def small(text: str) -> str:
            return self.runs((Run(text),), size=8, color=MUTED)

        if self.source.header:
            header = section.header
            header._element.remove(header.paragraphs[0]._p)
            header._element.append(
                parse_xml(f"<w:p {nsdecls('w', 'r')}>{small(self.source.header)}</w:p>")
            )
        footer = section.footer
        footer._element.remove(footer.paragraphs[0]._p)

        def field(instruction: str) -> str:
            return (
                f'<w:fldSimple w:instr="{instruction}"><w:r><w:rPr><w:color w:val="{MUTED}"/>'
                '<w:sz w:val="16"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>'
            )

        # The template's footer style stops tabs at Letter width: clear them, stop at our edge.
        tabs = (
            '<w:tabs><w:tab w:val="clear" w:pos="4680"/><w:tab w:val="clear" w:pos="9360"/>'
            f'<w:tab w:val="right" w:pos="{_twips(layout.TEXT_WIDTH_PT)}"/></w:tabs>'
        )
        footer._element.append(
            parse_xml(
                f'<w:p {nsdecls("w", "r")}><w:pPr><w:pStyle w:val="Footer"/>{tabs}</w:pPr>'
                f"{small(self.source.footer)}"
                f'<w:r><w:rPr><w:sz w:val="16"/></w:rPr><w:tab/></w:r>'
                f"{small('Page ')}{field('PAGE')}"
                f"{small(' sur ')}{field('NUMPAGES')}</w:p>"
            )
        )

    def write(self) -> bytes:
        from docx.oxml import parse_xml

        if self.source.cover is not None:
            self.cover(self.source.cover)
        else:
            self.body.append(
                self.p(self.runs((Run(self.source.title),)), style=self.styles["Title"])
            )
        for block in self.source.blocks:
            self.block(block)
        parsed = parse_xml(f'<w:body xmlns:w="{W}" xmlns:r="{R}">{"".join(self.body)}</w:body>')
        body = self.docx.element.body
        section = body.sectPr
        for element in list(parsed):
            section.addprevious(element)
        self._write_numbering()
        self.header_and_footer()
        buffer = io.BytesIO()
        self.docx.save(buffer)
        return buffer.getvalue()


def to_docx(document: Document) -> bytes:
    return _Writer(document).write()
