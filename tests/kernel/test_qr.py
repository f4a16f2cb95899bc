"""QR codes as inline SVG: an accessible name, and a viewBox so the stylesheet
can scale a long address's code into its box instead of cropping it."""

from __future__ import annotations

import re

import segno

from ensemble.kernel import qr


def test_a_long_address_scales_instead_of_being_cropped():
    address = "webcal://agenda.centres-sociaux.example/agenda/flux/" + "a1b2c3d4" * 8 + ".ics"
    markup = str(qr.svg(address, title="Lien d’abonnement"))
    size = segno.make(address, error="m").symbol_size(scale=5, border=2)[0]
    assert re.search(rf'viewBox="0 0 {size} {size}"', markup)
    assert not re.search(r'<svg[^>]* width="', markup)
    assert markup.startswith('<svg role="img" aria-label="Lien d’abonnement" ')
