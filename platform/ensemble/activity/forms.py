"""Forms of the actions, with French messages and the bounds of their columns."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ensemble.activity.models import MAX_PARTICIPANTS, MAX_VOLUNTEER_HOURS
from ensemble.activity.operations import MAX_SESSIONS_PER_PLAN
from ensemble.kernel.fields import (
    CountField,
    DateField,
    DecimalField,
    HoursField,
    IdSelectField,
    TextField,
    TimeField,
    YearField,
    coerce_id,
)
from ensemble.kernel.forms import Form, Optional, Required

AGE_BAND_CHOICES = [
    SelectChoice("", _l("Non renseignée")),
    SelectChoice("0-17", _l("0-17 ans")),
    SelectChoice("18-25", _l("18-25 ans")),
    SelectChoice("26-59", _l("26-59 ans")),
    SelectChoice("60+", _l("60 ans et plus")),
]
SEX_CHOICES = [
    SelectChoice("", _l("Non renseigné")),
    SelectChoice("femmes", _l("Femme")),
    SelectChoice("hommes", _l("Homme")),
]


class ActionForm(Form):
    name = TextField(_l("Nom de l’action"), [Required(_l("Indiquez le nom."))], max_length=200)
    sector = SelectField(_l("Secteur"), choices=[], validate_choice=True)
    public = TextField(_l("Public"), [Optional()], max_length=200)
    place = TextField(_l("Lieu"), [Optional()], max_length=200)
    funding_agreement_id = IdSelectField(_l("Financée par la réponse commune"))
    post_agreement_id = IdSelectField(_l("Animée par le ou la titulaire du poste partagé"))
    participations_indicator = SelectField(
        _l("Ses participations comptent dans"), choices=[], validate_choice=True, default=""
    )
    people_indicator = SelectField(
        _l("Ses personnes différentes comptent dans"), choices=[], validate_choice=True, default=""
    )
    days_indicator = SelectField(
        _l("Ses jours d’ouverture comptent dans"), choices=[], validate_choice=True, default=""
    )
    hours_indicator = SelectField(
        _l("Ses heures d’ouverture comptent dans"), choices=[], validate_choice=True, default=""
    )


class PlanForm(Form):
    first_day = DateField(_l("Première séance"), [Required(_l("Indiquez la date."))])
    start = TimeField(_l("Début"), [Required(_l("Indiquez l’heure de début."))])
    end = TimeField(_l("Fin"), [Required(_l("Indiquez l’heure de fin."))])
    count = CountField(
        _l("Nombre de séances (une par semaine)"),
        [Required(_l("Indiquez le nombre de séances."))],
        minimum=1,
        maximum=MAX_SESSIONS_PER_PLAN,
        range_message=_l("Entre 1 et %(n)s séances.", n=MAX_SESSIONS_PER_PLAN),
    )

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("La fin doit être après le début."))


def _count(label) -> CountField:
    return CountField(
        label,
        [Optional()],
        maximum=MAX_PARTICIPANTS,
        range_message=_l("Entre 0 et %(n)s.", n=MAX_PARTICIPANTS),
    )


class AttendanceForm(Form):
    present = SelectMultipleField(_l("Participants inscrits présents"), coerce=coerce_id)
    participants = _count(_l("Nombre de participants"))
    women = _count(_l("Femmes"))
    men = _count(_l("Hommes"))
    age_0_17 = _count(_l("0-17 ans"))
    age_18_25 = _count(_l("18-25 ans"))
    age_26_59 = _count(_l("26-59 ans"))
    age_60_plus = _count(_l("60 ans et plus"))
    volunteers = _count(_l("Bénévoles présents"))
    volunteer_hours = HoursField(
        _l("Heures de bénévolat (toutes et tous ensemble)"),
        [Optional()],
        digits=8,
        maximum=MAX_VOLUNTEER_HOURS,
    )

    def validate_participants(self, field) -> None:
        if field.data is None and not self.present.data:
            raise ValidationError(_l("Indiquez le nombre de participants ou cochez-les."))


class ParticipantForm(Form):
    display_name = TextField(
        _l("Nom sous lequel la cocher"),
        [Required(_l("Indiquez un nom."))],
        max_length=120,
    )
    birth_year = YearField(_l("Année de naissance"), [Optional()])
    age_band = SelectField(_l("Ou tranche d’âge"), choices=AGE_BAND_CHOICES)
    sex = SelectField(_l("Sexe"), choices=SEX_CHOICES)
    consent = BooleanField(_l("La personne accepte que le centre garde ces informations"))


class CorrectionForm(Form):
    """One pre-filled figure corrected, posted from the review page."""

    year = YearField(validators=[Optional()])
    code = TextField(
        validators=[Required(_l("Chiffre manquant : rechargez la page."))], max_length=60
    )
    key = TextField(validators=[Optional()], max_length=20)
    value = DecimalField(
        _l("Chiffre corrigé"),
        [Required(_l("Indiquez le chiffre."))],
        digits=14,
        places=2,
    )
    reason = TextField(
        _l("Raison de la correction"),
        [Required(_l("Indiquez la raison de la correction."))],
        max_length=1000,
    )


class ButtonForm(Form):
    """A button for the campaign year shown (carry over, recompute)."""

    year = YearField(validators=[Optional()])
