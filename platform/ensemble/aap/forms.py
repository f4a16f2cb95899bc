"""Forms of the joint answers, with French messages. Amounts accept a decimal
comma, as French users type them; ids posted in forms are checked as ids."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, StopValidation

from ensemble.aap.budget import account_choices
from ensemble.aap.models import (
    ATTACHMENT_LABELS,
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    Funder,
    SectionStatus,
)
from ensemble.aap.operations import FUNDER_LABELS
from ensemble.kernel import clock
from ensemble.kernel.fields import (
    INT4_MAX,
    CountField,
    DateField,
    EurosField,
    FileField,
    IdField,
    KernelField,
    PercentField,
    RichTextField,
    TextAreaField,
    TextField,
)
from ensemble.kernel.forms import Form, Optional, Required
from ensemble.kernel.parsing import Unreadable

DATE_MESSAGE = _l("Indiquez une date valide (jj/mm/aaaa).")

STATUS_LABELS = {
    SectionStatus.TO_WRITE: _l("À rédiger"),
    SectionStatus.IN_PROGRESS: _l("En cours"),
    SectionStatus.TO_REVIEW: _l("À relire"),
    SectionStatus.APPROVED: _l("Approuvée"),
}


class VersionField(KernelField, HiddenField):
    """The version a form started from (0 for a section never saved)."""

    kind = "hidden"

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= INT4_MAX):
            raise Unreadable(_l("Version invalide : rechargez la page."))
        self.data = int(raw)


def _require_id(form, field):  # noqa: ARG001
    if field.data is None:
        raise StopValidation(_l("Valeur manquante : rechargez la page."))


class CallForm(Form):
    funder = SelectField(
        _l("Financeur"),
        choices=[SelectChoice(f.value, label) for f, label in FUNDER_LABELS.items()],
        validators=[InputRequired(_l("Choisissez le financeur."))],
    )
    title = TextField(
        _l("Intitulé de l’appel"),
        validators=[Required(_l("Indiquez l’intitulé."))],
        max_length=300,
    )
    deadline = DateField(_l("Date limite de dépôt"), validators=[Required(DATE_MESSAGE)])
    link = TextField(_l("Lien vers l’appel (facultatif)"), max_length=500)
    theme = TextField(_l("Thème (facultatif)"), max_length=200)
    envelope = EurosField(_l("Enveloppe en euros (facultatif)"), validators=[Optional()])
    eligibility = TextAreaField(_l("Conditions d’éligibilité (facultatif)"), max_length=5000)

    def funder_value(self) -> Funder:
        return Funder(self.funder.data)


class WithdrawCallForm(Form):
    """Only the CSRF token: withdrawing names its call in the URL."""


class StartAnswerForm(Form):
    call_id = IdField(_l("Appel à projets"), validators=[_require_id])


class InviteForm(Form):
    centre_id = SelectField(
        _l("Centre partenaire"),
        choices=[],
        validators=[InputRequired(_l("Choisissez un centre."))],
        validate_choice=True,
    )


class RespondForm(Form):
    decision = SelectField(
        _l("Réponse"),
        choices=[
            SelectChoice("accept", _l("Accepter")),
            SelectChoice("decline", _l("Décliner")),
        ],
        validators=[InputRequired()],
    )


class NewSectionForm(Form):
    title = TextField(
        _l("Intitulé de la rubrique"),
        validators=[Required(_l("Indiquez l’intitulé."))],
        max_length=200,
    )


class MoveForm(Form):
    direction = SelectField(
        choices=[SelectChoice("up", "up"), SelectChoice("down", "down")],
        validators=[InputRequired()],
    )


class SectionForm(Form):
    base_version = VersionField()
    body = RichTextField(_l("Texte de la rubrique"), max_length=200_000)


class SectionLimitForm(Form):
    limit_unit = SelectField(
        _l("Limite fixée par l’appel"),
        choices=[
            SelectChoice("", _l("Aucune")),
            SelectChoice("characters", _l("En caractères (espaces compris)")),
            SelectChoice("words", _l("En mots")),
        ],
        validate_choice=True,
    )
    limit_value = CountField(_l("Nombre maximal"), validators=[Optional()])
    due_on = DateField(_l("Échéance interne (facultatif)"), validators=[Optional()])


class SectionSettingsForm(Form):
    status = SelectField(
        _l("État"),
        choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
        validators=[InputRequired()],
    )


class WriterForm(Form):
    writer_user_id = SelectField(_l("Rédacteur ou rédactrice"), choices=[], validate_choice=True)


class OwnerForm(Form):
    owner_party_id = SelectField(_l("Centre responsable"), choices=[], validate_choice=True)


class CommentForm(Form):
    body = TextAreaField(
        _l("Commentaire"), validators=[Required(_l("Écrivez un commentaire."))], max_length=5000
    )
    parent_id = IdField(_l("Commentaire"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The section's own text is `body` on the same page: one id each (issue 13:
        # the visible comment box had no accessible name). The posted name stays.
        self.body.id = "commentaire"


class ResolveForm(Form):
    comment_id = IdField(_l("Commentaire"), validators=[_require_id])


class RestoreForm(Form):
    version = VersionField()


class BudgetLineForm(Form):
    line_id = IdField(_l("Ligne de budget"))
    version = HiddenField()
    # A select of the associations' chart; what is not in it is refused by the
    # operation with a French message (no « Not a valid choice »).
    account = SelectField(
        _l("Compte"),
        choices=[SelectChoice("", _l("— Choisir le compte —"))]
        + [SelectChoice(code, label) for code, label in account_choices()],
        validators=[InputRequired(_l("Choisissez le compte."))],
        validate_choice=False,
    )
    label = TextField(
        _l("Intitulé"), validators=[Required(_l("Indiquez l’intitulé."))], max_length=200
    )
    funder = TextField(_l("Financeur (compte 74)"), max_length=200)
    amount = EurosField(_l("Montant en euros"), validators=[Required(_l("Indiquez le montant."))])

    def offer_account(self, current: str) -> None:
        """Keep a line's finer account (641…) among the choices when editing it."""
        self.account.choices = [SelectChoice("", str(_l("— Choisir le compte —")))] + [
            SelectChoice(code, label) for code, label in account_choices(current)
        ]

    def base_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        ok = raw.isascii() and raw.isdigit() and len(raw) < 10
        return int(raw) if ok else None


class DeleteLineForm(Form):
    line_id = IdField(_l("Ligne de budget"), validators=[_require_id])
    version = VersionField()


class OutcomeForm(Form):
    # No decision pre-set: a lead who only types the date must not record a grant.
    outcome = SelectField(
        _l("Décision du financeur"),
        choices=[
            SelectChoice("", _l("— Choisir —")),
            SelectChoice("granted", _l("Accordée")),
            SelectChoice("refused", _l("Refusée")),
        ],
        validators=[Required(_l("Choisissez la décision du financeur."))],
        validate_choice=False,
    )
    amount = EurosField(_l("Montant accordé en euros"), validators=[Optional()])
    decided_on = DateField(_l("Date de la décision"), validators=[Required(DATE_MESSAGE)])
    # Asked only to correct a decision already recorded.
    reason = TextField(_l("Raison de la correction"), max_length=500)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The date picker offers no day after today (the operation refuses one too).
        self.decided_on.render_kw = {
            **(self.decided_on.render_kw or {}),
            "max": clock.today().isoformat(),
        }

    def validate_outcome(self, field) -> None:
        if field.data not in ("granted", "refused"):
            raise StopValidation(_l("Choisissez la décision du financeur."))


class NoteForm(Form):
    body = TextAreaField(_l("Notes privées de votre centre"), max_length=20000)


class AttachmentForm(Form):
    kind = SelectField(
        _l("Pièce"),
        choices=[SelectChoice("", _l("— Choisir —"))]
        + [SelectChoice(k.value, label) for k, label in ATTACHMENT_LABELS.items()],
        validators=[Required(_l("Choisissez le type de pièce."))],
        # What is not in the list is refused by the operation, in French.
        validate_choice=False,
    )
    file = FileField(
        _l("Fichier (PDF, JPEG, PNG, DOCX ou ODT, 5 Mo au plus)"),
        validators=[Required(_l("Choisissez le fichier."))],
        max_bytes=MAX_ATTACHMENT_BYTES,
        extensions=tuple(ATTACHMENT_TYPES),
    )


# --- The grant's financial report (Cerfa nº 15059*02) -----------------------------------


class ReportSettingsForm(Form):
    period_start = DateField(
        _l("Début de l’exercice de la subvention"), validators=[Required(DATE_MESSAGE)]
    )
    period_end = DateField(
        _l("Fin de l’exercice de la subvention"), validators=[Required(DATE_MESSAGE)]
    )
    hourly_rate = EurosField(
        _l("Taux horaire de valorisation du bénévolat, en euros"),
        validators=[Required(_l("Indiquez le taux horaire."))],
        digits=6,
        maximum=1000,
    )
    gap_threshold = PercentField(
        _l("Seuil d’écart à expliquer"),
        validators=[Required(_l("Indiquez le seuil d’écart."))],
        minimum=1,
    )
    summary = TextAreaField(_l("Bilan qualitatif de l’action"), max_length=20000)


class RealAmountForm(Form):
    budget_line_id = IdField()
    # Only for a line that was not planned: the operation refuses what is not in the chart.
    account = SelectField(
        _l("Compte"),
        choices=[SelectChoice("", _l("— Choisir le compte —"))]
        + [
            SelectChoice(code, label)
            for code, label in account_choices()
            if code not in ("86", "87")
        ],
        validate_choice=False,
    )
    label = TextField(_l("Intitulé"), max_length=200)
    amount = EurosField(_l("Montant réel en euros"), validators=[Optional()])
    explanation = TextAreaField(_l("Explication de l’écart"), max_length=5000)


class PartCommentForm(Form):
    comment = TextAreaField(_l("Commentaires de votre centre"), max_length=5000)


class RefreshPartForm(Form):
    pass


class DeleteRealForm(Form):
    line_id = IdField(validators=[_require_id])


class SignReportForm(Form):
    name = TextField(
        _l("Nom et prénom du représentant légal"),
        validators=[Required(_l("Indiquez le nom du représentant légal."))],
        max_length=200,
    )
    quality = TextField(
        _l("Qualité"),
        validators=[Required(_l("Indiquez sa qualité (présidente, président…)."))],
        max_length=200,
    )
    signed_on = DateField(_l("Date de signature"), validators=[Required(DATE_MESSAGE)])
