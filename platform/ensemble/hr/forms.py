"""HR forms. French messages; dates typed as JJ/MM/AAAA or picked in a date input."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ensemble.hr.importing import MAX_BYTES, ValueProblem, parse_fte
from ensemble.hr.models import Category, ContractType, DocumentKind, HealthFollowUp
from ensemble.hr.operations import MAX_DOCUMENT_BYTES
from ensemble.kernel import clock
from ensemble.kernel.fields import (
    DateField,
    EmailField,
    FileField,
    HoursField,
    IdSelectField,
    IntegerField,
    KernelField,
    TextAreaField,
    TextField,
    coerce_id,
)
from ensemble.kernel.forms import Form, Optional, Required, check
from ensemble.kernel.parsing import Unreadable

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


def FrenchDateField(label, validators=None, **kwargs) -> DateField:  # noqa: N802 - a field
    """A date typed JJ/MM/AAAA (ISO accepted too), 1900 to 2100."""
    return DateField(label, validators, picker=False, **kwargs)


class FteField(KernelField, StringField):
    """ "0,8", "0.8" or "80 %"."""

    kind = "fte"

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs = self._attributes(kwargs, inputmode="decimal", maxlength="20")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw.strip():
            try:
                self.data = parse_fte(self.raw)
            except ValueProblem as exc:
                raise Unreadable(exc.args[0]) from None

    def _value(self):
        if self.data is None:
            return getattr(self, "raw", "")
        return f"{self.data.normalize():f}".replace(".", ",")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffMemberForm(Form):
    last_name = TextField(_l("Nom"), [Required(_l("Indiquez le nom."))], max_length=100)
    first_name = TextField(_l("Prénom"), [Required(_l("Indiquez le prénom."))], max_length=100)
    email = EmailField(_l("Courriel (facultatif)"), [Optional()])
    job_title = TextField(_l("Emploi"), [Required(_l("Indiquez l’emploi."))], max_length=200)
    contract_type = SelectField(_l("Contrat"), choices=_choices(CONTRACT_LABELS))
    category = SelectField(_l("Catégorie"), choices=_choices(CATEGORY_LABELS))
    start_date = FrenchDateField(_l("Date d’entrée"), [Required(_l("Indiquez la date d’entrée."))])
    end_date = FrenchDateField(_l("Date de fin (contrat à durée déterminée)"), [Optional()])
    trial_renewed = BooleanField(_l("Période d’essai renouvelée"))
    fte = FteField(_l("Temps de travail (ETP)"), [Required(_l("Indiquez le temps de travail."))])
    centre_ids = CheckboxesField(_l("Centres où la personne travaille"), coerce=coerce_id)
    alisfa_job = TextField(_l("Emploi repère ALISFA"), [Optional()], max_length=120)
    alisfa_weighting = IntegerField(
        _l("Pesée ALISFA (points)"),
        [Optional()],
        minimum=0,
        maximum=10000,
        range_message=_l("Entre 0 et 10 000 points."),
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


class TrainingForm(Form):
    title = TextField(_l("Formation"), [Required(_l("Indiquez la formation."))], max_length=200)
    completed_on = FrenchDateField(_l("Suivie le"), [Required(_l("Indiquez la date."))])
    # numeric(6, 2)
    hours = HoursField(
        _l("Durée (heures)"),
        [Optional()],
        digits=6,
        maximum=2000,
        range_message=_l("Entre 0 et 2 000 heures."),
    )
    mandatory = BooleanField(_l("Formation obligatoire (sécurité, adaptation au poste)"))
    valid_until = FrenchDateField(_l("Valable jusqu’au (à renouveler)"), [Optional()])

    def validate_completed_on(self, field):
        check(not field.data or field.data <= clock.today(), _l("Cette date est dans le futur."))


class ConfirmImportForm(Form):
    token = HiddenField(
        validators=[Required(_l("Cet aperçu a expiré : déposez le fichier de nouveau."))]
    )


class ImportForm(Form):
    file = FileField(
        _l("Fichier du registre (.csv ou .xlsx)"),
        [Required(_l("Choisissez un fichier."))],
        max_bytes=MAX_BYTES,
        extensions=("csv", "txt", "xlsx"),
    )


def _upload_field(label):
    return FileField(
        label,
        [Required(_l("Choisissez un fichier."))],
        max_bytes=MAX_DOCUMENT_BYTES,
        extensions=DOCUMENT_TYPES,
    )


class DocumentForm(Form):
    title = TextField(_l("Titre"), [Required(_l("Indiquez un titre."))], max_length=200)
    kind = SelectField(_l("Type"), choices=_choices(DOCUMENT_LABELS))
    staff_member_id = IdSelectField(_l("Personne concernée"), default=0)
    file = _upload_field(_l("Fichier"))


class ToolboxForm(Form):
    title = TextField(_l("Titre"), [Required(_l("Indiquez un titre."))], max_length=200)
    kind = SelectField(_l("Type"), choices=_choices(DOCUMENT_LABELS))
    description = TextAreaField(_l("Description"), [Optional()], max_length=2000)
    employer_ids = CheckboxesField(
        _l("Partager avec"),
        coerce=coerce_id,
        validators=[Required(_l("Choisissez au moins un employeur."))],
    )
    file = _upload_field(_l("Fichier"))
