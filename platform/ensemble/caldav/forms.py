"""Forms of the app-password page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ensemble.caldav.passwords import NAME_LENGTH
from ensemble.tenancy.resolve import MAX_ID


class AppPasswordForm(FlaskForm):
    name = StringField(
        _l("Nom de l’appareil"),
        validators=[
            DataRequired(_l("Donnez un nom à l’appareil (par exemple « iPhone de Hugo »).")),
            Length(max=NAME_LENGTH, message=_l("80 caractères au plus.")),
        ],
        description=_l("Pour le reconnaître dans la liste, par exemple « iPhone de Hugo »."),
    )


class RevokeForm(FlaskForm):
    password_id = HiddenField()

    def validate_password_id(self, field) -> None:
        value = (field.data or "").strip()
        if not value.isdigit() or not 0 < int(value) <= MAX_ID:
            raise ValidationError(_l("Appareil inconnu."))
        field.data = int(value)
