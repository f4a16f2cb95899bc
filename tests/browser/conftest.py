"""Browser harness: a live server on its own database, one Chromium per session,
and an axe-core accessibility check on every page a test visits.

The live server serves a real app (real commits, real sessions in Redis) from a
database cloned from the migrated template, so it never sees the unit tests'
rolled-back transactions and they never see its writes. Chromium is Debian's
/usr/bin/chromium driven by Playwright; `playwright install` is never needed.
Without that browser the tests are skipped, except on CI (env CI set) where
they must run and fail instead.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import NAMESPACE, ROOT, TEST_CONFIG, clone_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# What fails a test; "moderate" and "minor" findings are reported in axe-report.json.
BLOCKING_IMPACTS = ("serious", "critical")
# The browser's requests reach the app from this address. Flask-Limiter is one global
# instance whose key prefix is fixed by the first app, so the live server shares rate-limit
# keys with the unit tests' client (127.0.0.1): a distinct address keeps the browser's
# failed sign-ins from counting against theirs, and theirs from locking the browser out.
BROWSER_REMOTE_ADDR = "127.0.0.77"


# --- Live server ---------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: object

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _as_remote(app, address: str):
    def wsgi(environ, start_response):
        environ["REMOTE_ADDR"] = address
        return app(environ, start_response)

    return wsgi


@pytest.fixture(scope="session")
def live_server(servers, template_database, app) -> Iterator[LiveServer]:
    """The app on 127.0.0.1 and a free port, in a daemon thread, on its own database.

    Everything reaches create_app as overrides: the environment (which the unit
    tests' fixtures set) is left untouched.
    """
    from werkzeug.serving import make_server

    from ensemble import create_app
    from ensemble.extensions import db

    urls = clone_database(servers, "browser")
    namespace = f"{NAMESPACE}-browser"
    live_app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": urls.runtime,
            "SQLALCHEMY_BINDS": {"reporting": urls.reporting},
            "DATABASE_OWNER_URL": urls.owner,
            "REDIS_URL": servers["redis_url"],
            "REDIS_NAMESPACE": namespace,
            "CELERY_QUEUE": namespace,
        }
    )
    # create_app makes its Celery app the process default; give it back to the unit tests' app.
    app.extensions["celery"].set_default()
    server = make_server("127.0.0.1", 0, _as_remote(live_app, BROWSER_REMOTE_ADDR), threaded=True)
    # Links the pages show (subscription URLs) name the server the browser talks to.
    live_app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=live_app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with live_app.app_context():
            for engine in db.engines.values():
                engine.dispose()


# --- Chromium --------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests, but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- Accessibility -------------------------------------------------------------


@dataclass
class AxeLog:
    """Every axe finding of the session, written to tests/artifacts/axe-report.json."""

    pages: list[dict] = field(default_factory=list)

    def add(self, test: str, url: str, viewport: dict | None, violations: list[dict]) -> None:
        self.pages.append(
            {
                "test": test,
                "url": url,
                "viewport": viewport,
                "violations": [
                    {
                        "id": v["id"],
                        "impact": v["impact"],
                        "help": v["help"],
                        "targets": [", ".join(map(str, n["target"])) for n in v["nodes"]],
                    }
                    for v in violations
                ],
            }
        )


@pytest.fixture(scope="session")
def axe_log() -> Iterator[AxeLog]:
    log = AxeLog()
    yield log
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-report.json").write_text(
        json.dumps(log.pages, indent=2, ensure_ascii=False), encoding="utf-8"
    )


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


# --- Beyond axe: ids, names, widths, text zoom ------------------------------------

# Duplicate ids (a label then names the wrong field) and form fields nobody can name.
_IDS_AND_NAMES = """() => {
  const problems = [];
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) {
    seen.set(el.id, (seen.get(el.id) || 0) + 1);
  }
  for (const [id, n] of seen) if (n > 1) problems.push(`id « ${id} » used ${n} times`);
  const fields = document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea');
  for (const el of fields) {
    if (el.closest('[hidden]') || el.getAttribute('aria-hidden') === 'true') continue;
    const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
      || el.closest('label') || el.getAttribute('title')
      || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
    if (!labelled) problems.push(`field without a name: ${el.outerHTML.slice(0, 120)}`);
  }
  return problems;
}"""

# Words broken across lines letter by letter (what text-only zoom did to the week grid).
_BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node, words = 0;
  while ((node = walker.nextNode()) && words < 3000) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, [hidden], .visually-hidden, svg')) continue;
    const re = /[\\p{L}\\p{N}]{4,}/gu;
    let m;
    while ((m = re.exec(node.data)) && words < 3000) {
      words++;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
        .map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken.slice(0, 10);
}"""

_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PHONE_WIDTHS = (360, 390)


def _overflow(page) -> int:
    return page.evaluate(_OVERFLOW)


def page_problems(page) -> list[str]:
    """What axe does not check: unique ids and named fields on every page; on a phone,
    no sideways scrolling at 360 and 390 px; on a desktop, text-only zoom at 200 % keeps
    the page one screen wide and no word broken letter by letter."""
    problems = list(page.evaluate(_IDS_AND_NAMES))
    viewport = page.viewport_size
    if viewport and viewport["width"] <= PHONE["width"]:
        for width in PHONE_WIDTHS:
            page.set_viewport_size({"width": width, "height": viewport["height"]})
            if (extra := _overflow(page)) > 1:
                problems.append(f"{extra} px wider than a {width} px screen")
        page.set_viewport_size(viewport)
    else:
        # Text-only zoom as a person sets it: the browser's default font size doubled
        # (rem and em media queries follow, as they do in the browser's settings).
        cdp = page.context.new_cdp_session(page)
        cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
        try:
            if (extra := _overflow(page)) > 1:
                problems.append(f"text zoomed to 200 %: {extra} px wider than the screen")
            if broken := page.evaluate(_BROKEN_WORDS):
                problems.append(f"text zoomed to 200 %: words broken across lines {broken}")
        finally:
            cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16, "fixed": 13}})
            cdp.detach()
    return problems


# --- The page a test drives --------------------------------------------------------


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


class Visitor:
    """A page plus the discipline of the suite: check accessibility after every
    navigation. `visit` goes to a path and checks; after an action that loads a
    page (a click on a link or a submit), the test calls `check_a11y`. At the end
    of the test, any page loaded but never checked fails the test."""

    def __init__(self, page, server: LiveServer, axe, log: AxeLog, test_name: str):
        self.page = page
        self.server = server
        self._axe = axe
        self._log = log
        self._test = test_name
        self.loaded: list[str] = []
        self.checked: set[str] = set()
        # What the Content-Security-Policy blocked (Chromium says so on the console):
        # any such message fails the test, so a journey proves the pages work under it.
        self.csp_violations: list[str] = []
        page.on("load", lambda p: self.loaded.append(_without_fragment(p.url)))
        page.on("console", self._note_csp_violation)

    def visit(self, path: str):
        """Go to a path of the live server, check the page, return the response."""
        response = self.page.goto(self.server(path))
        self.check_a11y()
        return response

    def check_a11y(self) -> None:
        """Run axe-core on the current page; fail on serious or critical violations."""
        self.page.wait_for_load_state("load")
        results = self._axe.run(self.page)
        violations = results.response["violations"]
        url = self.page.url
        self._log.add(self._test, url, self.page.viewport_size, violations)
        self.checked.add(_without_fragment(url))
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(
                f"axe-core: serious accessibility violations on {url}\n{_describe(blocking)}",
                pytrace=False,
            )
        problems = page_problems(self.page)
        if problems:
            pytest.fail(f"page checks failed on {url}:\n- " + "\n- ".join(problems), pytrace=False)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def sign_in(self, email: str, password: str) -> None:
        """Fill the sign-in form by its labels and submit it (the page must be showing it)."""
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe", exact=True).fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_load_state("load")

    def _note_csp_violation(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def unchecked(self) -> list[str]:
        return [url for url in dict.fromkeys(self.loaded) if url not in self.checked]


def _test_slug(request) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")


def _open(request, chromium, live_server, axe, axe_log, **options) -> Iterator[Visitor]:
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    visitor = Visitor(page, live_server, axe, axe_log, request.node.name)
    try:
        yield visitor
        outcome = getattr(request.node, "rep_call", None)
        if outcome is not None and outcome.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{_test_slug(request)}.png"))
        elif outcome is not None:
            missing = visitor.unchecked()
            assert not missing, f"pages loaded without an accessibility check: {missing}"
        if outcome is not None and not outcome.failed:
            assert not visitor.csp_violations, "blocked by the Content-Security-Policy:\n" + (
                "\n".join(visitor.csp_violations)
            )
    finally:
        context.close()


@pytest.fixture
def browser_page(request, chromium, live_server, axe, axe_log) -> Iterator[Visitor]:
    """A fresh desktop browser context (no cookies) per test."""
    yield from _open(request, chromium, live_server, axe, axe_log, viewport=DESKTOP)


@pytest.fixture
def phone_page(request, chromium, live_server, axe, axe_log) -> Iterator[Visitor]:
    """A fresh phone-sized context (390×844, touch, mobile layout) per test."""
    yield from _open(
        request,
        chromium,
        live_server,
        axe,
        axe_log,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
