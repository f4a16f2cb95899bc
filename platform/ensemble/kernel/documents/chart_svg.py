"""A `Chart` as SVG: horizontal bars, each label on its own line above its bar, the
value written at the bar's end. One drawing for the web pages and the PDF.

Only presentation attributes (no `style`, no script, no external reference): the
page's Content-Security-Policy allows it inline, WeasyPrint draws it as it is. The
drawing is 360 units wide and its text 15 units high, so that a phone drawing it 300 pixels wide
still shows it at 12 pixels or more; the PDF prints it 100 mm wide (text about
11 pt). Colours have a contrast of at least 4.5:1 on white.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from markupsafe import Markup

from ensemble.kernel.documents.model import Chart

WIDTH = 360
ROW = 48
TEXT = 15
BAR_HEIGHT = 14
VALUE_ROOM = 104  # kept right of the longest bar for its value (« 1 234 567 € »)
LABEL_CHARACTERS = 44
BAR_COLOUR = "#1f5fa8"  # 6.4:1 on white
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#4d4d4d"  # 8.5:1 on white
FONT = "DejaVu Sans, Arial, sans-serif"

_ids = count(1)


def _label(text: str) -> str:
    # The data table beside the chart carries the whole label.
    text = text.replace("\u200b", "")
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


def bar_chart_svg(chart: Chart, *, hidden: bool = False, chart_id: str | None = None) -> Markup:
    """The chart as an inline <svg>. `hidden`: aria-hidden (a data table with the same
    figures follows); otherwise role="img" with the title and a description that
    reads every bar."""
    chart_id = chart_id or f"kchart-{next(_ids)}"
    known = [bar.value for bar in chart.bars if bar.value is not None]
    top = chart.maximum or max(known, default=Decimal(0))
    scale = float(top) if top and top > 0 else 1.0
    inner = WIDTH - VALUE_ROOM
    height = ROW * max(len(chart.bars), 1) + 4
    parts = []
    for i, bar in enumerate(chart.bars):
        y = i * ROW
        parts.append(
            Markup('<text x="0" y="%d" font-size="%d" fill="%s">%s</text>')
            % (y + TEXT + 2, TEXT, TEXT_COLOUR, _label(bar.label))
        )
        bar_y = y + TEXT + 8
        if bar.value is None:
            parts.append(
                Markup('<text x="0" y="%d" font-size="%d" font-style="italic" fill="%s">%s</text>')
                % (bar_y + BAR_HEIGHT - 2, TEXT, MUTED_COLOUR, bar.text)
            )
            continue
        width = max(min(float(bar.value) / scale, 1.0) * inner, 2.0)
        parts.append(
            Markup('<rect x="0" y="%d" width="%.1f" height="%d" fill="%s"/>')
            % (bar_y, width, BAR_HEIGHT, BAR_COLOUR)
        )
        parts.append(
            Markup('<text x="%.1f" y="%d" font-size="%d" font-weight="bold" fill="%s">%s</text>')
            % (width + 6, bar_y + BAR_HEIGHT - 2, TEXT, TEXT_COLOUR, bar.text)
        )
    if hidden:
        opening = Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars" viewBox="0 0 %d %d"'
            ' width="%d" height="%d" font-family="%s" aria-hidden="true">'
        ) % (WIDTH, height, WIDTH, height, FONT)
        described = Markup("")
    else:
        opening = Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars" viewBox="0 0 %d %d"'
            ' font-family="%s" role="img" aria-labelledby="%s-t %s-d">'
        ) % (WIDTH, height, FONT, chart_id, chart_id)
        reading = ", ".join(f"{bar.label} : {bar.text}" for bar in chart.bars)
        described = Markup('<title id="%s-t">%s</title><desc id="%s-d">%s</desc>') % (
            chart_id,
            chart.title,
            chart_id,
            reading,
        )
    return opening + described + Markup("").join(parts) + Markup("</svg>")
