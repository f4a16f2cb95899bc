"""Throttling password guesses: per account whatever the address, and per address.

Any sign-in that checks a password (the sign-in form, CalDAV's app passwords)
calls `check` before verifying it and `failed` after a wrong one:

    verdict = throttle.check(email, request.remote_addr, device=...)
    if not verdict.allowed:
        ...refuse with verdict.message(), HTTP 429, without verifying...
    if wrong:
        throttle.failed(email, request.remote_addr, device=...)

- Per account (LOGIN_FAILURE_LIMIT, default 5 per 15 minutes): keyed on the
  account alone, so each new source address does not get fresh attempts.
  Failures are counted in a moving window and refused attempts are not counted,
  so the account opens again at most one window after the last counted failure,
  whatever is tried meanwhile: no lock-out beyond the window.
- A device that signed in to the account before carries a signed cookie
  (`device_token`): its attempts count in a bucket of its own, so an attacker
  hammering the account from elsewhere does not lock its rightful owner out.
- Per address (LOGIN_FAILURE_LIMIT_PER_IP, default 50 per hour): one address
  trying many accounts. A recognised device is exempt from it (and its failures
  do not count there), so a shared address locked by someone else's guesses
  still lets people in from the devices they used before.

The account key is a hash of the normalised e-mail, the same whether or not the
account exists: the throttle says nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ensemble import redis_store

DEVICE_COOKIE = "ensemble_device"
DEVICE_COOKIE_DAYS = 180


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds
    per_account: bool = True

    def message(self) -> str:
        # « min » is the same for one and for many: no plural to choose.
        wait = _(
            "Réessayez dans %(minutes)d min.", minutes=max(1, math.ceil(self.retry_after / 60))
        )
        if self.per_account:
            return _("Trop de tentatives de connexion ont échoué pour ce compte.") + " " + wait
        return _("Trop de tentatives de connexion ont échoué depuis cette adresse.") + " " + wait


def _strategy() -> MovingWindowRateLimiter:
    app = current_app
    strategy = app.extensions.get("ensemble_throttle")
    if strategy is None:
        # One storage per app (the global Flask-Limiter storage follows the last app set up).
        storage = storage_from_string(redis_store.for_limiter(app.config["REDIS_URL"]))
        strategy = app.extensions["ensemble_throttle"] = MovingWindowRateLimiter(storage)
    return strategy


def account_key(email: str) -> str:
    normalised = email.strip().lower()[:254]
    return hashlib.sha256(normalised.encode()).hexdigest()[:32]


def _buckets(email: str, address: str | None, device: str | None):
    namespace = current_app.config["REDIS_NAMESPACE"]
    account = parse(current_app.config["LOGIN_FAILURE_LIMIT"])
    per_address = parse(current_app.config["LOGIN_FAILURE_LIMIT_PER_IP"])
    key = account_key(email)
    owner = device_id(device, key)
    account_ids = (namespace, "sign-in-account", key, owner or "any")
    yield account, account_ids, True
    # A device that signed in to this account before is its owner's: the address
    # bucket (everyone behind one NAT or proxy) neither blocks nor counts it.
    if address and owner is None:
        yield per_address, (namespace, "sign-in-address", address), False


def check(email: str, address: str | None, *, device: str | None = None) -> Verdict:
    """May a password be checked for this account from here now? (Consumes nothing.)"""
    strategy = _strategy()
    for item, ids, per_account in _buckets(email, address, device):
        if not strategy.test(item, *ids):
            reset_at, _remaining = strategy.get_window_stats(item, *ids)
            return Verdict(False, max(1, math.ceil(reset_at - time.time())), per_account)
    return Verdict(True)


def failed(email: str, address: str | None, *, device: str | None = None) -> None:
    """Count a wrong password (call only after `check` allowed the attempt)."""
    strategy = _strategy()
    for item, ids, _per_account in _buckets(email, address, device):
        strategy.hit(item, *ids)


# --- The rightful owner's devices ------------------------------------------------


def _devices() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def device_token(email: str) -> str:
    """The cookie value given to a device after a successful sign-in to `email`."""
    return _devices().dumps({"a": account_key(email), "d": secrets.token_urlsafe(12)})


def device_id(token: str | None, key: str) -> str | None:
    """The device's id if `token` is a genuine cookie of this account, else None."""
    if not token:
        return None
    try:
        data = _devices().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != key or not isinstance(data.get("d"), str):
        return None
    return data["d"][:32]
