"""Forms of the app-password page (the kernel's bounded fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ensemble.caldav.passwords import NAME_LENGTH
from ensemble.kernel.fields import IdField, TextField
from ensemble.kernel.forms import Form, Required


class AppPasswordForm(Form):
    name = TextField(
        _l("Nom de l’appareil"),
        validators=[
            Required(_l("Donnez un nom à l’appareil (par exemple « iPhone de Hugo »).")),
        ],
        max_length=NAME_LENGTH,
        description=_l("Pour le reconnaître dans la liste, par exemple « iPhone de Hugo »."),
    )


class RevokeForm(Form):
    # A positive bigint, else « Valeur invalide » (the kernel's IdField).
    password_id = IdField(validators=[Required(_l("Appareil inconnu."))])
