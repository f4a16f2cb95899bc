"""Importing an .ics file into a person's calendar, with a preview."""

from __future__ import annotations

import base64
import binascii

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from ensemble.agenda import forms, importing
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Category
from ensemble.agenda.views.common import _allowed_or_404, _calendar_or_404, _centre, bp
from ensemble.extensions import db


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/importer", methods=("GET", "POST")
)
@login_required
def import_ics(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    places = agenda.bookable_centres(db.session, calendar)
    _allowed_or_404(bool(places))
    choices = [SelectChoice(c.id, c.name) for c in places]
    upload = forms.ImportForm()
    confirm = forms.ConfirmImportForm(prefix="confirmer")
    upload.centre.choices = confirm.centre.choices = choices
    candidates, outcome = None, None
    if request.method == "POST" and "confirmer-content" in request.form:
        if confirm.validate_on_submit():
            try:
                data = base64.b64decode(confirm.content.data, validate=True)
                candidates = importing.parse(data)
            except (binascii.Error, ValueError) as error:
                confirm.form_errors.append(
                    error.args[0]
                    if isinstance(error, importing.ImportProblem)
                    else _("Fichier manquant : recommencez.")
                )
            else:
                outcome = importing.import_candidates(
                    db.session,
                    calendar,
                    candidates,
                    centre_id=confirm.centre.data,
                    category=Category(confirm.category.data),
                )
                flash(_("%(num)d événement(s) importé(s).", num=outcome.imported), "success")
    elif upload.validate_on_submit():
        data = upload.file.data.read(importing.MAX_BYTES + 1)
        try:
            candidates = importing.parse(data)
        except importing.ImportProblem as problem:
            upload.file.errors.append(str(problem))
        else:
            confirm.content.data = base64.b64encode(data).decode()
            confirm.centre.data = upload.centre.data
            confirm.category.data = upload.category.data
    return render_template(
        "agenda/import.html",
        centre=centre,
        calendar=calendar,
        upload=upload,
        confirm=confirm,
        candidates=candidates,
        outcome=outcome,
    )
