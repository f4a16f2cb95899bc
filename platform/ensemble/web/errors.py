"""Error pages in French. No request ends in a bare 500 page or a stack trace."""

from __future__ import annotations

import logging
import math
import time
from decimal import Decimal

from flask import Flask, Response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from ensemble.extensions import db, limiter
from ensemble.kernel import french

log = logging.getLogger(__name__)


def _megabytes(size: int | None) -> str:
    if not size:
        return _("la taille permise")
    return french.compact_number(Decimal(size) / (1024 * 1024)) + "\u00a0Mo"


def csrf_page():
    """The page of a form whose token expired (a capability whose form carries typed
    text may answer with that text instead, and fall back on this)."""
    return render_template(
        "errors/error.html",
        code=400,
        title=_("Le formulaire a expiré"),
        message=_(
            "Pour votre sécurité, ce formulaire n’est plus valable. "
            "Revenez en arrière, rechargez la page et recommencez."
        ),
    ), 400


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return csrf_page()

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page layout.
        return Response(
            _("Requête incorrecte : cette adresse n’est pas celle du site."),
            400,
            mimetype="text/plain",
        )

    @app.errorhandler(429)
    def too_many(error):
        # Flask-Limiter's limits (reset requests…): say the real wait, in words and
        # in Retry-After, rather than « a few minutes » for a window of an hour.
        limit = limiter.current_limit
        wait = 60
        if limit is not None:
            left = math.ceil(limit.reset_at - time.time())
            wait = max(1, min(left, limit.limit.get_expiry()))
        page = render_template(
            "errors/error.html",
            code=429,
            title=_("Trop de demandes"),
            message=_(
                "Trop de demandes en peu de temps depuis cette adresse. Par sécurité, "
                "réessayez dans %(minutes)d min.",
                minutes=math.ceil(wait / 60),
            ),
        )
        return Response(page, 429, {"Retry-After": str(wait)})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {
            400: _("Requête incorrecte"),
            404: _("Page introuvable"),
            405: _("Action non permise"),
            410: _("Lien expiré"),
            413: _("Envoi trop volumineux"),
        }
        messages = {
            404: _("Cette page n’existe pas, ou vous n’y avez pas accès."),
            413: _(
                "Ce que vous avez envoyé dépasse %(limit)s : rien n’a été enregistré. "
                "Revenez en arrière et choisissez un fichier plus léger.",
                limit=_megabytes(app.config.get("MAX_CONTENT_LENGTH")),
            ),
        }
        return render_template(
            "errors/error.html",
            code=error.code,
            title=titles.get(error.code, _("Erreur")),
            message=messages.get(error.code, _("La demande n’a pas pu aboutir.")),
        ), error.code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # A bug, not bad input: roll back so nothing is half-written, log it, answer politely.
        db.session.rollback()
        log.exception("Unhandled error")
        return render_template(
            "errors/error.html",
            code=500,
            title=_("Une erreur est survenue"),
            message=_(
                "Rien n’a été enregistré. L’équipe technique a été prévenue ; "
                "réessayez dans un instant."
            ),
        ), 500
