"""Security headers on every response, from one after-request hook.

A small hook rather than Flask-Talisman: the policy is six fixed headers and
one cache rule, and Talisman's extras (forced HTTPS redirects, nonces, per-view
overrides) would each be one more thing to keep consistent with the proxy in
front of gunicorn.

- Content-Security-Policy: scripts, styles, images and fonts from this origin
  only, no inline script, no inline style (`style-src 'self'` without
  'unsafe-inline'): the templates carry no `style=` attribute (bar widths are
  SVG attributes, which CSP does not govern), so an injected `style` could
  never help exfiltrate a page's content through CSS selectors. No frames,
  no plugins, forms post to this origin only, `<base>` cannot be rewritten.
- frame-ancestors 'none' and X-Frame-Options: DENY (older browsers):
  no page may be framed (clickjacking).
- X-Content-Type-Options: nosniff: an uploaded document is never run as a script.
- Referrer-Policy: same-origin: reset and feed URLs carry tokens that must not
  reach another site, while Flask-WTF still sees the Referer it checks on HTTPS.
- Strict-Transport-Security only when ENSEMBLE_ENV=production (behind TLS).
- Cache-Control: no-store on every dynamic response: signed-in pages and
  downloads hold HR and salary data; anonymous pages hold a CSRF token. Static
  files keep their own caching, and so does a response that set its own policy
  outside a signed-in session (the calendar feed revalidates with its ETag).
- Server: set by the HTTP server, not here. Gunicorn says only "gunicorn";
  the demo's development server (ensemble.devstack.webserver) says "Ensemble"
  instead of Werkzeug's and Python's versions.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
FIXED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # noqa: BLE001 - no user loader yet (an error very early in the request)
        return False


def _keeps_its_own_caching(response: Response) -> bool:
    if request.endpoint == "static":
        return True
    return "Cache-Control" in response.headers and not _signed_in()


def apply(response: Response) -> Response:
    for name, value in FIXED_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["ENSEMBLE_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if not _keeps_its_own_caching(response):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.after_request(apply)
