"""Accounts: passwords, authentication, password reset. No HTTP here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.audit.models import AuditAction
from ensemble.audit.operations import record
from ensemble.db import utcnow
from ensemble.people.models import Credential, User
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
# Verified against when the account does not exist, so the answer takes as long.
_DUMMY_HASH = _hasher.hash("ensemble-no-such-account")


class InvalidResetLink(Exception):
    """The link is forged, expired, or was already used."""


@dataclass(frozen=True)
class ResetClaim:
    user_id: int
    fingerprint: str


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    """Look an account up by e-mail: the only read allowed before anyone is signed in."""
    email = normalise_email(email)
    with context.using(TenantContext(login_email=email), session):
        return session.scalar(select(User).where(func.lower(User.email) == email))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if the password is right and the account active, else None."""
    email = normalise_email(email)
    with context.using(TenantContext(login_email=email), session):
        row = session.execute(
            select(User, Credential.password_hash)
            .join(Credential, Credential.user_id == User.id)
            .where(func.lower(User.email) == email)
        ).first()
    if row is None:
        _verify(_DUMMY_HASH, password)
        return None
    user, password_hash = row
    if not _verify(password_hash, password) or not user.is_active:
        return None
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password; flushes, never commits."""
    credential = session.get(Credential, user.id)
    if credential is None:
        session.add(Credential(user_id=user.id, password_hash=hash_password(password)))
    else:
        credential.password_hash = hash_password(password)
        credential.changed_at = utcnow()
    session.flush()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(password_hash: str) -> str:
    # Changes with the password, so a used link stops working.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def make_reset_token(session: Session, user: User) -> str:
    with context.using(TenantContext(user_id=user.id), session):
        credential = session.get(Credential, user.id)
        fingerprint = _fingerprint(credential.password_hash if credential else "")
    return _serializer().dumps({"u": user.id, "f": fingerprint})


def read_reset_token(token: str) -> ResetClaim:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature) as exc:
        raise InvalidResetLink from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidResetLink
    return ResetClaim(user_id=data["u"], fingerprint=str(data.get("f", "")))


def check_reset_token(session: Session, token: str) -> User:
    """The account a reset link is for; raises InvalidResetLink if it cannot be used."""
    claim = read_reset_token(token)
    # The signature proves the id, so acting as that person for this transaction is safe.
    context.activate(TenantContext(user_id=claim.user_id), session)
    user = session.get(User, claim.user_id)
    credential = session.get(Credential, claim.user_id)
    current = _fingerprint(credential.password_hash if credential else "")
    if user is None or not user.is_active or current != claim.fingerprint:
        raise InvalidResetLink
    return user


def reset_password(session: Session, token: str, new_password: str) -> User:
    user = check_reset_token(session, token)
    set_password(session, user, new_password)
    record(session, AuditAction.PASSWORD_CHANGED, "users", user.id, user_id=user.id)
    return user
