"""The document model as ODT (odfpy), for LibreOffice users.

Headings use LibreOffice's own « Heading n » styles (the navigator, the table of contents
and the PDF export's bookmarks find them); each list is a list of its own, so its numbering
restarts; tables get the fitted column widths of `layout.fit_columns` and repeat their
header row; the cover page has a master page without header or footer.
"""

from __future__ import annotations

import io

from ensemble.kernel.documents import layout
from ensemble.kernel.documents.fonts import FAMILY
from ensemble.kernel.documents.model import (
    Block,
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

INK = "#1a1a1a"
HEADING_INK = "#12343b"
MUTED = "#4a5a5e"
LINK = "#0b4f8a"
HEADER_FILL = "#e3ecee"
GROUP_FILL = "#f1f5f6"
BORDER = "0.5pt solid #8a9a9e"
BULLETS = ("•", "◦", "▪")


def _pt(value: float) -> str:
    return f"{value:.2f}pt"


class _Writer:
    def __init__(self, document: Document) -> None:
        from odf.opendocument import OpenDocumentText

        self.source = document
        self.odt = OpenDocumentText()
        self.body = self.odt.text
        self._styles: dict[tuple, object] = {}
        self._tables = 0
        self._lists = 0
        self._setup()

    # --- Styles --------------------------------------------------------------------------

    def _setup(self) -> None:
        from odf import dc, meta, style

        language, _, country = self.source.language.partition("-")
        o = self.odt
        o.meta.addElement(dc.Title(text=self.source.title))
        o.meta.addElement(dc.Language(text=self.source.language))
        if self.source.author:
            o.meta.addElement(dc.Creator(text=self.source.author))
            o.meta.addElement(meta.InitialCreator(text=self.source.author))
        if self.source.subject:
            o.meta.addElement(dc.Subject(text=self.source.subject))
        o.fontfacedecls.addElement(
            style.FontFace(
                name=FAMILY,
                fontfamily=f"'{FAMILY}'",
                fontfamilygeneric="swiss",
                fontpitch="variable",
            )
        )
        default = style.DefaultStyle(family="paragraph")
        default.addElement(style.ParagraphProperties(marginbottom="1.4mm", lineheight="115%"))
        default.addElement(
            style.TextProperties(
                fontname=FAMILY,
                fontnameasian=FAMILY,
                fontnamecomplex=FAMILY,
                fontsize=_pt(layout.BODY_PT),
                color=INK,
                language=language,
                country=country or "FR",
            )
        )
        o.styles.addElement(default)
        standard = style.Style(name="Standard", family="paragraph", attributes={"class": "text"})
        o.styles.addElement(standard)

        for level, size in layout.HEADING_PT.items():
            heading = style.Style(
                name=f"Heading_20_{level}",
                displayname=f"Heading {level}",
                family="paragraph",
                parentstylename="Standard",
                nextstylename="Standard",
                defaultoutlinelevel=str(level),
                attributes={"class": "text"},
            )
            heading.addElement(
                style.ParagraphProperties(
                    margintop=_pt(14 if level == 1 else 9),
                    marginbottom=_pt(4),
                    keepwithnext="always",
                )
            )
            heading.addElement(
                style.TextProperties(fontsize=_pt(size), fontweight="bold", color=HEADING_INK)
            )
            o.styles.addElement(heading)
        title = style.Style(name="Title", family="paragraph", parentstylename="Standard")
        title.addElement(style.ParagraphProperties(marginbottom="4mm"))
        title.addElement(
            style.TextProperties(
                fontsize=_pt(layout.TITLE_PT), fontweight="bold", color=HEADING_INK
            )
        )
        o.styles.addElement(title)

        # Pages: A4, a running header and a footer with « Page n sur N »; the cover's
        # master page has neither.
        page = style.PageLayout(name="PageA4")
        page.addElement(
            style.PageLayoutProperties(
                pagewidth=f"{layout.PAGE_WIDTH_MM}mm",
                pageheight=f"{layout.PAGE_HEIGHT_MM}mm",
                printorientation="portrait",
                marginleft=f"{layout.MARGIN_MM}mm",
                marginright=f"{layout.MARGIN_MM}mm",
                margintop="10mm",
                marginbottom="9mm",
            )
        )
        header_style = style.HeaderStyle()
        header_style.addElement(
            style.HeaderFooterProperties(
                minheight="0mm", marginbottom=f"{layout.MARGIN_TOP_MM - 14}mm"
            )
        )
        footer_style = style.FooterStyle()
        footer_style.addElement(
            style.HeaderFooterProperties(
                minheight="0mm", margintop=f"{layout.MARGIN_BOTTOM_MM - 13}mm"
            )
        )
        page.addElement(header_style)
        page.addElement(footer_style)
        o.automaticstyles.addElement(page)
        cover_page = style.PageLayout(name="PageCouverture")
        cover_page.addElement(
            style.PageLayoutProperties(
                pagewidth=f"{layout.PAGE_WIDTH_MM}mm",
                pageheight=f"{layout.PAGE_HEIGHT_MM}mm",
                printorientation="portrait",
                marginleft=f"{layout.MARGIN_MM}mm",
                marginright=f"{layout.MARGIN_MM}mm",
                margintop=f"{layout.MARGIN_TOP_MM}mm",
                marginbottom=f"{layout.MARGIN_BOTTOM_MM}mm",
            )
        )
        o.automaticstyles.addElement(cover_page)

        running = self._paragraph_style(size=8, color=MUTED, tab_stop=True)
        master = style.MasterPage(name="Standard", pagelayoutname=page)
        if self.source.header:
            header = style.Header()
            header.addElement(self._p(running, (Run(self.source.header),)))
            master.addElement(header)
        footer = style.Footer()
        footer.addElement(self._footer_paragraph(running))
        master.addElement(footer)
        o.masterstyles.addElement(master)
        cover_master = style.MasterPage(
            name="Couverture", pagelayoutname=cover_page, nextstylename="Standard"
        )
        o.masterstyles.addElement(cover_master)

        for name, props in (
            ("Gras", {"fontweight": "bold"}),
            ("Italique", {"fontstyle": "italic"}),
            ("GrasItalique", {"fontweight": "bold", "fontstyle": "italic"}),
            ("Lien", {"color": LINK, "textunderlinestyle": "solid", "textunderlinewidth": "auto",
                      "textunderlinecolor": "font-color"}),
        ):  # fmt: skip
            span = style.Style(name=name, family="text")
            span.addElement(style.TextProperties(**props))
            o.automaticstyles.addElement(span)
            self._styles[("span", name)] = span

    def _footer_paragraph(self, paragraph_style):
        from odf import text

        paragraph = self._p(paragraph_style, (Run(self.source.footer),))
        paragraph.addElement(text.Tab())
        paragraph.addText("Page ")
        paragraph.addElement(text.PageNumber(selectpage="current", text="1"))
        paragraph.addText(" sur ")
        paragraph.addElement(text.PageCount(text="1"))
        return paragraph

    def _paragraph_style(
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
        tab_stop: bool = False,
        parent: str | None = None,
    ):
        """One automatic paragraph style per combination of properties, made once."""
        from odf import style

        key = ("p", size, bold, italic, color, align, indent, margin_top, margin_bottom,
               keep_next, master, break_after, tab_stop, parent)  # fmt: skip
        if key in self._styles:
            return self._styles[key]
        attributes = {"name": f"P{len(self._styles)}", "family": "paragraph"}
        if master:
            attributes["masterpagename"] = master
        created = style.Style(parentstylename=parent or "Standard", **attributes)
        paragraph: dict[str, str] = {}
        if align != "left":
            paragraph["textalign"] = {"right": "end", "center": "center"}[align]
        if indent:
            paragraph["marginleft"] = _pt(indent)
        if margin_top is not None:
            paragraph["margintop"] = _pt(margin_top)
        if margin_bottom is not None:
            paragraph["marginbottom"] = _pt(margin_bottom)
        if keep_next:
            paragraph["keepwithnext"] = "always"
        if break_after:
            paragraph["breakafter"] = "page"
        properties = style.ParagraphProperties(**paragraph)
        if tab_stop:
            stops = style.TabStops()
            stops.addElement(style.TabStop(position=_pt(layout.TEXT_WIDTH_PT), type="right"))
            properties.addElement(stops)
        created.addElement(properties)
        props: dict[str, str] = {}
        if size:
            props["fontsize"] = _pt(size)
        if bold:
            props["fontweight"] = "bold"
        if italic:
            props["fontstyle"] = "italic"
        if color:
            props["color"] = color
        if props:
            created.addElement(style.TextProperties(**props))
        self.odt.automaticstyles.addElement(created)
        self._styles[key] = created
        return created

    def _cell_style(self, fill: str | None, rule: bool):
        from odf import style

        key = ("cell", fill, rule)
        if key not in self._styles:
            created = style.Style(name=f"C{len(self._styles)}", family="table-cell")
            props = {
                "border": BORDER,
                "paddingleft": _pt(layout.CELL_PADDING_PT),
                "paddingright": _pt(layout.CELL_PADDING_PT),
                "paddingtop": "0.8mm",
                "paddingbottom": "0.8mm",
            }
            if rule:
                props.pop("border")
                props.update(
                    bordertop="1.2pt solid #12343b",
                    borderbottom=BORDER,
                    borderleft=BORDER,
                    borderright=BORDER,
                )
            if fill:
                props["backgroundcolor"] = fill
            created.addElement(style.TableCellProperties(**props))
            self.odt.automaticstyles.addElement(created)
            self._styles[key] = created
        return self._styles[key]

    # --- Inline text ---------------------------------------------------------------------

    def _p(self, paragraph_style, content: tuple[Run, ...], *, heading: int = 0):
        from odf import text

        element = (
            text.H(outlinelevel=heading, stylename=paragraph_style)
            if heading
            else text.P(stylename=paragraph_style)
        )
        self._runs(element, content)
        return element

    def _runs(self, element, content: tuple[Run, ...]) -> None:
        from odf import text

        for run in content:
            name = ("Gras" if run.bold else "") + ("Italique" if run.italic else "")
            target = text.Span(stylename=self._styles[("span", name)]) if name else element
            holder = target
            if run.href:
                holder = text.A(href=run.href, type="simple")
                span = text.Span(stylename=self._styles[("span", "Lien")])
                holder.addElement(span)
                target.addElement(holder)
                holder = span
            for index, line in enumerate(run.text.split("\n")):
                if index:
                    holder.addElement(text.LineBreak())
                if line:
                    holder.addText(line)
            if target is not element:
                element.addElement(target)

    # --- Blocks --------------------------------------------------------------------------

    def block(self, block: Block) -> None:
        if isinstance(block, Heading):
            self.body.addElement(
                self._p(f"Heading_20_{block.level}", block.content, heading=block.level)
            )
        elif isinstance(block, Paragraph):
            self.paragraph(block)
        elif isinstance(block, ListBlock):
            self.body.addElement(self.list(block, self._list_style(block)))
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, SignatureBlock):
            self.signatures(block)
        elif isinstance(block, PageBreak):
            self.body.addElement(
                self.odt_p(self._paragraph_style(size=1, margin_top=0, margin_bottom=0,
                                                 break_after=True))
            )  # fmt: skip
        else:
            raise TypeError(f"not a document block: {block!r}")

    def odt_p(self, paragraph_style):
        from odf import text

        return text.P(stylename=paragraph_style)

    def paragraph(self, block: Paragraph) -> None:
        options = {
            "note": {"size": 9, "italic": True, "color": MUTED},
            "small": {"size": 8.5},
            "lead": {"size": 11.5},
            "quote": {"italic": True, "indent": 8 * layout.MM},
        }.get(block.style, {})
        paragraph_style = self._paragraph_style(align=block.align, **options)
        self.body.addElement(self._p(paragraph_style, block.content))

    def _list_style(self, block: ListBlock):
        """A list style for this list's kinds per depth (numbered or bulleted)."""
        from odf import style, text

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
        self._lists += 1
        created = text.ListStyle(name=f"Liste{self._lists}")
        for depth, numbered in enumerate(kinds, start=1):
            if numbered:
                level = text.ListLevelStyleNumber(level=depth, numformat="1", numsuffix=".")
            else:
                level = text.ListLevelStyleBullet(level=depth, bulletchar=BULLETS[depth - 1])
            level.addElement(
                style.ListLevelProperties(
                    spacebefore=f"{6 * depth - 6 + 1:.1f}mm", minlabelwidth="5mm"
                )
            )
            created.addElement(level)
        self.odt.automaticstyles.addElement(created)
        self._styles[key] = created
        return created

    def list(self, block: ListBlock, list_style, nested: bool = False):
        from odf import text

        element = text.List() if nested else text.List(stylename=list_style)
        item_style = self._paragraph_style(margin_bottom=2)
        for item in block.items:
            entry = text.ListItem()
            entry.addElement(self._p(item_style, item.content))
            for child in item.children:
                entry.addElement(self.list(child, list_style, nested=True))
            element.addElement(entry)
        return element

    # --- Tables --------------------------------------------------------------------------

    def _table_shell(self, widths: list[float], name: str, keep_together: bool = False):
        from odf import style, table

        self._tables += 1
        table_style = style.Style(name=f"Tableau{self._tables}", family="table")
        properties = {"width": _pt(sum(widths)), "align": "left", "margintop": "1mm",
                      "marginbottom": "3mm"}  # fmt: skip
        if keep_together:
            properties["maybreakbetweenrows"] = "false"
        table_style.addElement(style.TableProperties(**properties))
        self.odt.automaticstyles.addElement(table_style)
        element = table.Table(name=f"{name} {self._tables}"[:60], stylename=table_style)
        for index, width in enumerate(widths):
            column_style = style.Style(name=f"Tableau{self._tables}.{index}", family="table-column")
            column_style.addElement(style.TableColumnProperties(columnwidth=_pt(width)))
            self.odt.automaticstyles.addElement(column_style)
            element.addElement(table.TableColumn(stylename=column_style))
        return element

    def table(self, block: Table) -> None:
        from odf import table

        widths = layout.fit_columns(block)
        size = layout.table_size(block)
        if block.caption and block.show_caption:
            caption = self._paragraph_style(bold=True, color=HEADING_INK, keep_next=True,
                                            margin_top=4, size=9.5)  # fmt: skip
            self.body.addElement(self._p(caption, (Run(block.caption),)))
        element = self._table_shell(widths, block.caption or "Tableau", block.keep_together)
        head = table.TableHeaderRows()
        row = table.TableRow()
        for column in block.columns:
            cell = table.TableCell(
                valuetype="string", stylename=self._cell_style(HEADER_FILL, False)
            )
            paragraph_style = self._paragraph_style(size=size, bold=True, align=column.align,
                                                    margin_bottom=0)  # fmt: skip
            cell.addElement(self._p(paragraph_style, (Run(column.title),)))
            row.addElement(cell)
        head.addElement(row)
        element.addElement(head)
        for source in block.rows:
            row = table.TableRow()
            strong = source.kind in ("group", "total")
            cell_style = self._cell_style(GROUP_FILL if strong else None, source.kind == "total")
            for start, value in block.placed(source):
                column = block.columns[start]
                attributes = {"valuetype": "string", "stylename": cell_style}
                if value.span > 1:
                    attributes["numbercolumnsspanned"] = value.span
                cell = table.TableCell(**attributes)
                paragraph_style = self._paragraph_style(
                    size=size,
                    bold=strong or value.bold,
                    align=column.align,
                    indent=layout.INDENT_PT * value.indent,
                    margin_bottom=0,
                )
                cell.addElement(self._p(paragraph_style, value.content))
                row.addElement(cell)
                for _ in range(value.span - 1):
                    row.addElement(table.CoveredTableCell())
            element.addElement(row)
        self.body.addElement(element)

    def signatures(self, block: SignatureBlock) -> None:
        from odf import table

        signers = list(block.signers)
        if not signers:
            return
        width = layout.TEXT_WIDTH_PT / 2
        element = self._table_shell([width, width], "Signatures")
        cell_style = self._cell_style(None, False)
        role = self._paragraph_style(bold=True, keep_next=True)
        line = self._paragraph_style(keep_next=True, margin_top=6)
        for start in range(0, len(signers), 2):
            row = table.TableRow()
            for signer in (signers[start : start + 2] + [None])[:2]:
                cell = table.TableCell(valuetype="string", stylename=cell_style)
                if signer is not None:
                    cell.addElement(self._p(role, (Run(signer.role),)))
                    if signer.name:
                        cell.addElement(self._p(line, (Run(signer.name),)))
                    for field in signer.fields:
                        dots = "" if field == "Signature" else " ……………………………"
                        cell.addElement(self._p(line, (Run(f"{field} :{dots}"),)))
                    if "Signature" in signer.fields:
                        for _ in range(4):
                            cell.addElement(self._p(line, ()))
                else:
                    cell.addElement(self._p(line, ()))
                row.addElement(cell)
            element.addElement(row)
        self.body.addElement(element)

    # --- Cover ---------------------------------------------------------------------------

    def cover(self, cover: Cover) -> None:
        first = self._paragraph_style(master="Couverture", margin_top=20 * layout.MM)
        self.body.addElement(self._p(first, ()))
        self.body.addElement(self._p("Title", (Run(cover.title),)))
        if cover.subtitle:
            subtitle = self._paragraph_style(size=13, margin_bottom=10 * layout.MM)
            self.body.addElement(self._p(subtitle, (Run(cover.subtitle),)))
        label = self._paragraph_style(size=9, bold=True, color=MUTED, margin_top=6,
                                      margin_bottom=0, keep_next=True)  # fmt: skip
        value = self._paragraph_style(size=11)
        for name, fact in cover.facts:
            self.body.addElement(self._p(label, (Run(name),)))
            self.body.addElement(self._p(value, (Run(fact),)))
        if cover.note:
            note = self._paragraph_style(size=9, margin_top=10 * layout.MM)
            self.body.addElement(self._p(note, (Run(cover.note),)))
        self.body.addElement(
            self.odt_p(self._paragraph_style(size=1, margin_top=0, margin_bottom=0,
                                             break_after=True))
        )  # fmt: skip

    def write(self) -> bytes:
        if self.source.cover is not None:
            self.cover(self.source.cover)
        else:
            self.body.addElement(self._p("Title", (Run(self.source.title),)))
        for block in self.source.blocks:
            self.block(block)
        buffer = io.BytesIO()
        self.odt.write(buffer)
        return buffer.getvalue()


def to_odt(document: Document) -> bytes:
    return _Writer(document).write()
