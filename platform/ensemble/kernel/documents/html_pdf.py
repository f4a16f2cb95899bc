"""The document model as HTML, and that HTML as a tagged PDF (WeasyPrint, PDF/UA-1).

Every string is escaped here (markupsafe): a payload in a section's text is printed, never
interpreted. WeasyPrint is given a URL fetcher that fetches nothing, so no document can
make the server read a file or call a URL. The stylesheet is parsed once per process.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from markupsafe import Markup, escape

from ensemble.kernel.documents import layout
from ensemble.kernel.documents.chart_svg import bar_chart_svg
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

STYLESHEET = Path(__file__).with_name("document.css")
PDF_VARIANT = "pdf/ua-1"

_lock = threading.Lock()


def _inline(content: tuple[Run, ...]) -> Markup:
    out = []
    for run in content:
        text = escape(run.text).replace("\n", Markup("<br>"))
        if run.bold:
            text = Markup("<strong>%s</strong>") % text
        if run.italic:
            text = Markup("<em>%s</em>") % text
        if run.href:
            text = Markup('<a href="%s">%s</a>') % (run.href, text)
        out.append(text)
    return Markup("").join(out)


def _list(block: ListBlock) -> Markup:
    opening, closing = (
        (Markup("<ol>"), Markup("</ol>")) if block.numbered else (Markup("<ul>"), Markup("</ul>"))
    )
    items = []
    for item in block.items:
        children = Markup("").join(_list(child) for child in item.children)
        items.append(Markup("<li>%s%s</li>") % (_inline(item.content), children))
    return opening + Markup("").join(items) + closing


def _table(table: Table) -> Markup:
    widths = layout.fit_columns(table)
    total = sum(widths)
    cols = Markup("").join(
        Markup('<col style="width: %.3f%%">') % (100 * w / total) for w in widths
    )
    head = Markup("").join(
        Markup('<th scope="col" class="%s">%s</th>') % (c.align, c.title) for c in table.columns
    )
    rows = []
    for row in table.rows:
        cells = []
        for start, cell in table.placed(row):
            column = table.columns[start]
            classes: list[str] = [column.align]
            if column.nowrap and cell.span == 1:
                classes += ["nowrap", "num"]
            if cell.indent:
                classes.append(f"indent-{cell.indent}")
            if cell.bold:
                classes.append("bold")
            span = Markup(' colspan="%d"') % cell.span if cell.span > 1 else Markup("")
            cells.append(
                Markup('<td class="%s"%s>%s</td>')
                % (" ".join(classes), span, _inline(cell.content))
            )
        rows.append(Markup('<tr class="%s">%s</tr>') % (row.kind, Markup("").join(cells)))
    caption = (
        Markup("<caption>%s</caption>") % table.caption
        if table.caption and table.show_caption
        else Markup("")
    )
    return Markup(
        '<table class="%s">%s<colgroup>%s</colgroup><thead><tr>%s</tr></thead>'
        "<tbody>%s</tbody></table>"
    ) % (
        " ".join(
            c for c in ("small" if table.small else "", "keep" if table.keep_together else "") if c
        )
        or "grid",
        caption,
        cols,
        head,
        Markup("").join(rows),
    )


def _signatures(block: SignatureBlock) -> Markup:
    boxes = []
    for signer in block.signers:
        fields = Markup("").join(
            Markup('<p class="field">%s\u00a0: ……………………………</p>') % f
            for f in signer.fields
            if f != "Signature"
        )
        space = (
            Markup('<p class="field">Signature\u00a0:</p><div class="space"></div>')
            if "Signature" in signer.fields
            else Markup("")
        )
        name = Markup('<p class="name">%s</p>') % signer.name if signer.name else Markup("")
        boxes.append(
            Markup('<div class="signer"><p class="role">%s</p>%s%s%s</div>')
            % (signer.role, name, fields, space)
        )
    return Markup('<div class="signatures">%s</div>') % Markup("").join(boxes)


def _block(block: Block) -> Markup:
    if isinstance(block, Heading):
        level = block.level + 1  # h1 is the document's title
        return Markup("<h{0}>{1}</h{0}>").format(level, _inline(block.content))
    if isinstance(block, Paragraph):
        keep = "keep" if block.keep_with_next else ""
        classes = " ".join(
            c for c in (block.style, block.align, keep) if c and c not in ("body", "left")
        )
        attribute = Markup(' class="%s"') % classes if classes else Markup("")
        return Markup("<p%s>%s</p>") % (attribute, _inline(block.content))
    if isinstance(block, ListBlock):
        return _list(block)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, SignatureBlock):
        return _signatures(block)
    if isinstance(block, PageBreak):
        return Markup('<div class="page-break"></div>')
    if isinstance(block, Chart):
        # The drawing is decorative for a screen reader (aria-hidden): the data table
        # that follows carries the same figures, and is what the PDF's tags expose.
        return Markup('<figure class="chart">%s%s</figure>') % (
            bar_chart_svg(block, hidden=True),
            _table(block.data_table()),
        )
    raise TypeError(f"not a document block: {block!r}")


def _cover(cover: Cover) -> Markup:
    facts = Markup("").join(
        Markup("<div><dt>%s</dt><dd>%s</dd></div>") % (label, value) for label, value in cover.facts
    )
    subtitle = (
        Markup('<p class="subtitle">%s</p>') % cover.subtitle if cover.subtitle else Markup("")
    )
    note = Markup('<p class="note">%s</p>') % cover.note if cover.note else Markup("")
    return Markup('<section class="cover"><h1>%s</h1>%s<dl>%s</dl>%s</section>') % (
        cover.title,
        subtitle,
        facts,
        note,
    )


def to_html(document: Document) -> str:
    """The document as a standalone HTML page (the PDF's source; also a preview)."""
    head = Markup(
        '<meta charset="utf-8"><title>%s</title><meta name="author" content="%s">'
        '<meta name="description" content="%s"><meta name="generator" content="Ensemble">'
    ) % (document.title, document.author, document.subject)
    running = Markup("")
    if document.header:
        running += Markup('<div class="running-header">%s</div>') % document.header
    running += Markup('<div class="running-footer">%s</div>') % document.footer
    if document.cover is not None:
        opening = _cover(document.cover)
    else:
        opening = Markup("<h1>%s</h1>") % document.title
    body = Markup("").join(_block(b) for b in document.blocks)
    return str(
        Markup('<!DOCTYPE html><html lang="%s"><head>%s</head><body>%s%s%s</body></html>')
        % (document.language, head, running, opening, body)
    )


def _page_css(has_cover: bool) -> str:
    margins = (
        f"{layout.MARGIN_TOP_MM}mm {layout.MARGIN_MM}mm {layout.MARGIN_BOTTOM_MM}mm"
        f" {layout.MARGIN_MM}mm"
    )
    box = f'font-family: "{FAMILY}", sans-serif; font-size: 8pt; color: #4a5a5e;'
    css = (
        f"@page {{ size: A4; margin: {margins};"
        f" @top-left {{ content: element(header); {box} vertical-align: bottom; }}"
        f" @bottom-left {{ content: element(footer); {box} }}"
        f' @bottom-right {{ content: "Page " counter(page) " sur " counter(pages); {box} }} }}'
    )
    if has_cover:
        css += " @page :first { @top-left { content: none; } @bottom-left { content: none; }"
        css += " @bottom-right { content: none; } }"
    return css


@functools.cache
def _no_fetch():
    """A URL fetcher that refuses every URL (no file, no network, no data: image)."""
    from weasyprint import URLFetcher

    class NoFetch(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            raise ValueError(f"documents fetch nothing: {url[:80]}")

    return NoFetch(allowed_protocols=())


@functools.cache
def _stylesheets(has_cover: bool) -> list:
    from weasyprint import CSS

    with _lock:
        return [
            CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=_no_fetch()),
            CSS(string=_page_css(has_cover), url_fetcher=_no_fetch()),
        ]


def to_pdf(document: Document) -> bytes:
    """A tagged PDF (PDF/UA-1: structure tree, /Lang, title shown in the window bar), its
    font embedded and subset."""
    from weasyprint import HTML

    source = HTML(string=to_html(document), url_fetcher=_no_fetch(), base_url=None)
    return source.write_pdf(
        stylesheets=_stylesheets(document.cover is not None),
        pdf_variant=PDF_VARIANT,
        custom_metadata=False,
    )
