"""CalDAV over HTTP (/.well-known/caldav, /dav/…) and the page where a person
manages the app passwords of their devices (/compte/appareils).

The DAV routes sit outside the /c/<centre> tree: the person is named by the
app password, never by a cookie (so no CSRF to fear, and the blueprint is
exempt), and a path naming anyone or anything else answers 404. Their
isolation is proven by tests/caldav/test_isolation.py, route kind by route kind.
"""

from __future__ import annotations

import unicodedata

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ensemble.agenda.models import Calendar
from ensemble.caldav import davxml, forms, passwords, protocol, throttle
from ensemble.caldav.resources import PREFIX, Reader, resolve
from ensemble.extensions import csrf, db
from ensemble.kernel import qr
from ensemble.kernel.views import act, attempt, page
from ensemble.notifications.models import Notification
from ensemble.notifications.operations import notify
from ensemble.notifications.operations import resolve as resolve_notifications
from ensemble.people.models import Membership, Role, User
from ensemble.tenancy import context, identity
from ensemble.tenancy.urls import OPAQUE_ARGS

bp = Blueprint("caldav", __name__, template_folder="templates")
csrf.exempt(bp)
# The DAV path is resolved by resources.resolve for the signed-in person only;
# tests/caldav/test_isolation.py walks every kind of path it can name.
OPAQUE_ARGS.add("dav_path")

METHODS = [
    "OPTIONS",
    "GET",
    "HEAD",
    "PUT",
    "DELETE",
    "PROPFIND",
    "PROPPATCH",
    "REPORT",
    "MKCOL",
    "MKCALENDAR",
    "MOVE",
    "COPY",
    "POST",
]
ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT"
DAV_HEADER = "1, 3, calendar-access"
REALM = 'Basic realm="Ensemble", charset="UTF-8"'


def _text(status: int, message: str, **headers: str) -> Response:
    return Response(message, status, {"Content-Type": "text/plain; charset=utf-8", **headers})


@bp.route("/.well-known/caldav", methods=METHODS)
@bp.route("/", methods=("PROPFIND",), endpoint="site_root")
def well_known():
    """RFC 6764 §5: the context path of the CalDAV service (and where clients
    given only the server's address look first)."""
    target = f"{request.script_root}{PREFIX}/"
    answer = redirect(target, code=301)
    # Werkzeug's body is an English HTML page; clients only read Location.
    answer.set_data(_("Le service CalDAV est à l’adresse %(target)s.", target=target))
    answer.content_type = "text/plain; charset=utf-8"
    return answer


def _signed_in() -> Reader | Response:
    """The person an app password names (HTTP Basic), with their tenant context
    active; or the 401/429 answer. A browser's session cookie is ignored."""
    context.activate(context.ANONYMOUS, db.session)
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username:
        return _text(
            401,
            _("Connectez-vous avec un mot de passe d’application."),
            **{"WWW-Authenticate": REALM},
        )
    email = auth.username.strip().lower()[:254]
    address = request.remote_addr or ""
    password = auth.password or ""
    if throttle.blocked(email, password, address):
        return _text(
            429,
            _("Trop de tentatives ont échoué : patientez quelques minutes avant de réessayer."),
            **{"Retry-After": "900"},
        )
    user = passwords.authenticate(db.session, email, password)
    if user is None:
        throttle.failed(email, password, address)
        return _text(
            401,
            _(
                "Identifiants refusés. Utilisez l’adresse e-mail de votre compte et un mot de "
                "passe d’application (Mon compte → Appareils), jamais votre mot de passe."
            ),
            **{"WWW-Authenticate": REALM},
        )
    person = identity.load(db.session, user.id)
    if person is None or not person.is_active:
        return _text(401, _("Compte désactivé."), **{"WWW-Authenticate": REALM})
    context.activate(person.context, db.session)
    g.tenant_context = person.context
    return Reader(person.user(db.session), person.context)


def reason_phrase(message: str) -> str:
    """The refusal as the status line's reason phrase, for clients that show only
    that line (vdirsyncer does): ASCII, one line. HTTP/1.1 reads the line as
    Latin-1 and clients decode it as they like (« é » came out « Ã© »), so
    accents are dropped here; the French text itself is in the XML body."""
    plain = message.translate(
        {0x2019: "'", 0x202F: " ", 0x00A0: " ", 0x2026: "...", 0x00AB: '"', 0x00BB: '"'}
    )
    plain = "".join(c for c in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(c))
    plain = " ".join(plain.split())[:300]
    return plain.encode("ascii", "replace").decode("ascii")


def _body() -> bytes:
    return request.get_data(cache=False)[: davxml.MAX_BODY + 1]


@bp.route(f"{PREFIX}/", defaults={"dav_path": ""}, methods=METHODS, strict_slashes=False)
@bp.route(f"{PREFIX}/<path:dav_path>", methods=METHODS)
def dav(dav_path: str):
    if request.method == "OPTIONS":
        return Response(status=200, headers={"DAV": DAV_HEADER, "Allow": ALLOW})
    reader = _signed_in()
    if isinstance(reader, Response):
        return reader
    parts = [p for p in dav_path.split("/") if p]
    session = db.session
    method = request.method
    try:
        if method == "PUT":
            answer = protocol.put(
                session,
                reader,
                parts,
                _body(),
                request.headers.get("If-Match"),
                request.headers.get("If-None-Match"),
            )
        else:
            answer = _read_or_delete(session, reader, parts, method)
    except davxml.BadBody:
        answer = protocol.Answer(400, _("Corps de requête illisible.").encode())
    status: int | str = answer.status
    if answer.refusal is not None:
        _tell(reader, answer)
        status = f"{answer.status} {reason_phrase(answer.refusal)}"
    elif answer.subject is not None:
        # The object is stored: the refusals notified about it are past.
        resolve_notifications(session, answer.subject)
        if answer.warnings:
            _warn(reader, answer)
    response = Response(answer.body, status, answer.headers)
    response.headers.setdefault("DAV", DAV_HEADER)
    return response


def _read_or_delete(session, reader: Reader, parts: list[str], method: str) -> protocol.Answer:
    resource = resolve(session, reader, parts)
    if method == "DELETE":
        return protocol.delete(session, reader, resource, request.headers.get("If-Match"))
    if resource is None or not getattr(resource, "exists", True):
        # (A name not taken yet resolves, for a PUT to create it; nothing else sees it.)
        return protocol.not_found()
    if method == "PROPFIND":
        return protocol.propfind(
            session, resource, request.headers.get("Depth", "1"), davxml.parse(_body())
        )
    if method == "REPORT":
        return protocol.report(session, reader, resource, davxml.parse(_body()))
    if method in ("GET", "HEAD"):
        return protocol.get(
            session,
            resource,
            head=method == "HEAD",
            if_none_match=request.headers.get("If-None-Match"),
        )
    if method == "PROPPATCH":
        return protocol.proppatch(resource, davxml.parse(_body()))
    if method in ("MKCOL", "MKCALENDAR", "MOVE", "COPY"):
        return protocol.Answer.error(
            403,
            davxml.tag(davxml.DAV, "need-privileges"),
            _("Les agendas et leurs événements se créent et se déplacent dans Ensemble."),
        )
    return protocol.Answer(405, headers={"Allow": ALLOW})


def _tell(reader: Reader, answer: protocol.Answer) -> None:
    """A refused write: the phone shows the reason if it can; the person also finds
    it in the app, naming the refused event — once per object and reason while
    unread (a client retries at every sync). The refused change is gone (its
    savepoint rolled back); the notification is committed here, since a 403
    makes the request roll back."""
    session = db.session
    message = answer.refusal or ""
    body = (
        _("%(event)s n’a pas été enregistré : %(reason)s", event=answer.refused, reason=message)
        if answer.refused
        else message
    )
    if answer.subject is not None and session.scalar(
        select(Notification.id)
        .where(
            Notification.user_id == reader.user.id,
            Notification.subject == answer.subject,
            Notification.body == body,
            Notification.read_at.is_(None),
        )
        .limit(1)
    ):
        return
    notify(
        session,
        [(reader.user.id, reader.user.email)],
        _("Modification refusée depuis votre application d’agenda"),
        body=body,
        link=url_for("caldav.devices"),
        subject=answer.subject,
        email=False,
    )
    session.commit()


def directors_of(session, centre_ids: list[int]) -> list[tuple[int, str]]:
    """(user id, e-mail) of the directors of these centres. Trusted code: reads
    the centres' memberships as those centres would, to notify them."""
    if not centre_ids:
        return []
    with context.using(context.system_context(centre_ids=centre_ids), session):
        rows = session.execute(
            select(User.id, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.centre_id.in_(centre_ids),
                Membership.role == Role.DIRECTOR,
                User.is_active_account.is_(True),
            )
            .distinct()
            .order_by(User.id)
        ).all()
    return [(r.id, r.email) for r in rows]


def _warn(reader: Reader, answer: protocol.Answer) -> None:
    """What the web shows as a banner after a booking (a centre past its agreed
    share), for a write from a calendar app: the person cannot see a banner, so
    they and the directors of the centre are told in the app, as the same policy
    (« warn ») says; under « refuse » the write was refused like in the web."""
    session = db.session
    recipients = dict(directors_of(session, answer.centre_ids))
    recipients[reader.user.id] = reader.user.email
    notify(
        session,
        list(recipients.items()),
        _("Part convenue dépassée"),
        body=_(
            "%(event)s, enregistré depuis une application d’agenda par %(person)s : %(warnings)s",
            event=answer.warned,
            person=reader.user.full_name,
            warnings=" ".join(answer.warnings),
        ),
        centre_id=answer.centre_ids[0] if answer.centre_ids else None,
        email=False,
    )


# --- App passwords ------------------------------------------------------------------------------


def server_address() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/"


@bp.app_context_processor
def setup_helpers():
    """What the set-up steps (caldav/_setup.html) show, wherever they are included."""

    def caldav_setup() -> dict:
        address = server_address()
        return {
            "address": address,
            "dav_address": address.rstrip("/") + PREFIX + "/",
            "email": getattr(current_user, "email", ""),
            "qr_code": qr.svg(
                address, title=_("Adresse du serveur : %(address)s", address=address)
            ),
        }

    return {"caldav_setup": caldav_setup}


@bp.route("/compte/appareils", methods=("GET", "POST"))
@login_required
def devices():
    me = context.current().user_id
    form = forms.AppPasswordForm()
    revoke = forms.RevokeForm(prefix="revoquer")
    created, status = None, None
    if request.method == "POST" and "revoquer-password_id" in request.form:
        return act(
            revoke,
            lambda: passwords.revoke(db.session, me, revoke.password_id.data),
            success=lambda row: _("« %(name)s » ne peut plus se connecter.", name=row.name),
            back=url_for("caldav.devices"),
        )
    done, created = attempt(
        form, lambda: passwords.create(db.session, current_user, form.name.data)
    )
    if done:
        status = 200  # the new password is shown once, on this page
        form = forms.AppPasswordForm(formdata=None)
    calendars = db.session.scalars(
        select(Calendar).where(Calendar.user_id == me).order_by(Calendar.id)
    ).all()
    return page(
        "caldav/devices.html",
        status=status,
        form=form,
        revoke=revoke,
        created=created,
        devices=passwords.active(db.session, me),
        has_calendar=bool(calendars),
        is_director=bool(context.current().director_centre_ids),
    )
