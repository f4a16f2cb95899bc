"""Failed sign-ins of calendar clients, counted like the sign-in page's: per
account and address, and per address (LOGIN_FAILURE_LIMIT,
LOGIN_FAILURE_LIMIT_PER_IP), in the rate limiter's Redis storage.

One small seam on purpose: when the platform gets one per-account throttle for
every way of signing in, `blocked` and `failed` call it instead.
"""

from __future__ import annotations

from flask import current_app
from limits import parse

from ensemble.extensions import limiter


def _limits(account: str, address: str):
    config = current_app.config
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    return (
        (
            parse(config["LOGIN_FAILURE_LIMIT"]),
            (prefix, "caldav-sign-in-account", f"{address}|{account}"),
        ),
        (parse(config["LOGIN_FAILURE_LIMIT_PER_IP"]), (prefix, "caldav-sign-in-ip", address)),
    )


def blocked(account: str, address: str) -> bool:
    """True once too many attempts failed for this account from this address, or
    from this address at all."""
    return any(not limiter.limiter.test(item, *keys) for item, keys in _limits(account, address))


def failed(account: str, address: str) -> None:
    """Count one failed attempt."""
    for item, keys in _limits(account, address):
        limiter.limiter.hit(item, *keys)
