"""A centre's private notes and the dossier downloads (DOCX, ODT, PDF)."""

from __future__ import annotations

import io

from flask import flash, redirect, send_file
from flask_babel import gettext as _

from ensemble.aap import exports, forms
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer
from ensemble.aap.views.common import DOCX, ODT, _answer_or_404, _common, _url, route
from ensemble.extensions import db
from ensemble.kernel.views import attempt, page
from ensemble.network.models import Centre


@route("/reponses/<int:answer_id>/notes", methods=("GET", "POST"))
def notes(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    note = aap.note_of(db.session, item, centre)
    form = forms.NoteForm(obj=note)
    done, _note = attempt(
        form, lambda: aap.save_note(db.session, item, centre, form.body.data or "")
    )
    if done:
        flash(_("Notes enregistrées."), "success")
        return redirect(_url("notes", centre, answer_id=item.id))
    return page("aap/notes.html", form=form, **_common(centre, item))


def _dossier_download(item: AapAnswer, fmt: str, mimetype: str):
    """The assembled dossier as a file: the one pre-rendered for its current version, or
    rendered now (exports.dossier_file)."""
    return send_file(
        io.BytesIO(exports.dossier_file(db.session, item, fmt)),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"reponse-{item.id}.{fmt}",
    )


@route("/reponses/<int:answer_id>/dossier.docx")
def export_docx(centre: Centre, answer_id: int):
    return _dossier_download(_answer_or_404(centre, answer_id), "docx", DOCX)


@route("/reponses/<int:answer_id>/dossier.odt")
def export_odt(centre: Centre, answer_id: int):
    return _dossier_download(_answer_or_404(centre, answer_id), "odt", ODT)


@route("/reponses/<int:answer_id>/dossier.pdf")
def export_pdf(centre: Centre, answer_id: int):
    return _dossier_download(_answer_or_404(centre, answer_id), "pdf", "application/pdf")
