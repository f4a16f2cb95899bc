"""Rendered documents kept in Redis under the hash of what they say.

Laying out a twelve-page dossier takes WeasyPrint about a second of CPU; the same dossier
is downloaded again and again (each partner, each format, the lead before submitting). The
key is the SHA-256 of the whole document model (its `repr`: every string, every cell),
the format and the engine's own fingerprint (its source files and the renderers'
versions), so a cached file can only be served for the very same document: any change to
the text, the budget or the engine is a new key, and nothing needs invalidating. A reader
can only reach a key by building that exact document, that is by seeing all it says.

Building the document model itself (loading a dossier, converting its rich text) costs
about as much as the page that links to it. A caller that can name its document's version
more cheaply — a hash of the rows the document is made of, read in one query — uses
`cached_version(version, fmt, build, render, still_current=…)`: the file is found under
that version without building anything, and `build()` runs only when it is missing. The
version must change with everything the document shows (its caller's tests prove it
does). A change committed while the document is built would leave a file newer than its
version's name, and a later change can bring the rows back to that very version (a
budget line added, then deleted): so the file is kept under the version only when
`still_current()`, asked after building, says the version has not moved.

`DOCUMENT_CACHE_SECONDS` (default 3600, 0 turns the cache off) bounds how long a file stays;
files above MAX_BYTES are not kept. Without an application context, or when Redis fails,
documents are rendered every time: the cache never makes a download fail.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from ensemble.kernel.documents.model import Document

DEFAULT_SECONDS = 3600
MAX_BYTES = 8 * 1024 * 1024
log = logging.getLogger(__name__)


@functools.cache
def fingerprint() -> str:
    """What the rendering depends on besides the document: this package and its libraries."""
    digest = hashlib.sha256()
    folder = Path(__file__).parent
    for path in sorted([*folder.glob("*.py"), *folder.glob("*.css")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for package in ("weasyprint", "python-docx", "pydyf"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:  # pragma: no cover
            digest.update(package.encode())
    return digest.hexdigest()[:16]


def key_of(document: Document, fmt: str) -> str:
    digest = hashlib.sha256(f"{fingerprint()}|{fmt}|{document!r}".encode("utf-8", "replace"))
    return digest.hexdigest()


def _store():
    """(redis client for bytes, key prefix, seconds) or None when caching is off."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover
        return None
    if not has_app_context():
        return None
    seconds = int(current_app.config.get("DOCUMENT_CACHE_SECONDS", DEFAULT_SECONDS))
    url = current_app.config.get("REDIS_URL")
    if seconds <= 0 or not url:
        return None
    from ensemble import redis_store

    prefix = redis_store.key("document")
    return _bytes_client(redis_store.for_redis_py(url)), prefix, seconds


@functools.cache
def _bytes_client(url: str):
    import redis

    return redis.Redis.from_url(url, decode_responses=False)


def cached(document: Document, fmt: str, render: Callable[[Document], bytes]) -> bytes:
    """`render(document)`, or the file rendered before for the very same document."""
    store = _store()
    if store is None:
        return render(document)
    client, prefix, seconds = store
    name = f"{prefix}:{fmt}:{key_of(document, fmt)}"
    import redis

    try:
        found = client.get(name)
    except redis.RedisError:
        log.warning("document cache unreachable: rendering %s without it", fmt)
        return render(document)
    if found is not None:
        return found
    data = render(document)
    if len(data) <= MAX_BYTES:
        try:
            client.set(name, data, ex=seconds)
        except redis.RedisError:
            log.warning("document cache unreachable: %s not kept", fmt)
    return data


def cached_version(
    version: str,
    fmt: str,
    build: Callable[[], Document],
    render: Callable[[Document], bytes],
    *,
    still_current: Callable[[], bool],
) -> bytes:
    """The file kept under `version` (see the module), else `build()` rendered through
    `cached`, and kept under `version` too if `still_current()` after building."""
    store = _store()
    if store is None:
        return render(build())
    client, prefix, seconds = store
    name = f"{prefix}:version:{fmt}:{fingerprint()}:{version}"
    import redis

    try:
        found = client.get(name)
    except redis.RedisError:
        log.warning("document cache unreachable: rendering %s without it", fmt)
        return render(build())
    if found is not None:
        return found
    data = cached(build(), fmt, render)
    if len(data) <= MAX_BYTES and still_current():
        try:
            client.set(name, data, ex=seconds)
        except redis.RedisError:
            log.warning("document cache unreachable: %s not kept", fmt)
    return data


def is_cached_version(version: str, fmt: str) -> bool:
    """Whether a file is kept under `version` (the benchmark and the tests ask)."""
    store = _store()
    if store is None:
        return False
    client, prefix, _seconds = store
    return bool(client.exists(f"{prefix}:version:{fmt}:{fingerprint()}:{version}"))
