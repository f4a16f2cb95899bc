"""Redis access: one REDIS_URL, spelled the way each client wants it, and one
key namespace (REDIS_NAMESPACE) so that several deployments or test runs can
share a server without touching each other's keys.

`redis://host:port/db` works everywhere; a Unix socket (the embedded Redis)
is `unix:///path?db=N` for redis-py, `redis+socket:///path` for Celery and
`redis+unix:///path` for the rate limiter.
"""

from __future__ import annotations

from functools import cache
from typing import cast
from urllib.parse import parse_qs, urlparse

import redis
from flask import current_app


def _socket(url: str) -> tuple[str, int] | None:
    parsed = urlparse(url)
    if parsed.scheme not in ("unix", "redis+socket", "redis+unix"):
        return None
    db = int(parse_qs(parsed.query).get("db", ["0"])[0])
    return parsed.path, db


def for_redis_py(url: str) -> str:
    sock = _socket(url)
    return f"unix://{sock[0]}?db={sock[1]}" if sock else url


def for_celery(url: str) -> str:
    sock = _socket(url)
    return f"redis+socket://{sock[0]}?virtual_host={sock[1]}" if sock else url


def for_limiter(url: str) -> str:
    sock = _socket(url)
    if sock:
        return f"redis+unix://{sock[0]}?db={sock[1]}"
    return url or "memory://"


@cache
def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(for_redis_py(url), decode_responses=True)


def current() -> redis.Redis:
    """The Redis client of the current app."""
    return client(current_app.config["REDIS_URL"])


def key(*parts: object) -> str:
    return ":".join([current_app.config["REDIS_NAMESPACE"], *(str(p) for p in parts)])


def mget(*keys: str) -> list[str | None]:
    """MGET on the app's Redis: one round trip, values in the order of `keys`
    (typed here: redis-py types its blocking and asyncio clients alike)."""
    return cast(list[str | None], current().mget(keys))
