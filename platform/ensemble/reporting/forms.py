"""Forms of federation reporting, with French messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField

from ensemble.kernel.fields import FileField, KernelField, TextAreaField, YearField
from ensemble.kernel.forms import Form, Required
from ensemble.kernel.spreadsheets import MAX_BYTES


def _year(value: object) -> int:
    """`coerce` for a year chosen in a list: four digits, else the field says so."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) == 4:
        return int(text)
    raise ValueError(value)


class CampaignYearField(KernelField, SelectField):
    """A year among the open campaigns (the view sets `choices`). Any other year
    sent reaches the operation, which refuses it with the campaigns that are open."""

    kind = "select"

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", _year)
        kwargs["validate_choice"] = False
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            try:
                self.data = _year(valuelist[0])
            except ValueError:
                self.data = None
                raise ValueError(_l("Choisissez une année dans la liste.")) from None


class YearForm(Form):
    year = CampaignYearField(
        _l("Année de la déclaration"), validators=[Required(_l("Indiquez l’année."))]
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
