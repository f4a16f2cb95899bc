"""Whole pages kept in Redis for the session that saw them, under versioned keys.

A busy page (a centre's home) is read far more often than what it shows
changes. A cached copy is served only:

- to the same session (the page holds that session's CSRF token and was
  rendered under that person's row-level security), in the same language,
  for the same URL;
- while the directory generation (people, memberships, the network: see
  ensemble.tenancy.identity) and every version the view depends on are
  unchanged. Code that changes what a page shows bumps the matching version
  after commit (ensemble.cache_versions: the audit log bumps a centre's
  activity, notifications bump their recipient's);
- when no flash message is waiting, and only for a 200 answer to a GET.

PAGE_CACHE_SECONDS bounds the life of a copy (0 turns the cache off).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from ensemble import redis_store
from ensemble.cache_versions import version_key
from ensemble.redis_store import key


def cached(versions: Callable[..., list[str] | None]) -> Callable:
    """Serve a GET view from the cache. `versions(**view_args)` names what the page
    depends on beyond the directory, or None when this request must not be cached."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**view_args):
            seconds = current_app.config["PAGE_CACHE_SECONDS"]
            sid = session.get("sid")
            if not seconds or not sid or request.method != "GET" or session.get("_flashes"):
                return view(**view_args)
            names = versions(**view_args)
            if names is None:
                return view(**view_args)
            page_key = key(
                "page",
                current_user.get_id(),
                hashlib.sha256(sid.encode()).hexdigest()[:24],
                get_locale(),
                request.full_path,
            )
            # One round trip: the versions the page depends on, and the copy, which
            # starts with the versions it was rendered at.
            *values, cached_copy = redis_store.mget(*(version_key(n) for n in names), page_key)
            stamp = "|".join([g.get("directory_generation") or "0", *(v or "0" for v in values)])
            if cached_copy is not None:
                cached_stamp, _, html = cached_copy.partition("\n")
                if cached_stamp == stamp:
                    return Response(html, mimetype="text/html")
            response = current_app.make_response(view(**view_args))
            if response.status_code == 200 and response.mimetype == "text/html":
                redis_store.current().setex(
                    page_key, seconds, stamp + "\n" + response.get_data(as_text=True)
                )
            return response

        return wrapper

    return decorator
