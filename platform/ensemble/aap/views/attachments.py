"""The answer's attachments: each party joins its own documents while the answer
is open; every member lists and downloads them."""

from __future__ import annotations

import io

from flask import flash, redirect, send_file
from flask_babel import gettext as _

from ensemble.aap import forms
from ensemble.aap import operations as aap
from ensemble.aap.models import ATTACHMENT_LABELS, REQUIRED_ATTACHMENTS, AapAttachment
from ensemble.aap.permissions import party_for
from ensemble.aap.views.common import _answer_or_404, _common, _url, _user_id, route
from ensemble.extensions import db
from ensemble.kernel.confirm import Confirmation, confirm
from ensemble.kernel.views import attempt, page, require
from ensemble.network.models import Centre
from ensemble.tenancy import context
from ensemble.tenancy.urls import object_arg

object_arg("attachment_id", AapAttachment)


@route("/reponses/<int:answer_id>/pieces/", methods=("GET", "POST"))
def attachments(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    form = forms.AttachmentForm()
    # The person adds for the centre in the URL, if they belong to it.
    may_add = item.is_open and centre.id in context.current().centre_ids
    if form.is_submitted():
        require(may_add)
        done, added = attempt(
            form,
            lambda: aap.add_attachment(
                db.session,
                item,
                centre,
                kind=form.kind.data or "",
                filename=form.file.data.filename or "",
                content=form.file.read(),
                user_id=_user_id(),
            ),
        )
        if done and added is not None:
            flash(
                _("Le fichier « %(name)s » est joint au dossier.", name=added.filename), "success"
            )
            return redirect(_url("attachments", centre, answer_id=item.id))
    own = party_for(item, centre)
    return page(
        "aap/attachments.html",
        form=form,
        may_add=may_add,
        own_party_id=own.id if own is not None else None,
        items=aap.attachments(db.session, item),
        missing=aap.missing_attachments(db.session, item),
        required=[ATTACHMENT_LABELS[k] for k in REQUIRED_ATTACHMENTS],
        **_common(centre, item),
    )


@route("/reponses/<int:answer_id>/pieces/<int:attachment_id>")
def attachment(centre: Centre, answer_id: int, attachment_id: int):
    item = _answer_or_404(centre, answer_id)
    found = aap.attachment_of(db.session, item, attachment_id)
    require(found is not None)
    assert found is not None
    response = send_file(
        io.BytesIO(found.content),
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
    )
    # A statute or a RIB stays out of shared caches and the browser's disk cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@route("/reponses/<int:answer_id>/pieces/<int:attachment_id>/supprimer", methods=("GET", "POST"))
def delete_attachment(centre: Centre, answer_id: int, attachment_id: int):
    """A party removes one of its own documents, after a confirmation page."""
    item = _answer_or_404(centre, answer_id)
    found = aap.attachment_of(db.session, item, attachment_id)
    own = party_for(item, centre)
    require(
        item.is_open
        and found is not None
        and own is not None
        and found.party_id == own.id
        and centre.id in context.current().centre_ids
    )
    assert found is not None
    back = _url("attachments", centre, answer_id=item.id)
    confirmation = Confirmation(
        title=_("Retirer « %(name)s » du dossier ?", name=found.filename),
        consequences=[
            _(
                "Cette pièce (%(kind)s, %(centre)s) ne sera plus jointe à la réponse ; "
                "pour la joindre de nouveau, il faudra déposer le fichier.",
                kind=found.kind_label,
                centre=centre.name,
            )
        ],
        confirm_label=_("Retirer la pièce"),
        cancel_url=back,
    )
    return confirm(
        confirmation,
        lambda: aap.delete_attachment(db.session, item, centre, attachment_id),
        success=lambda removed: _(
            "Le fichier « %(name)s » est retiré du dossier.", name=removed.filename
        ),
        next_url=back,
    )
