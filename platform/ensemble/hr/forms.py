"""HR forms. French messages; dates typed as JJ/MM/AAAA or picked in a date input."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from ensemble.hr.importing import MAX_BYTES, ValueProblem, parse_date, parse_fte
from ensemble.hr.models import Category, ContractType, DocumentKind, HealthFollowUp
from ensemble.hr.operations import MAX_DOCUMENT_BYTES

CONTRACT_LABELS = {
    ContractType.CDI: _l("CDI"),
    ContractType.CDD: _l("CDD"),
    ContractType.CDDI: _l("CDDI (insertion)"),
    ContractType.APPRENTICESHIP: _l("Apprentissage"),
    ContractType.ASSISTED: _l("Contrat aidé"),
}
CATEGORY_LABELS = {
    Category.EMPLOYEE: _l("Employé·e"),
    Category.SUPERVISOR: _l("Technicien·ne ou agent·e de maîtrise"),
    Category.EXECUTIVE: _l("Cadre"),
}
FOLLOW_UP_LABELS = {
    HealthFollowUp.STANDARD: _l("Standard (visite tous les 5 ans au plus)"),
    HealthFollowUp.ADAPTED: _l("Adapté : handicap, pension d’invalidité (3 ans)"),
    HealthFollowUp.NIGHT_OR_MINOR: _l("Travail de nuit ou moins de 18 ans (3 ans)"),
    HealthFollowUp.REINFORCED: _l("Renforcé, poste à risques (2 ans)"),
}
DOCUMENT_LABELS = {
    DocumentKind.CHECKLIST: _l("Liste de contrôle"),
    DocumentKind.GUIDE: _l("Guide"),
    DocumentKind.TEMPLATE: _l("Modèle"),
    DocumentKind.CONTRACT: _l("Contrat ou avenant"),
    DocumentKind.OTHER: _l("Autre"),
}
DOCUMENT_TYPES = ["pdf", "odt", "ods", "docx", "xlsx", "doc", "xls", "txt", "csv", "png", "jpg"]


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class FrenchDateField(DateField):
    """A text input for JJ/MM/AAAA (ISO accepted too), with a French error."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = parse_date(valuelist[0])
        except ValueProblem:
            raise ValueError(_l("Date invalide : utilisez le format JJ/MM/AAAA.")) from None


class FteField(StringField):
    """ "0,8", "0.8" or "80 %"."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw.strip():
            try:
                self.data = parse_fte(self.raw)
            except ValueProblem as exc:
                raise ValueError(exc.args[0]) from None

    def _value(self):
        if self.data is None:
            return getattr(self, "raw", "")
        return f"{self.data.normalize():f}".replace(".", ",")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffMemberForm(FlaskForm):
    last_name = StringField(_l("Nom"), [DataRequired(_l("Indiquez le nom.")), Length(max=100)])
    first_name = StringField(
        _l("Prénom"), [DataRequired(_l("Indiquez le prénom.")), Length(max=100)]
    )
    email = StringField(
        _l("Courriel (facultatif)"),
        [
            Optional(),
            Email(_l("Adresse e-mail invalide."), check_deliverability=False),
            Length(max=254),
        ],
    )
    job_title = StringField(_l("Emploi"), [DataRequired(_l("Indiquez l’emploi.")), Length(max=200)])
    contract_type = SelectField(_l("Contrat"), choices=_choices(CONTRACT_LABELS))
    category = SelectField(_l("Catégorie"), choices=_choices(CATEGORY_LABELS))
    start_date = FrenchDateField(
        _l("Date d’entrée"), [DataRequired(_l("Indiquez la date d’entrée."))]
    )
    end_date = FrenchDateField(_l("Date de fin (contrat à durée déterminée)"), [Optional()])
    trial_renewed = BooleanField(_l("Période d’essai renouvelée"))
    fte = FteField(
        _l("Temps de travail (ETP)"), [DataRequired(_l("Indiquez le temps de travail."))]
    )
    centre_ids = CheckboxesField(_l("Centres où la personne travaille"), coerce=int)
    alisfa_job = StringField(_l("Emploi repère ALISFA"), [Optional(), Length(max=120)])
    alisfa_weighting = IntegerField(
        _l("Pesée ALISFA (points)"),
        [Optional(), NumberRange(min=0, max=10000, message=_l("Entre 0 et 10 000 points."))],
    )
    health_follow_up = SelectField(_l("Suivi médical"), choices=_choices(FOLLOW_UP_LABELS))
    last_health_visit_on = FrenchDateField(_l("Dernière visite médicale"), [Optional()])
    last_review_on = FrenchDateField(
        _l("Dernier entretien de parcours professionnel"), [Optional()]
    )
    last_career_review_on = FrenchDateField(
        _l("Dernier état des lieux récapitulatif"), [Optional()]
    )

    def add_rule_errors(self, problems: dict[str, object]) -> None:
        for name, message in problems.items():
            self[name].errors = [*self[name].errors, message]


class TrainingForm(FlaskForm):
    title = StringField(
        _l("Formation"), [DataRequired(_l("Indiquez la formation.")), Length(max=200)]
    )
    completed_on = FrenchDateField(_l("Suivie le"), [DataRequired(_l("Indiquez la date."))])
    hours = IntegerField(
        _l("Durée (heures)"),
        [Optional(), NumberRange(min=0, max=2000, message=_l("Entre 0 et 2 000 heures."))],
    )
    mandatory = BooleanField(_l("Formation obligatoire (sécurité, adaptation au poste)"))
    valid_until = FrenchDateField(_l("Valable jusqu’au (à renouveler)"), [Optional()])

    def validate_completed_on(self, field):
        if field.data and field.data > date.today():
            raise ValueError(_l("Cette date est dans le futur."))


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


class ImportForm(FlaskForm):
    file = FileField(
        _l("Fichier du registre (.csv ou .xlsx)"),
        [
            FileRequired(_l("Choisissez un fichier.")),
            FileAllowed(["csv", "txt", "xlsx"], _l("Fichier .csv ou .xlsx attendu.")),
            FileSize(MAX_BYTES, message=_l("Fichier trop lourd (2 Mo au plus).")),
        ],
    )


def _upload_field(label):
    return FileField(
        label,
        [
            FileRequired(_l("Choisissez un fichier.")),
            FileAllowed(DOCUMENT_TYPES, _l("Type de fichier non accepté.")),
            FileSize(MAX_DOCUMENT_BYTES, message=_l("Fichier trop lourd (5 Mo au plus).")),
        ],
    )


class DocumentForm(FlaskForm):
    title = StringField(_l("Titre"), [DataRequired(_l("Indiquez un titre.")), Length(max=200)])
    kind = SelectField(_l("Type"), choices=_choices(DOCUMENT_LABELS))
    staff_member_id = SelectField(_l("Personne concernée"), coerce=int, default=0)
    file = _upload_field(_l("Fichier"))


class ToolboxForm(FlaskForm):
    title = StringField(_l("Titre"), [DataRequired(_l("Indiquez un titre.")), Length(max=200)])
    kind = SelectField(_l("Type"), choices=_choices(DOCUMENT_LABELS))
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])
    employer_ids = CheckboxesField(
        _l("Partager avec"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez au moins un employeur."))],
    )
    file = _upload_field(_l("Fichier"))
