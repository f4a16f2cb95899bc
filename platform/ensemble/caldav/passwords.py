"""App passwords: one per device, shown once, stored hashed with argon2 like
account passwords, revocable; the only passwords CalDAV accepts.

Clients send them with every request (HTTP Basic). Verifying argon2 each time
would cost tens of milliseconds per request, so a success is remembered in
Redis for a few minutes under an HMAC of the password (never the password);
the row is still read on every request, so a revoked password is refused at
once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ensemble import redis_store
from ensemble.caldav.models import AppPassword
from ensemble.db import utcnow
from ensemble.kernel.refusal import Refusal
from ensemble.people.models import User
from ensemble.redis_store import key
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

MAX_PER_PERSON = 20
NAME_LENGTH = 80
# Four groups of four letters and digits: typed on a phone once, 82 bits.
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
REMEMBERED_SECONDS = 300
LAST_USED_PRECISION = timedelta(minutes=5)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("ensemble-no-such-app-password")


def _new_secret() -> str:
    groups = ["".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


def active(session: Session, user_id: int) -> list[AppPassword]:
    return list(
        session.scalars(
            select(AppPassword)
            .where(AppPassword.user_id == user_id, AppPassword.revoked_at.is_(None))
            .order_by(AppPassword.created_at, AppPassword.id)
        )
    )


def create(session: Session, user: User, name: str) -> tuple[AppPassword, str]:
    """A new app password for the device `name`; returns it with its secret,
    which is shown once and never stored."""
    name = " ".join(name.split())[:NAME_LENGTH]
    if not name:
        raise Refusal(_("Donnez un nom à l’appareil (par exemple « iPhone de Hugo »)."), "name")
    mine = active(session, user.id)
    if len(mine) >= MAX_PER_PERSON:
        raise Refusal(_("Vous avez déjà 20 mots de passe d’application : révoquez-en un."))
    if any(p.name.casefold() == name.casefold() for p in mine):
        raise Refusal(_("Un appareil porte déjà ce nom."), "name")
    secret = _new_secret()
    row = AppPassword(user_id=user.id, name=name, password_hash=_hasher.hash(secret))
    session.add(row)
    session.flush()
    return row, secret


def revoke(session: Session, user_id: int, password_id: int) -> AppPassword:
    row = session.scalar(
        select(AppPassword).where(
            AppPassword.id == password_id,
            AppPassword.user_id == user_id,
            AppPassword.revoked_at.is_(None),
        )
    )
    if row is None:
        raise Refusal(_("Ce mot de passe d’application n’existe pas ou est déjà révoqué."))
    row.revoked_at = utcnow()
    session.flush()
    return row


def _remembered_key(user_id: int, secret: str) -> str:
    mac = hmac.new(
        current_app.config["SECRET_KEY"].encode(),
        f"caldav-app-password:{user_id}:{secret}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return key("caldav-app-password", mac)


def _verify(password_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(password_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, secret: str) -> User | None:
    """The account if `secret` is one of its live app passwords (never its
    account password), else None. Leaves the session's context untouched."""
    email = email.strip().lower()
    if not email or not secret or len(secret) > 200 or len(email) > 254:
        return None
    with context.using(TenantContext(login_email=email), session):
        user = session.scalar(select(User).where(func.lower(User.email) == email))
        rows = (
            session.execute(
                select(AppPassword.id, AppPassword.password_hash, AppPassword.last_used_at).where(
                    AppPassword.user_id == user.id, AppPassword.revoked_at.is_(None)
                )
            ).all()
            if user is not None and user.is_active
            else []
        )
    if not rows:
        _verify(_DUMMY_HASH, secret)  # the same time whether or not the account exists
        return None
    store = redis_store.current()
    remembered = store.get(_remembered_key(user.id, secret))
    found = next((r for r in rows if str(r.id) == remembered), None)
    if found is None:
        found = next((r for r in rows if _verify(r.password_hash, secret)), None)
        if found is None:
            return None
        store.setex(_remembered_key(user.id, secret), REMEMBERED_SECONDS, str(found.id))
    now = utcnow()
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
        # A Core update: using a device is not an audited change of the password.
        with context.using(TenantContext(user_id=user.id), session):
            session.execute(
                update(AppPassword).where(AppPassword.id == found.id).values(last_used_at=now)
            )
    return user
