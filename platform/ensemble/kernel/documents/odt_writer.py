"""The document model as ODT (OpenDocument text), for LibreOffice users.

The package is written directly (content, styles, meta, manifest): odfpy's element tree
cost ten times more than the text it produces. Every text goes through `_text` (XML
escaping); the model has already removed the characters XML forbids. The result is read
back with odfpy and rendered by LibreOffice in the tests.

Headings use LibreOffice's own « Heading n » styles (the navigator, the table of contents
and the PDF export's bookmarks find them); each list is a list of its own, so its numbering
restarts; tables get the fitted column widths of `layout.fit_columns`, repeat their header
row and keep small tables on one page; the cover has a master page without header or
footer.
"""

from __future__ import annotations

import io
import zipfile
from typing import TypedDict
from xml.sax.saxutils import escape, quoteattr

from ensemble.kernel.documents import layout
from ensemble.kernel.documents.fonts import FAMILY
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

MIMETYPE = "application/vnd.oasis.opendocument.text"
INK = "#1a1a1a"
HEADING_INK = "#12343b"
MUTED = "#4a5a5e"
LINK = "#0b4f8a"
HEADER_FILL = "#e3ecee"
GROUP_FILL = "#f1f5f6"
BORDER = "0.5pt solid #8a9a9e"
BULLETS = ("•", "◦", "▪")


class _ParagraphPreset(TypedDict, total=False):
    size: float
    italic: bool
    color: str
    indent: float


# Paragraph.style → the properties it adds to the paragraph's automatic style.
_PARAGRAPH_PRESETS: dict[str, _ParagraphPreset] = {
    "note": {"size": 9, "italic": True, "color": MUTED},
    "small": {"size": 8.5},
    "lead": {"size": 11.5},
    "quote": {"italic": True, "indent": 8 * layout.MM},
}

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
    ' xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
    ' xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
    ' office:version="1.3"'
)


def _pt(value: float) -> str:
    return f"{value:.2f}pt"


def _text(value: str) -> str:
    """Escaped text with its spaces kept (ODF collapses runs of spaces otherwise)."""
    out = escape(value)
    if "  " in out:
        out = out.replace("  ", " <text:s/>")
    return out


class _Writer:
    def __init__(self, document: Document) -> None:
        self.source = document
        self.automatic: list[str] = []  # automatic styles of content.xml
        self._styles: dict[tuple, str] = {}
        self.body: list[str] = []
        self._tables = 0

    # --- Automatic styles ----------------------------------------------------------------

    def paragraph_style(
        self,
        *,
        size: float | None = None,
        bold: bool = False,
        italic: bool = False,
        color: str | None = None,
        align: str = "left",
        indent: float = 0,
        margin_top: float | None = None,
        margin_bottom: float | None = None,
        keep_next: bool = False,
        master: str | None = None,
        break_after: bool = False,
        parent: str = "Standard",
    ) -> str:
        """The name of an automatic paragraph style with these properties (made once)."""
        key = ("p", size, bold, italic, color, align, indent, margin_top, margin_bottom,
               keep_next, master, break_after, parent)  # fmt: skip
        if key in self._styles:
            return self._styles[key]
        name = f"P{len(self._styles)}"
        paragraph = []
        if align != "left":
            paragraph.append(f'fo:text-align="{"end" if align == "right" else "center"}"')
        if indent:
            paragraph.append(f'fo:margin-left="{_pt(indent)}"')
        if margin_top is not None:
            paragraph.append(f'fo:margin-top="{_pt(margin_top)}"')
        if margin_bottom is not None:
            paragraph.append(f'fo:margin-bottom="{_pt(margin_bottom)}"')
        if keep_next:
            paragraph.append('fo:keep-with-next="always"')
        if break_after:
            paragraph.append('fo:break-after="page"')
        text = []
        if size:
            text.append(f'fo:font-size="{_pt(size)}"')
        if bold:
            text.append('fo:font-weight="bold"')
        if italic:
            text.append('fo:font-style="italic"')
        if color:
            text.append(f'fo:color="{color}"')
        master_attribute = f' style:master-page-name="{master}"' if master else ""
        self.automatic.append(
            f'<style:style style:name="{name}" style:family="paragraph"'
            f' style:parent-style-name="{parent}"{master_attribute}>'
            + (f"<style:paragraph-properties {' '.join(paragraph)}/>" if paragraph else "")
            + (f"<style:text-properties {' '.join(text)}/>" if text else "")
            + "</style:style>"
        )
        self._styles[key] = name
        return name

    def cell_style(self, fill: str | None, rule: bool) -> str:
        key = ("cell", fill, rule)
        if key not in self._styles:
            name = f"C{len(self._styles)}"
            borders = (
                f'fo:border-top="1.2pt solid {HEADING_INK}" fo:border-bottom="{BORDER}"'
                f' fo:border-left="{BORDER}" fo:border-right="{BORDER}"'
                if rule
                else f'fo:border="{BORDER}"'
            )
            background = f' fo:background-color="{fill}"' if fill else ""
            self.automatic.append(
                f'<style:style style:name="{name}" style:family="table-cell">'
                f"<style:table-cell-properties {borders}{background}"
                f' fo:padding-left="{_pt(layout.CELL_PADDING_PT)}"'
                f' fo:padding-right="{_pt(layout.CELL_PADDING_PT)}"'
                ' fo:padding-top="0.8mm" fo:padding-bottom="0.8mm"/></style:style>'
            )
            self._styles[key] = name
        return self._styles[key]

    def blank_cell_style(self) -> str:
        """The empty place beside a lone signature box: no border but the shared one."""
        key = ("blank-cell",)
        if key not in self._styles:
            name = f"C{len(self._styles)}"
            self.automatic.append(
                f'<style:style style:name="{name}" style:family="table-cell">'
                f'<style:table-cell-properties fo:border="none" fo:border-left="{BORDER}"/>'
                "</style:style>"
            )
            self._styles[key] = name
        return self._styles[key]

    def list_style(self, block: ListBlock) -> str:
        """A list style for this list's kinds per depth (numbered or bulleted)."""
        kinds: list[bool] = []

        def walk(lst: ListBlock, depth: int) -> None:
            if len(kinds) <= depth:
                kinds.append(lst.numbered)
            for item in lst.items:
                for child in item.children:
                    walk(child, depth + 1)

        walk(block, 0)
        kinds = (kinds + [False] * 3)[:3]
        key = ("list", *kinds)
        if key in self._styles:
            return self._styles[key]
        name = f"L{len(self._styles)}"
        levels = []
        for depth, numbered in enumerate(kinds, start=1):
            properties = (
                "<style:list-level-properties text:list-level-position-and-space-mode="
                '"label-alignment"><style:list-level-label-alignment'
                f' text:label-followed-by="listtab" text:list-tab-stop-position="{6 * depth}mm"'
                f' fo:text-indent="-5mm" fo:margin-left="{6 * depth}mm"/>'
                "</style:list-level-properties>"
            )
            if numbered:
                levels.append(
                    f'<text:list-level-style-number text:level="{depth}" style:num-format="1"'
                    f' style:num-suffix=".">{properties}</text:list-level-style-number>'
                )
            else:
                levels.append(
                    f'<text:list-level-style-bullet text:level="{depth}"'
                    f' text:bullet-char="{BULLETS[depth - 1]}">{properties}'
                    "</text:list-level-style-bullet>"
                )
        self.automatic.append(
            f'<text:list-style style:name="{name}">{"".join(levels)}</text:list-style>'
        )
        self._styles[key] = name
        return name

    # --- Inline text ---------------------------------------------------------------------

    @staticmethod
    def runs(content: tuple[Run, ...]) -> str:
        out = []
        for run in content:
            text = "<text:line-break/>".join(_text(line) for line in run.text.split("\n"))
            span = ("Gras" if run.bold else "") + ("Italique" if run.italic else "")
            if run.href:
                text = (
                    f'<text:a xlink:type="simple" xlink:href={quoteattr(run.href)}>'
                    f'<text:span text:style-name="Lien">{text}</text:span></text:a>'
                )
            if span:
                text = f'<text:span text:style-name="{span}">{text}</text:span>'
            out.append(text)
        return "".join(out)

    def p(self, style: str, content: tuple[Run, ...] = (), *, heading: int = 0) -> str:
        if heading:
            return (
                f'<text:h text:style-name="{style}" text:outline-level="{heading}">'
                f"{self.runs(content)}</text:h>"
            )
        return f'<text:p text:style-name="{style}">{self.runs(content)}</text:p>'

    # --- Blocks --------------------------------------------------------------------------

    def block(self, block: Block) -> None:
        if isinstance(block, Heading):
            self.body.append(
                self.p(f"Heading_20_{block.level}", block.content, heading=block.level)
            )
        elif isinstance(block, Paragraph):
            self.paragraph(block)
        elif isinstance(block, ListBlock):
            self.body.append(self.list_block(block, self.list_style(block)))
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Chart):
            # Word processors get the chart's figures: its data table.
            self.table(block.data_table())
        elif isinstance(block, SignatureBlock):
            self.signatures(block)
        elif isinstance(block, PageBreak):
            self.body.append(self.page_break())
        else:
            raise TypeError(f"not a document block: {block!r}")

    def page_break(self) -> str:
        return self.p(self.paragraph_style(size=1, margin_top=0, margin_bottom=0, break_after=True))

    def paragraph(self, block: Paragraph) -> None:
        options = _PARAGRAPH_PRESETS.get(block.style, {})
        style = self.paragraph_style(align=block.align, keep_next=block.keep_with_next, **options)
        self.body.append(self.p(style, block.content))

    def list_block(self, block: ListBlock, list_style: str, nested: bool = False) -> str:
        item_style = self.paragraph_style(margin_bottom=2)
        items = []
        for item in block.items:
            children = "".join(
                self.list_block(child, list_style, nested=True) for child in item.children
            )
            items.append(
                f"<text:list-item>{self.p(item_style, item.content)}{children}</text:list-item>"
            )
        opening = "<text:list>" if nested else f'<text:list text:style-name="{list_style}">'
        return f"{opening}{''.join(items)}</text:list>"

    # --- Tables --------------------------------------------------------------------------

    def _table_start(self, widths: list[float], name: str, keep_together: bool) -> str:
        self._tables += 1
        table = f"Tableau{self._tables}"
        keep = ' style:may-break-between-rows="false"' if keep_together else ""
        self.automatic.append(
            f'<style:style style:name="{table}" style:family="table"><style:table-properties'
            f' style:width="{_pt(sum(widths))}" table:align="left" fo:margin-top="1mm"'
            f' fo:margin-bottom="3mm"{keep}/></style:style>'
        )
        columns = []
        for index, width in enumerate(widths):
            self.automatic.append(
                f'<style:style style:name="{table}.{index}" style:family="table-column">'
                f'<style:table-column-properties style:column-width="{_pt(width)}"/>'
                "</style:style>"
            )
            columns.append(f'<table:table-column table:style-name="{table}.{index}"/>')
        title = quoteattr(f"{name[:60]} {self._tables}")
        return f'<table:table table:name={title} table:style-name="{table}">{"".join(columns)}'

    def table(self, block: Table) -> None:
        widths = layout.fit_columns(block)
        size = layout.table_size(block)
        if block.caption and block.show_caption:
            caption = self.paragraph_style(
                bold=True, color=HEADING_INK, keep_next=True, margin_top=4, size=9.5
            )
            self.body.append(self.p(caption, (Run(block.caption),)))
        parts = [self._table_start(widths, block.caption or "Tableau", block.keep_together)]
        head_cell = self.cell_style(HEADER_FILL, False)
        head = "".join(
            f'<table:table-cell office:value-type="string" table:style-name="{head_cell}">'
            + self.p(
                self.paragraph_style(size=size, bold=True, align=column.align, margin_bottom=0),
                (Run(column.title),),
            )
            + "</table:table-cell>"
            for column in block.columns
        )
        parts.append(f"<table:table-header-rows><table:table-row>{head}</table:table-row>")
        parts.append("</table:table-header-rows>")
        for row in block.rows:
            strong = row.kind in ("group", "total")
            cell_style = self.cell_style(GROUP_FILL if strong else None, row.kind == "total")
            cells = []
            for start, value in block.placed(row):
                column = block.columns[start]
                span = f' table:number-columns-spanned="{value.span}"' if value.span > 1 else ""
                paragraph = self.p(
                    self.paragraph_style(
                        size=size,
                        bold=strong or value.bold,
                        align=column.align,
                        indent=layout.INDENT_PT * value.indent,
                        margin_bottom=0,
                    ),
                    value.content,
                )
                cells.append(
                    f'<table:table-cell office:value-type="string"'
                    f' table:style-name="{cell_style}"{span}>{paragraph}</table:table-cell>'
                    + "<table:covered-table-cell/>"
                    * (value.span - 1)
                )
            parts.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
        parts.append("</table:table>")
        self.body.append("".join(parts))

    def signatures(self, block: SignatureBlock) -> None:
        signers = list(block.signers)
        if not signers:
            return
        width = layout.TEXT_WIDTH_PT / 2
        parts = [self._table_start([width, width], "Signatures", True)]
        cell_style = self.cell_style(None, False)
        role = self.paragraph_style(bold=True, keep_next=True)
        line = self.paragraph_style(keep_next=True, margin_top=6)
        for start in range(0, len(signers), 2):
            cells = []
            for signer in (signers[start : start + 2] + [None])[:2]:
                paragraphs = []
                if signer is not None:
                    paragraphs.append(self.p(role, (Run(signer.role),)))
                    if signer.name:
                        paragraphs.append(self.p(line, (Run(signer.name),)))
                    for field in signer.fields:
                        dots = "" if field == "Signature" else " ……………………………"
                        paragraphs.append(self.p(line, (Run(f"{field} :{dots}"),)))
                    if "Signature" in signer.fields:
                        paragraphs += [self.p(line)] * 4
                cells.append(
                    f'<table:table-cell office:value-type="string" table:style-name='
                    f'"{cell_style if paragraphs else self.blank_cell_style()}">'
                    f"{''.join(paragraphs) or self.p(line)}</table:table-cell>"
                )
            parts.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
        parts.append("</table:table>")
        self.body.append("".join(parts))

    # --- Cover ---------------------------------------------------------------------------

    def cover(self, cover: Cover) -> None:
        first = self.paragraph_style(master="Couverture", margin_top=20 * layout.MM)
        self.body.append(self.p(first))
        self.body.append(self.p("Title", (Run(cover.title),)))
        if cover.subtitle:
            subtitle = self.paragraph_style(size=13, margin_bottom=10 * layout.MM)
            self.body.append(self.p(subtitle, (Run(cover.subtitle),)))
        label = self.paragraph_style(
            size=9, bold=True, color=MUTED, margin_top=6, margin_bottom=0, keep_next=True
        )
        value = self.paragraph_style(size=11)
        for name, fact in cover.facts:
            self.body.append(self.p(label, (Run(name),)))
            self.body.append(self.p(value, (Run(fact),)))
        if cover.note:
            note = self.paragraph_style(size=9, margin_top=10 * layout.MM)
            self.body.append(self.p(note, (Run(cover.note),)))
        self.body.append(self.page_break())

    # --- The package ---------------------------------------------------------------------

    def _styles_xml(self) -> str:
        language, _, country = self.source.language.partition("-")
        headings = "".join(
            f'<style:style style:name="Heading_20_{level}" style:display-name="Heading {level}"'
            ' style:family="paragraph" style:parent-style-name="Standard"'
            f' style:next-style-name="Standard" style:default-outline-level="{level}"'
            ' style:class="text"><style:paragraph-properties'
            f' fo:margin-top="{_pt(14 if level == 1 else 9)}" fo:margin-bottom="{_pt(4)}"'
            ' fo:keep-with-next="always"/><style:text-properties'
            f' fo:font-size="{_pt(size)}" fo:font-weight="bold" fo:color="{HEADING_INK}"/>'
            "</style:style>"
            for level, size in layout.HEADING_PT.items()
        )
        running = (
            '<style:style style:name="Entete" style:family="paragraph"'
            ' style:parent-style-name="Standard">'
            '<style:paragraph-properties fo:margin-bottom="0pt">'
            f'<style:tab-stops><style:tab-stop style:position="{_pt(layout.TEXT_WIDTH_PT)}"'
            ' style:type="right"/></style:tab-stops></style:paragraph-properties>'
            f'<style:text-properties fo:font-size="8pt" fo:color="{MUTED}"/></style:style>'
        )
        spans = (
            '<style:style style:name="Gras" style:family="text"><style:text-properties'
            ' fo:font-weight="bold"/></style:style>'
            '<style:style style:name="Italique" style:family="text"><style:text-properties'
            ' fo:font-style="italic"/></style:style>'
            '<style:style style:name="GrasItalique" style:family="text"><style:text-properties'
            ' fo:font-weight="bold" fo:font-style="italic"/></style:style>'
            '<style:style style:name="Lien" style:family="text"><style:text-properties'
            f' fo:color="{LINK}" style:text-underline-style="solid"'
            ' style:text-underline-width="auto" style:text-underline-color="font-color"/>'
            "</style:style>"
        )

        def page(name: str, top: float, bottom: float, running: bool) -> str:
            head = (
                '<style:header-style><style:header-footer-properties fo:min-height="0mm"'
                f' fo:margin-bottom="{layout.MARGIN_TOP_MM - 14}mm"/></style:header-style>'
                '<style:footer-style><style:header-footer-properties fo:min-height="0mm"'
                f' fo:margin-top="{layout.MARGIN_BOTTOM_MM - 13}mm"/></style:footer-style>'
                if running
                else ""
            )
            return (
                f'<style:page-layout style:name="{name}"><style:page-layout-properties'
                f' fo:page-width="{layout.PAGE_WIDTH_MM}mm"'
                f' fo:page-height="{layout.PAGE_HEIGHT_MM}mm" style:print-orientation="portrait"'
                f' fo:margin-left="{layout.MARGIN_MM}mm" fo:margin-right="{layout.MARGIN_MM}mm"'
                f' fo:margin-top="{top}mm" fo:margin-bottom="{bottom}mm"/>{head}'
                "</style:page-layout>"
            )

        header = (
            '<style:header><text:p text:style-name="Entete">'
            f"{self.runs((Run(self.source.header),))}</text:p></style:header>"
            if self.source.header
            else ""
        )
        footer = (
            '<style:footer><text:p text:style-name="Entete">'
            f"{self.runs((Run(self.source.footer),))}"
            '<text:tab/>Page <text:page-number text:select-page="current">1</text:page-number>'
            " sur <text:page-count>1</text:page-count></text:p></style:footer>"
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NAMESPACES}>'
            f'<office:font-face-decls><style:font-face style:name="{FAMILY}"'
            f' svg:font-family="\'{FAMILY}\'" style:font-family-generic="swiss"'
            ' style:font-pitch="variable"/></office:font-face-decls>'
            '<office:styles><style:default-style style:family="paragraph">'
            '<style:paragraph-properties fo:margin-bottom="1.4mm" fo:line-height="115%"/>'
            f'<style:text-properties style:font-name="{FAMILY}" style:font-name-asian="{FAMILY}"'
            f' style:font-name-complex="{FAMILY}" fo:font-size="{_pt(layout.BODY_PT)}"'
            f' fo:color="{INK}" fo:language="{language}" fo:country="{country or "FR"}"/>'
            "</style:default-style>"
            '<style:style style:name="Standard" style:family="paragraph" style:class="text"/>'
            f"{headings}"
            '<style:style style:name="Title" style:family="paragraph"'
            ' style:parent-style-name="Standard"><style:paragraph-properties'
            ' fo:margin-bottom="4mm"/><style:text-properties'
            f' fo:font-size="{_pt(layout.TITLE_PT)}" fo:font-weight="bold"'
            f' fo:color="{HEADING_INK}"/></style:style>{running}{spans}</office:styles>'
            f"<office:automatic-styles>{page('PageA4', 10, 9, True)}"
            f"{page('PageCouverture', layout.MARGIN_TOP_MM, layout.MARGIN_BOTTOM_MM, False)}"
            "</office:automatic-styles><office:master-styles>"
            f'<style:master-page style:name="Standard" style:page-layout-name="PageA4">'
            f"{header}{footer}</style:master-page>"
            '<style:master-page style:name="Couverture" style:page-layout-name="PageCouverture"'
            ' style:next-style-name="Standard"/></office:master-styles></office:document-styles>'
        )

    def _meta_xml(self) -> str:
        source = self.source
        fields = [f"<dc:title>{_text(source.title)}</dc:title>"]
        fields.append(f"<dc:language>{_text(source.language)}</dc:language>")
        if source.author:
            fields.append(f"<dc:creator>{_text(source.author)}</dc:creator>")
            fields.append(f"<meta:initial-creator>{_text(source.author)}</meta:initial-creator>")
        if source.subject:
            fields.append(f"<dc:subject>{_text(source.subject)}</dc:subject>")
        fields.append("<meta:generator>Ensemble</meta:generator>")
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {NAMESPACES}>'
            f"<office:meta>{''.join(fields)}</office:meta></office:document-meta>"
        )

    def write(self) -> bytes:
        if self.source.cover is not None:
            self.cover(self.source.cover)
        else:
            self.body.append(self.p("Title", (Run(self.source.title),)))
        for block in self.source.blocks:
            self.block(block)
        content = (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}>'
            f'<office:font-face-decls><style:font-face style:name="{FAMILY}"'
            f' svg:font-family="\'{FAMILY}\'" style:font-family-generic="swiss"'
            ' style:font-pitch="variable"/></office:font-face-decls>'
            f"<office:automatic-styles>{''.join(self.automatic)}</office:automatic-styles>"
            f"<office:body><office:text>{''.join(self.body)}</office:text></office:body>"
            "</office:document-content>"
        )
        manifest = (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
            ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
            ' manifest:version="1.3">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"'
            ' manifest:version="1.3"/>'
            + "".join(
                f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="text/xml"/>'
                for name in ("content.xml", "styles.xml", "meta.xml")
            )
            + "</manifest:manifest>"
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            # The media type first and uncompressed: how applications recognise the file.
            package.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, zipfile.ZIP_STORED)
            package.writestr("META-INF/manifest.xml", manifest)
            package.writestr("content.xml", content)
            package.writestr("styles.xml", self._styles_xml())
            package.writestr("meta.xml", self._meta_xml())
        return buffer.getvalue()


def to_odt(document: Document) -> bytes:
    return _Writer(document).write()
