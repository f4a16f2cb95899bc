"""Ensemble: a shared platform for a network of centres sociaux."""

from __future__ import annotations

from flask import Flask

from ensemble.config import load_config


def create_app(overrides: dict | None = None) -> Flask:
    """Application factory: config, extensions, tenancy, blueprints, in that order."""
    app = Flask(__name__)
    app.config.from_mapping(load_config(overrides))

    from ensemble.tenancy import guard

    # Before anything connects: never serve through a role that bypasses RLS.
    guard.check_app_connections(app.config)

    from ensemble import extensions, lifecycle, models  # noqa: F401  (models: all registered)
    from ensemble.accounts import sessions
    from ensemble.kernel import urls
    from ensemble.tenancy import switcher
    from ensemble.web import errors, formatting, headers, i18n

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=_migrations_dir(), compare_type=True)
    extensions.csrf.init_app(app)
    i18n.init_app(app)
    from ensemble import redis_store

    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_store.for_limiter(app.config["REDIS_URL"]))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_NAMESPACE"])
    extensions.limiter.init_app(app)
    sessions.init_app(app)
    lifecycle.init_app(app)
    formatting.init_app(app)
    switcher.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    urls.install(app)  # before the blueprints: rules bind their converters when added

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    from ensemble.celery_app import celery_init_app
    from ensemble.cli import register_cli

    celery_init_app(app)
    register_cli(app)
    return app


def _blueprints():
    """Every blueprint, in one visible list."""
    from ensemble.aap.views import bp as aap
    from ensemble.accounts.views import bp as accounts
    from ensemble.activity.views import bp as activity
    from ensemble.agenda.views import bp as agenda
    from ensemble.audit.views import bp as audit
    from ensemble.caldav.views import bp as caldav
    from ensemble.home.views import bp as home
    from ensemble.hr.views import bp as hr
    from ensemble.notifications.views import bp as notifications
    from ensemble.posts.views import bp as posts
    from ensemble.reporting.views import bp as reporting
    from ensemble.web.views import bp as web

    return [
        web,
        accounts,
        home,
        audit,
        notifications,
        hr,
        posts,
        agenda,
        caldav,
        aap,
        reporting,
        activity,
    ]


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2] / "migrations")
