"""Absolute URLs, from configuration only.

A link that leaves the site (a password-reset e-mail, a calendar subscription,
a notification e-mail, later CalDAV) is built from PUBLIC_URL, never from the
request: the Host header is the client's to choose, and a reset link built
from it would send the token to whatever host an attacker names
(`Host: evil.example`). Both functions work with or without a request (tasks
build links too).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def _base() -> tuple[str, str, str]:
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    return parts.scheme or "https", parts.netloc, parts.path.rstrip("/")


def external_url(endpoint: str, **values: object) -> str:
    """The absolute URL of `endpoint` on the public site (PUBLIC_URL)."""
    scheme, netloc, root = _base()
    adapter = current_app.url_map.bind(netloc, script_name=root or "/", url_scheme=scheme)
    return adapter.build(endpoint, values, force_external=True)


def absolute(path: str) -> str:
    """An application path (`/c/alma/…`) on the public site; a URL is returned as is."""
    if not path or urlsplit(path).scheme:
        return path
    scheme, netloc, root = _base()
    return f"{scheme}://{netloc}{root}/{path.lstrip('/')}"
