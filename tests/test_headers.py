"""Security headers on every response: a walk of every registered route, signed in
and not, with every method, including error pages and downloads. A route added
later is walked too."""

from __future__ import annotations

import threading
import urllib.request

import pytest
from test_isolation_http import SIDES, _url, tenant_rules

from ensemble.web.headers import CONTENT_SECURITY_POLICY

from conftest import csrf_token, sign_in

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _check(response, where: str, *, signed_in: bool, static: bool = False) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert policy == CONTENT_SECURITY_POLICY, where
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    # What the policy must say, read from the header itself.
    assert directives["frame-ancestors"] == "'none'", where
    assert directives["script-src"] == "'self'", where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, f"{where}: {name}"
    assert "Strict-Transport-Security" not in headers, where  # not in production
    download = "attachment" in headers.get("Content-Disposition", "") or (
        response.mimetype not in ("text/html", "text/plain", "application/json")
        and response.status_code == 200
    )
    if (signed_in or download) and not static:
        assert headers.get("Cache-Control") == "no-store", f"{where}: Cache-Control"


def _other_rules(app):
    tenant = {rule.rule for rule, _, _ in tenant_rules(app)}
    return [r for r in app.url_map.iter_rules() if r.rule not in tenant and r.endpoint != "static"]


def _plain_url(rule) -> str:
    values = {arg: "0-" + "0" * 40 if arg == "token" else "x" for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("kind", ["centre", "employer", "federation"])
def test_every_tenant_route_carries_the_headers(app, demo, db_session, kind):
    side = SIDES[kind]
    owner, outsider = app.test_client(), app.test_client()
    assert sign_in(owner, side["owner"]).status_code == 302
    assert sign_in(outsider, side["outsider"]).status_code == 302
    form = {"csrf_token": csrf_token(outsider, "/")}
    walked = 0
    for rule, rule_kind, _ in tenant_rules(app):
        if rule_kind != kind:
            continue
        url = _url(rule, kind, side["slug"], demo, db_session)
        if "GET" in rule.methods:
            _check(owner.get(url), f"GET {url} (owner)", signed_in=True)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            # The outsider's requests end in 404 pages: error pages carry the headers too.
            _check(outsider.open(url, method=method, data=form), f"{method} {url}", signed_in=True)
        walked += 1
    assert walked


def test_every_other_route_carries_the_headers_signed_in_or_not(app, client):
    member = app.test_client()
    assert sign_in(member, "claire.vasseur@alma.demo").status_code == 302
    rules = _other_rules(app)
    assert any(r.endpoint == "accounts.sign_in" for r in rules)
    for rule in rules:
        url = _plain_url(rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            _check(client.open(url, method=method), f"{method} {url} (anonymous)", signed_in=False)
            _check(member.open(url, method=method), f"{method} {url} (signed in)", signed_in=True)
    # Pages that exist on no route, and a static file.
    _check(client.get("/pas-de-page-ici"), "404", signed_in=False)
    static = client.get("/static/ensemble.css")
    _check(static, "static", signed_in=False, static=True)
    assert static.headers.get("Cache-Control") != "no-store"


def test_strict_transport_security_only_in_production(app, client):
    assert "Strict-Transport-Security" not in client.get("/connexion").headers
    app.config["ENSEMBLE_ENV"] = "production"
    try:
        hsts = client.get("/connexion").headers.get("Strict-Transport-Security", "")
    finally:
        app.config["ENSEMBLE_ENV"] = "test"
    assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 15552000


def test_the_demo_web_server_names_no_version(app):
    from werkzeug.serving import make_server

    from ensemble.devstack.webserver import VersionlessRequestHandler

    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=VersionlessRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/connexion") as answer:
            servers = answer.headers.get_all("Server")
            policy = answer.headers.get("Content-Security-Policy")
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
    assert servers == ["Ensemble"]
    assert policy == CONTENT_SECURITY_POLICY


def test_no_template_carries_inline_script_style_or_handler():
    """The CSP would block them: find them here rather than in a browser."""
    import re
    from pathlib import Path

    import ensemble

    root = Path(ensemble.__file__).parent
    pattern = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:|<style", re.I
    )
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found
