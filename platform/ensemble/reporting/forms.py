"""Forms of federation reporting, with French messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


class YearForm(FlaskForm):
    year = IntegerField(
        _l("Année de la déclaration"),
        validators=[
            InputRequired(_l("Indiquez l’année.")),
            NumberRange(2012, 2100, _l("Une année entre 2012 et 2100.")),
        ],
    )


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (submit, validate, run)."""


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(_l("Écrivez votre message.")),
            Length(max=4000, message=_l("4 000 caractères au plus.")),
        ],
    )


class ConsentForm(FlaskForm):
    share = BooleanField(
        _l("J’accepte que la fédération affiche les chiffres de notre centre nommément")
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("Fichier CSV ou XLSX"), validators=[FileRequired(_l("Choisissez un fichier."))]
    )


class ConfirmImportForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired(_l("Le fichier a été perdu : recommencez."))])


class CloseCampaignForm(FlaskForm):
    year = IntegerField(
        _l("Campagne"),
        validators=[
            InputRequired(_l("Indiquez l’année de la campagne.")),
            NumberRange(2012, 2100, _l("Une année entre 2012 et 2100.")),
        ],
    )
