"""The Content-Security-Policy is enforced by the browser, and the harness sees it:
an inline script injected into a page is refused, and the refusal reaches the
list that fails every journey."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_is_refused_and_reported(browser_page):
    browser_page.visit("/connexion")
    browser_page.page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.append(s); }"
    )
    browser_page.page.wait_for_timeout(200)
    assert browser_page.page.evaluate("() => window.injected === undefined")
    assert any("script-src" in v for v in browser_page.csp_violations)
    # Seen and checked: clear it so this test itself passes.
    browser_page.csp_violations.clear()
