"""The person's choice of how notifications reach them by e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from ensemble.kernel.forms import Form

IMMEDIATE = "immediat"
DIGEST = "quotidien"


class EmailChoiceForm(Form):
    delivery = RadioField(
        _l("Recevoir les courriels"),
        choices=[
            SelectChoice(IMMEDIATE, _l("à chaque notification")),
            SelectChoice(DIGEST, _l("en un seul résumé par jour, le matin")),
        ],
        validate_choice=True,
    )
