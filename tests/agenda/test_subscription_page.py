"""The subscription page: plain-French steps for an iPhone, Android (DAVx⁵,
ICSx⁵) and Thunderbird, the private address as a webcal:// link and a QR code
(inline SVG, no script or style the CSP would block), everything built from
PUBLIC_URL and never from the request's Host."""

from __future__ import annotations

import re

from posts.posts_support import OFFICER

from conftest import csrf_token, sign_in

PAGE = "/c/alma/agenda/abonnement"


def _subscribe(client) -> str:
    client.post(
        PAGE,
        data={"csrf_token": csrf_token(client, PAGE), "scope": "person", "action": "regenerate"},
    )
    return client.get(PAGE).get_data(as_text=True)


def test_the_page_explains_each_device_with_a_webcal_link_and_a_qr_code(
    app, client, setup, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://agenda.centres-sociaux.example")
    sign_in(client, OFFICER)
    before = client.get(PAGE).get_data(as_text=True)
    assert "webcal://" not in before  # no address yet: nothing to subscribe to
    html = _subscribe(client)
    (address,) = re.findall(r'value="(https://[^"]+\.ics)"', html)
    assert address.startswith("https://agenda.centres-sociaux.example/agenda/flux/")
    (link,) = re.findall(r'href="(webcal://[^"]+)"', html)
    assert link == "webcal://" + address.removeprefix("https://")
    assert "localhost" not in html  # the request's host is never used
    # Two QR codes as inline SVG with an accessible name: the feed's, the CalDAV server's.
    assert len(re.findall(r'<svg role="img" aria-label="[^"]+"', html)) == 2
    for words in (
        "Sur un iPhone ou un iPad",
        "Sur Android (avec ICSx⁵, des auteurs de DAVx⁵)",
        "Sur Android (avec l’application DAVx⁵)",
        "Dans Thunderbird",
        "en lecture seule",
        "https://agenda.centres-sociaux.example/",
    ):
        assert words in html, words
    assert "<script>" not in html and ' style="' not in html
