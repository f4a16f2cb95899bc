"""Subscription feeds: the page that gives, regenerates or revokes the private
address, and the feed itself (an ETag, a 304 when unchanged)."""

from __future__ import annotations

import functools

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ensemble.agenda import feeds, forms, permissions
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar
from ensemble.agenda.views.common import _centre, bp
from ensemble.extensions import db
from ensemble.kernel import clock, qr
from ensemble.kernel.confirm import Confirmation, confirm
from ensemble.kernel.views import require
from ensemble.network.models import Centre
from ensemble.tenancy import context
from ensemble.tenancy.resolve import MAX_ID
from ensemble.web.urls import external_url


def _feed_url(feed) -> str | None:
    if feed is None:
        return None
    value = feeds.token(current_app.config["SECRET_KEY"], feed.id, feed.nonce)
    return external_url("agenda.feed", token=value)


def webcal(url: str | None) -> str | None:
    """The feed's address as a webcal:// link, which a phone opens straight in its
    calendar app as a read-only subscription (the same host and path: PUBLIC_URL)."""
    if url is None:
        return None
    return "webcal://" + url.split("://", 1)[1]


def _feed(url: str | None) -> dict | None:
    """What the page shows of one feed: its address, its webcal link, its QR code."""
    if url is None:
        return None
    link = webcal(url)
    return {
        "url": url,
        "webcal": link,
        "qr_code": qr.svg(link or url, title=_("Lien d’abonnement (webcal) à scanner")),
    }


@bp.route("/c/<centre_slug>/agenda/abonnement", methods=("GET", "POST"))
@login_required
def subscription(centre_slug: str):
    centre = _centre(centre_slug)
    ctx = context.current()
    has_calendar = (
        db.session.scalar(select(Calendar.id).where(Calendar.user_id == ctx.user_id).limit(1))
        is not None
    )
    is_director = permissions.is_director(centre, ctx)
    form = forms.FeedForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        scope = form.scope.data
        require(has_calendar if scope == "person" else is_director)
        target = {"user_id": ctx.user_id} if scope == "person" else {"centre_id": centre.id}
        if form.action.data == "regenerate":
            had_one = agenda.active_feed(db.session, **target) is not None
            agenda.regenerate_feed(db.session, **target)
            if had_one:
                flash(_("Nouvelle adresse créée : l’ancienne ne fonctionne plus."), "success")
            else:
                flash(_("Adresse créée : copiez-la dans l’application d’agenda."), "success")
        else:
            agenda.revoke_feed(db.session, **target)
            flash(_("Adresse révoquée."), "success")
        return redirect(url_for("agenda.subscription", centre_slug=centre.slug))
    person_feed = agenda.active_feed(db.session, user_id=ctx.user_id) if has_calendar else None
    centre_feed = agenda.active_feed(db.session, centre_id=centre.id) if is_director else None
    return render_template(
        "agenda/subscription.html",
        centre=centre,
        form=form,
        has_calendar=has_calendar,
        is_director=is_director,
        person=_feed(_feed_url(person_feed)),
        centre_feed=_feed(_feed_url(centre_feed)),
    )


@bp.route("/agenda/flux/<token:token>.ics")
def feed(token: str):
    """The private feed: no session, the token is the key. A revoked, regenerated
    or forged token is a 404, like any unknown page."""
    parsed = feeds.parse_token(token)
    if parsed is None or parsed[0] > MAX_ID:
        abort(404)
    found = agenda.feed_scope(db.session, parsed[0])
    if found is None or not feeds.verify(current_app.config["SECRET_KEY"], token, found[0]):
        abort(404)
    nonce, user_id, centre_id = found
    scope = feeds.Scope(user_id, centre_id)
    context.activate(scope.context(db.session), db.session)
    today = clock.today()
    tag = feeds.etag(db.session, scope, nonce, today)
    # A feed is personal data behind a token: nothing shared may keep it, and a
    # client revalidates every time (a 304 from the ETag costs almost nothing).
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if feeds.matches(request.headers.get("If-None-Match"), tag):
        return Response(status=304, headers=headers)
    if centre_id is not None:
        centre = db.session.get(Centre, centre_id)
        name = centre.name if centre else _("Agenda du centre")
    else:
        name = _("Mon agenda — Ensemble")
    body = feeds.build(db.session, scope, name, today)
    return Response(
        body, headers=headers, mimetype="text/calendar", content_type="text/calendar; charset=utf-8"
    )


# --- Replacing or revoking an address: a confirmation first ------------------------
# Issue 13: « Créer une nouvelle adresse » silently cut the phone's subscription.
# Creating the first address loses nothing and stays one click on the page above.

FEED_CHANGES = {
    ("person", "regenerate"): "mon-agenda/nouvelle-adresse",
    ("person", "revoke"): "mon-agenda/revoquer",
    ("centre", "regenerate"): "centre/nouvelle-adresse",
    ("centre", "revoke"): "centre/revoquer",
}


@login_required
def change_feed(centre_slug: str, scope: str, change: str):
    centre = _centre(centre_slug)
    ctx = context.current()
    if scope == "person":
        has_calendar = db.session.scalar(
            select(Calendar.id).where(Calendar.user_id == ctx.user_id).limit(1)
        )
        require(has_calendar is not None)
        target = {"user_id": ctx.user_id}
    else:
        require(permissions.is_director(centre, ctx))
        target = {"centre_id": centre.id}
    back = url_for("agenda.subscription", centre_slug=centre.slug)
    lost = (
        _(
            "L’adresse actuelle cessera de fonctionner : les téléphones et logiciels qui y"
            " sont abonnés ne recevront plus rien tant qu’on ne leur aura pas donné la nouvelle."
        )
        if agenda.active_feed(db.session, **target) is not None
        else _("Aucune adresse n’est active pour l’instant : rien ne sera coupé.")
    )
    if change == "regenerate":
        confirmation = Confirmation(
            title=_("Remplacer l’adresse d’abonnement ?"),
            consequences=[lost, _("Une nouvelle adresse privée sera créée, à copier de nouveau.")],
            confirm_label=_("Remplacer l’adresse"),
            cancel_url=back,
        )
        action = functools.partial(agenda.regenerate_feed, db.session, **target)
        success = _("Nouvelle adresse créée : l’ancienne ne fonctionne plus.")
    else:
        confirmation = Confirmation(
            title=_("Révoquer l’adresse d’abonnement ?"),
            consequences=[lost, _("Aucune adresse ne sera plus active.")],
            confirm_label=_("Révoquer l’adresse"),
            cancel_url=back,
        )
        action = functools.partial(agenda.revoke_feed, db.session, **target)
        success = _("Adresse révoquée.")
    return confirm(confirmation, action, success=success, next_url=back)


def _change_view(scope: str, change: str):
    """One route per address and change: the URL names no argument but the centre."""

    def view(centre_slug: str):
        return change_feed(centre_slug, scope, change)

    view.__name__ = f"feed_{scope}_{change}"
    return view


for (_scope, _change), _tail in FEED_CHANGES.items():
    bp.add_url_rule(
        f"/c/<centre_slug>/agenda/abonnement/{_tail}",
        f"feed_{_scope}_{_change}",
        _change_view(_scope, _change),
        methods=("GET", "POST"),
    )
