from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """Only a local path may follow sign-in; anything else could be an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target
