"""Forms of the shared posts, with French messages. Amounts and hours accept a
decimal comma, as French users type them."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from ensemble.kernel.fields import (
    DateField,
    DecimalField,
    EmailField,
    EurosField,
    FileField,
    HoursField,
    MonthField,
    PercentField,
    TextAreaField,
    TextField,
)
from ensemble.kernel.forms import Form, Optional, Required
from ensemble.posts.models import MAX_DOCUMENT_BYTES, Arrangement, DocumentKind, ShareUnit

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


DATE_MESSAGE = _l("Indiquez une date valide (JJ/MM/AAAA).")


class PostForm(Form):
    title = TextField(
        _l("Intitulé du poste"),
        validators=[Required(_l("Indiquez l’intitulé du poste."))],
        max_length=300,
    )
    arrangement = SelectField(
        _l("Forme de mutualisation"),
        choices=[SelectChoice(a.value, label) for a, label in ARRANGEMENT_LABELS.items()],
    )
    holder_email = EmailField(
        _l("Adresse e-mail de la personne qui occupe le poste"),
        validators=[Required(_l("Indiquez l’adresse e-mail de la personne."))],
    )
    # numeric(5, 2) columns; the domain: a week of 1 to 48 hours, a tolerance of 1 to 100 %.
    weekly_hours = HoursField(
        _l("Durée du travail (heures par semaine)"),
        validators=[Required(_l("Indiquez la durée du travail."))],
        minimum=1,
        maximum=48,
        range_message=_l("Entre 1 et 48 heures par semaine."),
        default=Decimal("35"),
    )
    starts_on = DateField(_l("Début"), validators=[Required(DATE_MESSAGE)])
    ends_on = DateField(_l("Fin (facultatif)"), validators=[Optional()])
    tasks = TextAreaField(_l("Missions confiées"), max_length=5000)
    insurance = TextAreaField(_l("Assurance"), max_length=2000)
    drift_threshold_percent = PercentField(
        _l("Écart toléré entre temps convenu et temps réel (%)"),
        validators=[Required(_l("Indiquez l’écart toléré."))],
        minimum=1,
        maximum=100,
        range_message=_l("Entre 1 et 100 %."),
        default=Decimal("10"),
    )


class AllocationForm(Form):
    party = SelectField(
        _l("Structure"),
        validators=[Required(_l("Choisissez une structure."))],
        validate_choice=False,  # the operation explains a party outside the network
    )
    site_centre_id = SelectField(
        _l("Centre où s’exerce la part"), validate_choice=False, default=""
    )
    unit = SelectField(
        _l("Unité"), choices=[SelectChoice(u.value, label) for u, label in UNIT_LABELS.items()]
    )
    # numeric(7, 2); the operation checks it against the unit (100 %, 48 h a week).
    share = DecimalField(
        _l("Part convenue"),
        validators=[Required(_l("Indiquez la part convenue."))],
        digits=7,
        places=2,
    )
    starts_on = DateField(_l("Du"), validators=[Required(DATE_MESSAGE)])
    ends_on = DateField(_l("Au (facultatif)"), validators=[Optional()])


class DocumentForm(Form):
    kind = SelectField(
        _l("Document"),
        choices=[SelectChoice(k.value, label) for k, label in DOCUMENT_LABELS.items()],
    )
    signed_on = DateField(_l("Signé le"), validators=[Required(DATE_MESSAGE)])
    file = FileField(
        _l("Fichier (PDF, DOCX, ODT, JPEG ou PNG, 5 Mo au plus)"),
        validators=[Required(_l("Choisissez le fichier signé."))],
        max_bytes=MAX_DOCUMENT_BYTES,
        extensions=("pdf", "docx", "odt", "jpg", "jpeg", "png"),
    )


class TimeEntryForm(Form):
    centre_id = SelectField(
        _l("Centre"),
        validators=[Required(_l("Choisissez le centre."))],
        validate_choice=False,
    )
    work_date = DateField(_l("Jour"), validators=[Required(DATE_MESSAGE)])
    hours = HoursField(
        _l("Heures"),
        validators=[Required(_l("Indiquez le nombre d’heures."))],
        minimum=Decimal("0.25"),
        maximum=24,
        range_message=_l("Indiquez entre 0,25 et 24 heures."),
    )
    note = TextField(_l("Activité (facultatif)"), max_length=300)


MONTH_MESSAGE = _l("Indiquez un mois valide (AAAA-MM).")


def _money(label):
    # Four monthly amounts whose sum and shares fit numeric(12, 2): each below ten million.
    return EurosField(
        label,
        validators=[Required(_l("Indiquez un montant (0 s’il n’y en a pas)."))],
        maximum=Decimal("9999999.99"),
    )


class CostForm(Form):
    valid_from = MonthField(_l("À partir du mois de"), validators=[Required(MONTH_MESSAGE)])
    gross_salary = _money(_l("Salaire brut mensuel"))
    employer_charges = _money(_l("Charges sociales patronales"))
    travel_expenses = _money(_l("Frais professionnels (déplacements entre sites)"))
    employment_aid = _money(_l("Aides à l’emploi perçues"))


class StatementForm(Form):
    month = MonthField(_l("Mois"), validators=[Required(MONTH_MESSAGE)])
    correction_note = TextAreaField(
        _l("Motif de la correction (si un état existe déjà pour ce mois)"), max_length=2000
    )
