"""Configuration read from the environment.

Production fails fast on a missing required key; development and tests get
safe defaults (the development tooling fills the database and Redis URLs with
embedded servers when none is configured).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_URL")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


class ConfigurationError(RuntimeError):
    """A required setting is missing."""


@dataclass(frozen=True)
class RoleNames:
    """PostgreSQL roles, fixed because migrations grant to them by name."""

    owner: str = "ensemble_owner"
    runtime: str = "ensemble_app"
    reporting: str = "ensemble_reporting"
    # NOLOGIN, NOBYPASSRLS: owns only the SECURITY DEFINER helpers that policies
    # call, and reads what they need through policies of its own.
    rls_helper: str = "ensemble_rls"


ROLES = RoleNames()


def load_config(overrides: dict | None = None) -> dict:
    env = os.environ
    environment = (overrides or {}).get("ENSEMBLE_ENV") or env.get("ENSEMBLE_ENV", "development")
    production = environment == "production"
    if production:
        missing = [key for key in REQUIRED_IN_PRODUCTION if not env.get(key)]
        if missing:
            raise ConfigurationError("Missing required settings: " + ", ".join(missing))
    database_url = env.get("DATABASE_URL", "")
    config = {
        "ENSEMBLE_ENV": environment,
        "SECRET_KEY": env.get("SECRET_KEY", "dev-only-secret-key-change-me"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_BINDS": {
            "reporting": env.get("DATABASE_REPORTING_URL", database_url),
        },
        # No pre-ping (a round trip per request): after a server restart the pool is
        # invalidated on the first failed statement; recycling bounds idle connections.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800},
        "DATABASE_OWNER_URL": env.get("DATABASE_OWNER_URL", ""),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "REDIS_NAMESPACE": env.get("REDIS_NAMESPACE", "ensemble"),
        "CELERY_QUEUE": env.get("CELERY_QUEUE", "ensemble"),
        "SESSION_COOKIE_NAME": "ensemble_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": environment not in ("development", "test"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": environment not in ("development", "test"),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        # The server-side session id expires 12 h after sign-in whatever the cookie
        # says, so re-signing the cookie on every response would buy nothing.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "PAGE_CACHE_SECONDS": int(env.get("PAGE_CACHE_SECONDS", 120)),
        # Rendered documents kept under the hash of their content (kernel/documents/cache.py).
        "DOCUMENT_CACHE_SECONDS": int(env.get("DOCUMENT_CACHE_SECONDS", 3600)),
        "WTF_CSRF_TIME_LIMIT": 60 * 60 * 4,
        # Bounded work per request: a body larger than this is refused (413) before it
        # is parsed; non-file fields together may hold at most MAX_FORM_MEMORY_SIZE
        # (an import's preview carries its file back as base64 in a hidden field).
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)),
        "MAX_FORM_MEMORY_SIZE": int(env.get("MAX_FORM_MEMORY_SIZE", 4 * 1024 * 1024)),
        "MAX_FORM_PARTS": int(env.get("MAX_FORM_PARTS", 2000)),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "LOGIN_FAILURE_LIMIT": env.get("LOGIN_FAILURE_LIMIT", "5 per 15 minutes"),
        "LOGIN_FAILURE_LIMIT_PER_IP": env.get("LOGIN_FAILURE_LIMIT_PER_IP", "50 per hour"),
        # Calendar apps: wrong passwords are counted per password presented (a revoked
        # phone polling never locks the account's other devices) and, for real brute
        # force, per account with this much higher cap.
        "CALDAV_ACCOUNT_FAILURE_LIMIT": env.get(
            "CALDAV_ACCOUNT_FAILURE_LIMIT", "100 per 15 minutes"
        ),
        "PASSWORD_RESET_MAX_AGE": int(env.get("PASSWORD_RESET_MAX_AGE", 3600)),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if env.get("MAIL_SERVER") else "console"),
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", 587)),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "1") == "1",
        "MAIL_SENDER": env.get("MAIL_SENDER", "Ensemble <ne-pas-repondre@ensemble.local>"),
        # Every absolute link (mails, feeds) is built from it, never from the request.
        "PUBLIC_URL": env.get("PUBLIC_URL", DEFAULT_PUBLIC_URL),
        # Host headers answered (others get a 400): TRUSTED_HOSTS when set; in
        # production by default the host of PUBLIC_URL and the loopback names (the
        # container's health check); elsewhere any host (None).
        "TRUSTED_HOSTS": _trusted_hosts(env, production),
        # Shared calendars: travel time between two different centres (counts as busy),
        # what a booking past a centre's agreed share does ("warn" or "refuse"), how far
        # open-ended series are expanded, and the weekly hours agreed shares apply to.
        "AGENDA_TRAVEL_MINUTES": int(env.get("AGENDA_TRAVEL_MINUTES", 20)),
        "AGENDA_SHARE_POLICY": env.get("AGENDA_SHARE_POLICY", "warn"),
        "AGENDA_HORIZON_DAYS": int(env.get("AGENDA_HORIZON_DAYS", 731)),
        # Federation reporting: statistical confidentiality and the workers' pacing.
        "REPORTING_SUPPRESSION_THRESHOLD": int(env.get("REPORTING_SUPPRESSION_THRESHOLD", 11)),
        "REPORTING_MIN_CENTRES": int(env.get("REPORTING_MIN_CENTRES", 3)),
        "REPORTING_DOMINANCE": env.get("REPORTING_DOMINANCE", "0.85"),
        "REPORTING_DOMINANCE_TWO": env.get("REPORTING_DOMINANCE_TWO", "0.90"),
        "REPORTING_PROTECTION_SHARE": env.get("REPORTING_PROTECTION_SHARE", "0.20"),
        "REPORTING_PROTECTION_PEOPLE": env.get("REPORTING_PROTECTION_PEOPLE", "5"),
        "REPORTING_RETRY_DELAY": float(env.get("REPORTING_RETRY_DELAY", 30)),
        "REPORTING_PAUSE_BEFORE_COMMIT": float(env.get("REPORTING_PAUSE_BEFORE_COMMIT", 0)),
        # Who publishes and hosts this instance, for the legal pages of the footer
        # (mentions légales, données personnelles, déclaration d’accessibilité).
        "LEGAL_PUBLISHER": env.get("LEGAL_PUBLISHER", "Fédération des centres sociaux du Nord"),
        "LEGAL_PUBLISHER_ADDRESS": env.get("LEGAL_PUBLISHER_ADDRESS", "59100 Roubaix"),
        "LEGAL_PUBLICATION_DIRECTOR": env.get(
            "LEGAL_PUBLICATION_DIRECTOR", "la présidence de la fédération"
        ),
        "LEGAL_CONTACT_EMAIL": env.get("LEGAL_CONTACT_EMAIL", "contact@ensemble.local"),
        "LEGAL_DPO_EMAIL": env.get("LEGAL_DPO_EMAIL", "donnees-personnelles@ensemble.local"),
        "LEGAL_HOST": env.get("LEGAL_HOST", "l’hébergeur choisi par l’éditeur"),
        "LEGAL_HOST_ADDRESS": env.get("LEGAL_HOST_ADDRESS", ""),
        "SOURCE_URL": env.get("SOURCE_URL", ""),
        # The date the accessibility declaration was drawn up (ISO), and how long
        # the audit log and a former member's account are kept, as the publisher decided.
        "ACCESSIBILITY_DECLARED_ON": env.get("ACCESSIBILITY_DECLARED_ON", "2026-12-04"),
        "AUDIT_RETENTION_MONTHS": int(env.get("AUDIT_RETENTION_MONTHS", 12)),
    }
    if overrides:
        config.update(overrides)
    return config


def _trusted_hosts(env, production: bool) -> list[str] | None:
    listed = [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    if listed:
        return listed
    if not production:
        return None
    host = urlsplit(env.get("PUBLIC_URL", DEFAULT_PUBLIC_URL)).hostname
    return list(dict.fromkeys(h for h in (host, "localhost", "127.0.0.1") if h))
