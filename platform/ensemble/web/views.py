"""Platform-wide endpoints: health, language choice, the legal pages of the footer."""

from __future__ import annotations

import time
from datetime import date

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import text

from ensemble import redis_store
from ensemble.extensions import db
from ensemble.web.safety import safe_next_url

bp = Blueprint("web", __name__)


@bp.route("/_ping")
def ping():
    """Touches nothing: the framework's ceiling for benchmarks, and a liveness probe."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/sante")
def health():
    """Readiness: the database and Redis answer, and when the worker last beat."""
    checks = {}
    status = 200
    try:
        db.session.execute(text("SELECT 1"))
        checks["base_de_donnees"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["base_de_donnees"] = "indisponible"
        status = 503
    try:
        client = redis_store.current()
        client.ping()
        checks["redis"] = "ok"
        beat = client.get(redis_store.key("worker", "heartbeat"))
        checks["dernier_battement_worker_s"] = round(time.time() - float(beat), 1) if beat else None
    except Exception:  # noqa: BLE001
        checks["redis"] = "indisponible"
        status = 503
    return jsonify(checks), status


@bp.route("/langue", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next_url(request.form.get("next")) or url_for("home.landing"))


# --- The legal pages a French public-interest service carries --------------------
# Public (no sign-in needed), linked from every page's footer.


def _legal() -> dict:
    config = current_app.config
    return {
        "publisher": config["LEGAL_PUBLISHER"],
        "publisher_address": config["LEGAL_PUBLISHER_ADDRESS"],
        "director": config["LEGAL_PUBLICATION_DIRECTOR"],
        "contact": config["LEGAL_CONTACT_EMAIL"],
        "dpo": config["LEGAL_DPO_EMAIL"],
        "host": config["LEGAL_HOST"],
        "host_address": config["LEGAL_HOST_ADDRESS"],
        "source_url": config["SOURCE_URL"],
        "public_url": config["PUBLIC_URL"],
        "session_hours": config["PERMANENT_SESSION_LIFETIME"] // 3600,
        "audit_months": config["AUDIT_RETENTION_MONTHS"],
        "declared_on": date.fromisoformat(config["ACCESSIBILITY_DECLARED_ON"]),
    }


@bp.route("/mentions-legales")
def legal_notice():
    return render_template("legal/notice.html", legal=_legal())


@bp.route("/donnees-personnelles")
def personal_data():
    return render_template("legal/personal_data.html", legal=_legal())


@bp.route("/accessibilite")
def accessibility():
    return render_template("legal/accessibility.html", legal=_legal())
