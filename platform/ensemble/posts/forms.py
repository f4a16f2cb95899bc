"""Forms of the shared posts, with French messages. Amounts and hours accept a
decimal comma, as French users type them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    Field,
    MonthField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.widgets import TextInput

from ensemble.posts.models import Arrangement, DocumentKind, ShareUnit

ARRANGEMENT_LABELS = {
    Arrangement.SHARED_TIME: _l("Temps partagé multi-employeurs"),
    Arrangement.SECONDMENT: _l("Mise à disposition"),
    Arrangement.EMPLOYERS_GROUP: _l("Groupement d’employeurs"),
}
UNIT_LABELS = {
    ShareUnit.PERCENT: _l("pour cent du temps de travail"),
    ShareUnit.HOURS_PER_WEEK: _l("heures par semaine"),
}
DOCUMENT_LABELS = {
    DocumentKind.AGREEMENT: _l("Convention de mise à disposition"),
    DocumentKind.AMENDMENT: _l("Avenant au contrat de travail"),
    DocumentKind.CONSENT: _l("Accord écrit du salarié"),
}


class FrenchDecimalField(Field):
    """A number typed « 1 234,56 » or « 1234.56 »; a text input with a decimal keypad."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, places: int = 2, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.places = places

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data:.{self.places}f}".replace(".", ",")

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        raw = valuelist[0].strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
        try:
            value = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or len(raw) > 20:
            raise ValueError(_l("Indiquez un nombre, par exemple 1 234,56."))
        if value != value.quantize(Decimal(1).scaleb(-self.places)):
            raise ValueError(
                _l("Indiquez au plus %(places)d chiffres après la virgule.", places=self.places)
            )
        self.data = value

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # one clear message, not a range error on top


def _required(message):
    return DataRequired(message)


def _number_required(message):
    # InputRequired, not DataRequired: 0 is a valid amount.
    return InputRequired(message)


DATE_MESSAGE = _l("Indiquez une date valide (JJ/MM/AAAA).")


class PostForm(FlaskForm):
    title = StringField(
        _l("Intitulé du poste"),
        validators=[_required(_l("Indiquez l’intitulé du poste.")), Length(max=300)],
    )
    arrangement = SelectField(
        _l("Forme de mutualisation"),
        choices=[SelectChoice(a.value, label) for a, label in ARRANGEMENT_LABELS.items()],
    )
    holder_email = EmailField(
        _l("Adresse e-mail de la personne qui occupe le poste"),
        validators=[
            _required(_l("Indiquez l’adresse e-mail de la personne.")),
            Email(_l("Cette adresse e-mail n’est pas valide."), check_deliverability=False),
            Length(max=254),
        ],
    )
    weekly_hours = FrenchDecimalField(
        _l("Durée du travail (heures par semaine)"),
        validators=[
            _number_required(_l("Indiquez la durée du travail.")),
            NumberRange(1, 48, _l("Entre 1 et 48 heures par semaine.")),
        ],
        default=Decimal("35"),
    )
    starts_on = DateField(_l("Début"), validators=[_required(DATE_MESSAGE)], format="%Y-%m-%d")
    ends_on = DateField(_l("Fin (facultatif)"), validators=[Optional()], format="%Y-%m-%d")
    tasks = TextAreaField(_l("Missions confiées"), validators=[Length(max=5000)])
    insurance = TextAreaField(_l("Assurance"), validators=[Length(max=2000)])
    drift_threshold_percent = FrenchDecimalField(
        _l("Écart toléré entre temps convenu et temps réel (%)"),
        validators=[
            _number_required(_l("Indiquez l’écart toléré.")),
            NumberRange(1, 100, _l("Entre 1 et 100 %.")),
        ],
        default=Decimal("10"),
    )


class AllocationForm(FlaskForm):
    party = SelectField(
        _l("Structure"),
        validators=[_required(_l("Choisissez une structure."))],
        validate_choice=False,  # the operation explains a party outside the network
    )
    site_centre_id = SelectField(
        _l("Centre où s’exerce la part"), validate_choice=False, default=""
    )
    unit = SelectField(
        _l("Unité"), choices=[SelectChoice(u.value, label) for u, label in UNIT_LABELS.items()]
    )
    share = FrenchDecimalField(
        _l("Part convenue"),
        validators=[_number_required(_l("Indiquez la part convenue."))],
    )
    starts_on = DateField(_l("Du"), validators=[_required(DATE_MESSAGE)], format="%Y-%m-%d")
    ends_on = DateField(_l("Au (facultatif)"), validators=[Optional()], format="%Y-%m-%d")


class DocumentForm(FlaskForm):
    kind = SelectField(
        _l("Document"),
        choices=[SelectChoice(k.value, label) for k, label in DOCUMENT_LABELS.items()],
    )
    signed_on = DateField(_l("Signé le"), validators=[_required(DATE_MESSAGE)], format="%Y-%m-%d")
    file = FileField(
        _l("Fichier (PDF, DOCX, ODT, JPEG ou PNG, 5 Mo au plus)"),
        validators=[FileRequired(_l("Choisissez le fichier signé."))],
    )


class TimeEntryForm(FlaskForm):
    centre_id = SelectField(
        _l("Centre"),
        validators=[_required(_l("Choisissez le centre."))],
        validate_choice=False,
    )
    work_date = DateField(_l("Jour"), validators=[_required(DATE_MESSAGE)], format="%Y-%m-%d")
    hours = FrenchDecimalField(
        _l("Heures"),
        validators=[
            _number_required(_l("Indiquez le nombre d’heures.")),
            NumberRange(Decimal("0.25"), 24, _l("Indiquez entre 0,25 et 24 heures.")),
        ],
    )
    note = StringField(_l("Activité (facultatif)"), validators=[Length(max=300)])


MONTH_MESSAGE = _l("Indiquez un mois valide (AAAA-MM).")


def _money(label):
    return FrenchDecimalField(
        label,
        validators=[
            _number_required(_l("Indiquez un montant (0 s’il n’y en a pas).")),
            NumberRange(0, Decimal("9999999.99"), _l("Indiquez un montant positif ou nul.")),
        ],
    )


class CostForm(FlaskForm):
    valid_from = MonthField(
        _l("À partir du mois de"), validators=[_required(MONTH_MESSAGE)], format="%Y-%m"
    )
    gross_salary = _money(_l("Salaire brut mensuel"))
    employer_charges = _money(_l("Charges sociales patronales"))
    travel_expenses = _money(_l("Frais professionnels (déplacements entre sites)"))
    employment_aid = _money(_l("Aides à l’emploi perçues"))


class StatementForm(FlaskForm):
    month = MonthField(_l("Mois"), validators=[_required(MONTH_MESSAGE)], format="%Y-%m")
    correction_note = TextAreaField(
        _l("Motif de la correction (si un état existe déjà pour ce mois)"),
        validators=[Length(max=2000)],
    )
