"""Forms of the joint answers, with French messages. Amounts accept a decimal
comma, as French users type them; ids posted in forms are checked as ids."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation
from wtforms.widgets import TextInput

from ensemble.aap.models import Funder, SectionStatus
from ensemble.aap.operations import FUNDER_LABELS

MAX_ID = 2**63 - 1
DATE_MESSAGE = _l("Indiquez une date valide (jj/mm/aaaa).")

STATUS_LABELS = {
    SectionStatus.TO_WRITE: _l("À rédiger"),
    SectionStatus.IN_PROGRESS: _l("En cours"),
    SectionStatus.TO_REVIEW: _l("À relire"),
    SectionStatus.APPROVED: _l("Approuvée"),
}


def _required(message):
    return DataRequired(message=message)


class FrenchDecimalField(Field):
    """A euro amount typed « 1 234,56 » or « 1234.56 »."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:.2f}".replace(".", ",")

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        raw = valuelist[0].strip()
        for space in ("\u202f", "\u00a0", " ", "€"):
            raw = raw.replace(space, "")
        try:
            value = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or len(raw) > 16:
            raise ValueError(_l("Indiquez un montant, par exemple 1 234,56."))
        if value < 0:
            raise ValueError(_l("Le montant doit être positif."))
        if value != value.quantize(Decimal("0.01")):
            raise ValueError(_l("Indiquez au plus deux chiffres après la virgule."))
        self.data = value


class IdField(HiddenField):
    """A row id posted by a form: a positive bigint, else a field error."""

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            return
        if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
            raise ValueError(_l("Valeur invalide."))
        self.data = int(raw)


class VersionField(HiddenField):
    """The version a form started from (0 for a section never saved)."""

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw.isdigit() or len(raw) > 9:
            raise ValueError(_l("Version invalide : rechargez la page."))
        self.data = int(raw)


def _require_id(form, field):  # noqa: ARG001
    if field.data is None:
        raise StopValidation(_l("Valeur manquante : rechargez la page."))


class CallForm(FlaskForm):
    funder = SelectField(
        _l("Financeur"),
        choices=[SelectChoice(f.value, label) for f, label in FUNDER_LABELS.items()],
        validators=[InputRequired(_l("Choisissez le financeur."))],
    )
    title = StringField(
        _l("Intitulé de l’appel"),
        validators=[_required(_l("Indiquez l’intitulé.")), Length(max=300)],
    )
    deadline = DateField(
        _l("Date limite de dépôt"), validators=[_required(DATE_MESSAGE)], format="%Y-%m-%d"
    )
    link = StringField(_l("Lien vers l’appel (facultatif)"), validators=[Length(max=500)])
    theme = StringField(_l("Thème (facultatif)"), validators=[Length(max=200)])
    envelope = FrenchDecimalField(_l("Enveloppe en euros (facultatif)"), validators=[Optional()])
    eligibility = TextAreaField(
        _l("Conditions d’éligibilité (facultatif)"), validators=[Length(max=5000)]
    )

    def funder_value(self) -> Funder:
        return Funder(self.funder.data)


class WithdrawCallForm(FlaskForm):
    """Only the CSRF token: withdrawing names its call in the URL."""


class StartAnswerForm(FlaskForm):
    call_id = IdField(validators=[_require_id])


class InviteForm(FlaskForm):
    centre_id = SelectField(
        _l("Centre partenaire"),
        choices=[],
        validators=[InputRequired(_l("Choisissez un centre."))],
        validate_choice=True,
    )


class PartyForm(FlaskForm):
    party_id = IdField(validators=[_require_id])


class RespondForm(FlaskForm):
    decision = SelectField(
        _l("Réponse"),
        choices=[
            SelectChoice("accept", _l("Accepter")),
            SelectChoice("decline", _l("Décliner")),
            SelectChoice("leave", _l("Quitter")),
        ],
        validators=[InputRequired()],
    )


class NewSectionForm(FlaskForm):
    title = StringField(
        _l("Intitulé de la rubrique"),
        validators=[_required(_l("Indiquez l’intitulé.")), Length(max=200)],
    )


class MoveForm(FlaskForm):
    direction = SelectField(
        choices=[SelectChoice("up", "up"), SelectChoice("down", "down")],
        validators=[InputRequired()],
    )


class SectionForm(FlaskForm):
    base_version = VersionField()
    body = TextAreaField(_l("Texte de la rubrique"), validators=[Length(max=200_000)])


class SectionSettingsForm(FlaskForm):
    status = SelectField(
        _l("État"),
        choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
        validators=[InputRequired()],
    )


class WriterForm(FlaskForm):
    writer_user_id = SelectField(_l("Rédacteur ou rédactrice"), choices=[], validate_choice=True)


class OwnerForm(FlaskForm):
    owner_party_id = SelectField(_l("Centre responsable"), choices=[], validate_choice=True)


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Commentaire"), validators=[_required(_l("Écrivez un commentaire.")), Length(max=5000)]
    )
    parent_id = IdField()


class ResolveForm(FlaskForm):
    comment_id = IdField(validators=[_require_id])


class RestoreForm(FlaskForm):
    version = VersionField()


class BudgetLineForm(FlaskForm):
    line_id = IdField()
    version = HiddenField()
    account = StringField(
        _l("Compte"),
        validators=[_required(_l("Indiquez le compte, par exemple 641.")), Length(max=6)],
    )
    label = StringField(
        _l("Intitulé"), validators=[_required(_l("Indiquez l’intitulé.")), Length(max=200)]
    )
    funder = StringField(_l("Financeur (compte 74)"), validators=[Length(max=200)])
    amount = FrenchDecimalField(
        _l("Montant en euros"), validators=[InputRequired(_l("Indiquez le montant."))]
    )

    def base_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 10 else None


class DeleteLineForm(FlaskForm):
    line_id = IdField(validators=[_require_id])
    version = VersionField()


class SubmitForm(FlaskForm):
    pass


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        _l("Décision du financeur"),
        choices=[SelectChoice("granted", _l("Accordée")), SelectChoice("refused", _l("Refusée"))],
        validators=[InputRequired()],
    )
    amount = FrenchDecimalField(_l("Montant accordé en euros"), validators=[Optional()])
    decided_on = DateField(
        _l("Date de la décision"), validators=[_required(DATE_MESSAGE)], format="%Y-%m-%d"
    )


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Notes privées de votre centre"), validators=[Length(max=20000)])
