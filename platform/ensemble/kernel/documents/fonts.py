"""The documents' typeface, DejaVu Sans (Debian's fonts-dejavu-core): a readable sans
serif with every French character, the narrow no-break space and the minus sign.

The PDF embeds it (WeasyPrint subsets it); DOCX and ODT name it, with a generic sans
serif fallback for machines without it. Its advance widths, read once with fontTools, let
the engine fit table columns to their content the same way in the three formats.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

FAMILY = "DejaVu Sans"
FALLBACK = "Arial"  # what Word and LibreOffice substitute when DejaVu is missing
DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FILES = {
    (False, False): "DejaVuSans.ttf",
    (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSans-Oblique.ttf",
    (True, True): "DejaVuSans-BoldOblique.ttf",
}
# Average advance of DejaVu Sans, in em, when the font files are absent.
AVERAGE_ADVANCE = 0.58

_lock = threading.Lock()


def font_file(bold: bool = False, italic: bool = False) -> Path | None:
    name = FILES[(bold, italic)]
    for directory in DIRECTORIES:
        if (directory / name).is_file():
            return directory / name
    return None


@functools.cache
def _advances(bold: bool) -> tuple[dict[int, float], float]:
    """(advance in em per code point, advance of a missing glyph)."""
    path = font_file(bold=bold)
    if path is None:
        return {}, AVERAGE_ADVANCE
    from fontTools.ttLib import TTFont

    with _lock:
        font = TTFont(str(path), lazy=True)
        units = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        widths = {
            code: metrics[glyph][0] / units
            for code, glyph in font.getBestCmap().items()
            if glyph in metrics
        }
        font.close()
    return widths, AVERAGE_ADVANCE


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of `text` set on one line at `size` points, in points."""
    widths, missing = _advances(bold)
    return sum(widths.get(ord(c), missing) for c in text) * size
