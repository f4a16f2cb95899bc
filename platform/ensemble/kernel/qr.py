"""QR codes as inline SVG (segno): no image file, no script, readable by a
phone's camera from the screen."""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def svg(data: str, *, title: str, scale: int = 5) -> Markup:
    """The QR code of `data` as an <svg> element with an accessible name."""
    code = segno.make(data, error="m")
    # A viewBox and no fixed size: the stylesheet scales the code to its box. With a
    # fixed width a long address's code (a feed URL) overflowed the box, cropped.
    markup = code.svg_inline(
        scale=scale, border=2, dark="#000", light="#fff", svgclass="qr", omitsize=True
    )
    label = escape(title)
    # segno writes only the path of the code; the label is escaped above.
    return Markup(markup.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704
