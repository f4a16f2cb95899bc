"""Accessible charts as inline SVG, drawn on the server.

Each chart has a title and a description (role="img", aria-labelledby) and is
always followed by its data table in the page, so it reads without sight and
without JavaScript. Colours come from the stylesheet (classes), with enough
contrast; values are labelled on the chart itself.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from markupsafe import Markup, escape

from ensemble.kernel import french

_ids = count(1)
WIDTH, HEIGHT = 640, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 64, 24, 24, 40


def _fmt(value: Decimal) -> str:
    return french.compact_number(value)


def _missing(value) -> str | None:
    """What to write where there is no figure: the words given (« secret », « non
    déclaré »), or « non publié »."""
    if value is None:
        return "non publié"
    return value if isinstance(value, str) else None


def line_chart(title: str, points: list[tuple[str, Decimal | str | None]]) -> Markup:
    """A trend: one point per year; a gap where the figure is not published (a value
    may be the words to show instead: « secret », « non déclaré »)."""
    chart_id = f"chart-{next(_ids)}"
    points = [(label, None if isinstance(v, str) else v, _missing(v)) for label, v in points]
    known = [v for _, v, _m in points if v is not None]
    top = max(known, default=Decimal(1)) or Decimal(1)
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(points) - 1, 1)
    coords = []
    parts = []
    for i, (label, value, _words) in enumerate(points):
        x = PAD_LEFT + i * step
        parts.append(
            f'<text class="chart-axis" x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
        if value is None:
            coords.append(None)
            continue
        y = PAD_TOP + inner_h - float(value / top) * inner_h
        coords.append((x, y))
        parts.append(f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="4"/>')
        parts.append(
            f'<text class="chart-value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">'
            f"{escape(_fmt(value))}</text>"
        )
    segments, current = [], []
    for c in coords:
        if c is None:
            if len(current) > 1:
                segments.append(current)
            current = []
        else:
            current.append(c)
    if len(current) > 1:
        segments.append(current)
    lines = "".join(
        '<polyline class="chart-line" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
        + '"/>'
        for seg in segments
    )
    baseline = (
        f'<line class="chart-baseline" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
        f'y1="{PAD_TOP + inner_h}" y2="{PAD_TOP + inner_h}"/>'
    )
    described = ", ".join(
        f"{label} : {_fmt(v) if v is not None else words}" for label, v, words in points
    )
    return Markup(  # noqa: S704 - every interpolated text is escaped above
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(described)}</desc>'
        f"{baseline}{lines}{''.join(parts)}</svg>"
    )


def bar_chart(title: str, bars: list[tuple[str, Decimal | str | None]]) -> Markup:
    """Horizontal bars, one per territory or indicator, the value written at the end
    (or the words given instead of a figure: « secret », « non déclaré »)."""
    chart_id = f"chart-{next(_ids)}"
    words = {label: _missing(v) for label, v in bars}
    bars = [(label, None if isinstance(v, str) else v) for label, v in bars]
    row_h, label_w = 28, 200
    height = PAD_TOP + row_h * max(len(bars), 1) + 8
    known = [v for _, v in bars if v is not None]
    top = max(known, default=Decimal(1)) or Decimal(1)
    inner_w = WIDTH - label_w - 90
    parts = []
    for i, (label, value) in enumerate(bars):
        y = PAD_TOP + i * row_h
        parts.append(
            f'<text class="chart-axis" x="{label_w - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(label[:32])}</text>"
        )
        if value is None:
            parts.append(
                f'<text class="chart-value" x="{label_w}" y="{y + 17}">'
                f"{escape(words[label])}</text>"
            )
            continue
        width = max(float(value / top) * inner_w, 1.0)
        parts.append(
            f'<rect class="chart-bar" x="{label_w}" y="{y + 4}" width="{width:.1f}" '
            f'height="{row_h - 8}"/>'
        )
        parts.append(
            f'<text class="chart-value" x="{label_w + width + 6:.1f}" y="{y + 17}">'
            f"{escape(_fmt(value))}</text>"
        )
    described = ", ".join(
        f"{label} : {_fmt(v) if v is not None else words[label]}" for label, v in bars
    )
    return Markup(  # noqa: S704 - every interpolated text is escaped above
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(described)}</desc>'
        f"{''.join(parts)}</svg>"
    )
