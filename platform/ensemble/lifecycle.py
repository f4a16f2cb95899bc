"""The request lifecycle: the tenant context is set before the view runs, and
the request is the one place that commits (operations only flush).

It wires the foundation together (the session hooks of tenancy, audit,
notifications, identity and cache versions; the signed-in person), so it sits
beside the app factory, above every package it installs, rather than in web/,
which the pages themselves import."""

from __future__ import annotations

from flask import Flask, abort, g, request, session
from flask_login import current_user

from ensemble import cache_versions, celery_app
from ensemble.accounts import sessions
from ensemble.audit import operations as audit
from ensemble.extensions import db, login_manager
from ensemble.notifications import operations as notifications
from ensemble.people.models import User
from ensemble.tenancy import context, identity

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_app(app: Flask) -> None:
    session_class = db.session.session_factory.class_
    context.install(session_class)
    celery_app.install(session_class)
    audit.install(session_class)
    notifications.install(session_class)
    identity.install(session_class)
    cache_versions.install(session_class)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        sid = session.get("sid")
        registration = sessions.session_key(sid) if sid else None
        person = identity.for_session(db.session, registration, int(user_id))
        if person is None and sid and sessions.revive(db.session, sid, int(user_id)):
            # Redis lost the session (a restart): PostgreSQL vouches for it, once.
            person = identity.for_session(db.session, registration, int(user_id))
        if person is None or not person.is_active:
            context.activate(context.ANONYMOUS, db.session)
            return None
        context.activate(person.context, db.session)
        g.tenant_context = person.context
        g.places = person.places
        g.directory_generation = person.generation
        return person.user(db.session)

    @app.before_request
    def refuse_nul_bytes() -> None:
        # PostgreSQL text cannot hold NUL: refuse such input at the door, not with a 500.
        values = [request.path, *request.args.values()]
        if request.method == "POST" and request.mimetype in FORM_TYPES:
            values.extend(v for _, v in request.form.items(multi=True))
        if any("\x00" in value for value in values):
            abort(400)

    @app.before_request
    def reset_context() -> None:
        # A fresh request starts with no tenant visible; loading the user widens it.
        g.token = context.activate(context.ANONYMOUS)
        _ = current_user.is_authenticated

    @app.after_request
    def commit(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def restore_context(exc):  # noqa: ARG001
        token = g.pop("token", None)
        if token is not None:
            context.restore(token)
