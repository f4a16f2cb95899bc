"""QR codes as inline SVG (segno): no image file, no script, readable by a
phone's camera from the screen."""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def svg(data: str, *, title: str, scale: int = 5) -> Markup:
    """The QR code of `data` as an <svg> element with an accessible name."""
    code = segno.make(data, error="m")
    markup = code.svg_inline(scale=scale, border=2, dark="#000", light="#fff", svgclass="qr")
    label = escape(title)
    # segno writes only the path of the code; the label is escaped above.
    return Markup(markup.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704
