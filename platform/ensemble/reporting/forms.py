"""Forms of federation reporting, with French messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField

from ensemble.kernel.fields import FileField, TextAreaField, YearField
from ensemble.kernel.forms import Form, Required
from ensemble.kernel.spreadsheets import MAX_BYTES


class YearForm(Form):
    year = YearField(
        _l("Année de la déclaration"),
        validators=[Required(_l("Indiquez l’année."))],
        minimum=2012,
        maximum=2100,
        range_message=_l("Une année entre 2012 et 2100."),
    )


class ActionForm(Form):
    """A button that only needs the CSRF token (submit, validate, run)."""


class MessageForm(Form):
    body = TextAreaField(
        _l("Message"), validators=[Required(_l("Écrivez votre message."))], max_length=4000
    )


class ConsentForm(Form):
    share = BooleanField(
        _l("J’accepte que la fédération affiche les chiffres de notre centre nommément")
    )


class ImportForm(Form):
    file = FileField(
        _l("Fichier CSV ou XLSX"),
        validators=[Required(_l("Choisissez un fichier."))],
        max_bytes=MAX_BYTES,
        extensions=("csv", "txt", "xlsx"),
    )


class ConfirmImportForm(Form):
    payload = HiddenField(validators=[Required(_l("Le fichier a été perdu : recommencez."))])


class CloseCampaignForm(Form):
    year = YearField(_l("Campagne"), validators=[Required(_l("Indiquez l’année de la campagne."))])
