"""Importing an .ics file into a person's calendar, with a preview."""

from __future__ import annotations

import base64
import binascii

from flask import flash, request
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from ensemble.agenda import forms, importing
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Category
from ensemble.agenda.views.common import _calendar_or_404, _centre, bp
from ensemble.extensions import db
from ensemble.kernel.french import plural
from ensemble.kernel.refusal import Refusal
from ensemble.kernel.views import attempt, page, require
from ensemble.network.models import Centre


@bp.route(
    "/c/<centre_slug>/agenda/agendas/<int:agenda_calendar_id>/importer", methods=("GET", "POST")
)
@login_required
def import_ics(centre_slug: str, agenda_calendar_id: int):
    centre = _centre(centre_slug)
    calendar = _calendar_or_404(centre, agenda_calendar_id)
    places = agenda.bookable_centres(db.session, calendar)
    require(places)
    choices = [SelectChoice(c.id, c.name) for c in places]
    upload = forms.ImportForm()
    confirm = forms.ConfirmImportForm(prefix="confirmer")
    upload.centre.choices = confirm.centre.choices = choices
    candidates, outcome, status = None, None, None
    if request.method == "POST" and "confirmer-content" in request.form:

        def import_all():
            try:
                data = base64.b64decode(confirm.content.data, validate=True)
            except (binascii.Error, ValueError):
                raise importing.ImportProblem(_("Fichier manquant : recommencez.")) from None
            found = importing.parse(data)
            return importing.import_candidates(
                db.session,
                calendar,
                found,
                centres=_chosen_places(found, places, confirm.centre.data),
                category=Category(confirm.category.data),
            )

        done, outcome = attempt(confirm, import_all)
        if done:
            status = 200
            flash(
                plural(
                    outcome.imported, "%(num)s événement importé.", "%(num)s événements importés."
                ),
                "success",
            )
    else:

        def preview():
            data = upload.file.read()
            try:
                found = importing.parse(data)
            except importing.ImportProblem as problem:
                problem.field = "file"
                raise
            confirm.content.data = base64.b64encode(data).decode()
            confirm.centre.data = upload.centre.data
            confirm.category.data = upload.category.data
            importing.judge_by_trial(
                db.session,
                calendar,
                found,
                centres=importing.places_of(found, places, upload.centre.data),
                category=Category(upload.category.data),
            )
            return found

        done, candidates = attempt(upload, preview)
        if done:
            status = 200
    return page(
        "agenda/import.html",
        centre=centre,
        calendar=calendar,
        upload=upload,
        confirm=confirm,
        candidates=candidates,
        places=places,
        place_named=lambda location: importing.centre_named(location, places),
        place_of=importing.places_of(candidates, places, confirm.centre.data) if candidates else {},
        outcome=outcome,
        status=status,
    )


def _chosen_places(
    candidates: list[importing.Candidate], places: list[Centre], default: int | None
) -> dict[int, int]:
    """The centre chosen in the preview for each event (field « lieu-<n> »)."""
    allowed = {c.id for c in places}
    chosen = importing.places_of(candidates, places, default)
    for candidate in candidates:
        value = request.form.get(f"lieu-{candidate.position}", "")
        if not value:
            continue
        if not (value.isascii() and value.isdigit() and int(value) in allowed):
            raise Refusal(
                _("Événement n°%(num)d : choisissez un lieu de la liste.", num=candidate.position)
            )
        chosen[candidate.position] = int(value)
    return chosen
