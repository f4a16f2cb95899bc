"""Failed sign-ins of calendar clients, in the rate limiter's Redis storage.

Counted per credential presented — the account and a keyed hash of the password
tried — with the sign-in page's limit (LOGIN_FAILURE_LIMIT): a revoked phone
that keeps polling, or a mistyped password, blocks only itself, never the
account's valid app passwords. Real brute force (many different passwords
against one account) meets a much higher per-account cap
(CALDAV_ACCOUNT_FAILURE_LIMIT), and any address its own cap
(LOGIN_FAILURE_LIMIT_PER_IP). Only the hash of a password is a key, keyed
with the application's secret so Redis never holds a guessable digest.

One small seam on purpose: when the platform gets one per-account throttle for
every way of signing in, `blocked` and `failed` call it instead.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from limits import parse

from ensemble.extensions import limiter


def _credential(account: str, password: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"{account}\0{password}".encode(), hashlib.sha256)
    return f"{account}|{digest.hexdigest()[:32]}"


def _limits(account: str, password: str, address: str):
    config = current_app.config
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    return (
        (
            parse(config["LOGIN_FAILURE_LIMIT"]),
            (prefix, "caldav-sign-in-credential", _credential(account, password)),
        ),
        (
            parse(config["CALDAV_ACCOUNT_FAILURE_LIMIT"]),
            (prefix, "caldav-sign-in-account", account),
        ),
        (parse(config["LOGIN_FAILURE_LIMIT_PER_IP"]), (prefix, "caldav-sign-in-ip", address)),
    )


def blocked(account: str, password: str, address: str) -> bool:
    """True once this password failed too often for this account, the account
    met its brute-force cap, or the address its own."""
    return any(
        not limiter.limiter.test(item, *keys) for item, keys in _limits(account, password, address)
    )


def failed(account: str, password: str, address: str) -> None:
    """Count one failed attempt."""
    for item, keys in _limits(account, password, address):
        limiter.limiter.hit(item, *keys)
