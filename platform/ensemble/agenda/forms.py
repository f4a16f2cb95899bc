"""Forms of the shared calendars, with French messages. Dates and times use
the browser's native pickers (a phone shows its own), and accept ISO input."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import DateInput, TimeInput

from ensemble.agenda.models import Category

CATEGORY_LABELS = {
    Category.WORKSHOP: _l("Atelier numérique"),
    Category.DROP_IN: _l("Permanence"),
    Category.MEETING: _l("Réunion"),
    Category.OUTREACH: _l("Aller-vers"),
    Category.OTHER: _l("Autre"),
}
REPEAT_CHOICES = [
    SelectChoice("", _l("Ne se répète pas")),
    SelectChoice("DAILY", _l("Tous les jours")),
    SelectChoice("WEEKLY", _l("Toutes les semaines")),
    SelectChoice("BIWEEKLY", _l("Toutes les deux semaines")),
    SelectChoice("MONTHLY", _l("Tous les mois")),
    SelectChoice("CUSTOM", _l("Règle personnalisée (RRULE)")),
]


class DayField(Field):
    widget = DateInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip()[:10])
        except ValueError:
            raise ValueError(_l("Date invalide : utilisez le format AAAA-MM-JJ.")) from None


class ClockField(Field):
    widget = TimeInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = time.fromisoformat(valuelist[0].strip()[:5])
        except ValueError:
            raise ValueError(_l("Heure invalide : utilisez le format HH:MM.")) from None


def _required(message):
    return DataRequired(message)


class SlotMixin:
    """A day, a start and an end time."""

    # InputRequired, not DataRequired: a value typed wrong keeps its own message.
    day = DayField(_l("Date"), [InputRequired(_l("Indiquez la date."))])
    start = ClockField(_l("Début"), [InputRequired(_l("Indiquez l’heure de début."))])
    end = ClockField(_l("Fin"), [InputRequired(_l("Indiquez l’heure de fin."))])

    def validate_end(self, field) -> None:
        if field.data is None or self.start.data is None:
            return
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("La fin doit être après le début."))

    def starts_local(self) -> datetime:
        return datetime.combine(self.day.data, self.start.data)

    def ends_local(self) -> datetime:
        return datetime.combine(self.day.data, self.end.data)


def _categories() -> list[SelectChoice]:
    return [SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items()]


class EventForm(SlotMixin, FlaskForm):
    title = StringField(
        _l("Intitulé"),
        [
            _required(_l("Indiquez l’intitulé.")),
            Length(max=200, message=_l("200 caractères au plus.")),
        ],
    )
    category = SelectField(_l("Catégorie"), choices=_categories())
    centre = SelectField(_l("Lieu"), coerce=int, validate_choice=True)
    description = TextAreaField(
        _l("Description"), [Optional(), Length(max=5000, message=_l("5 000 caractères au plus."))]
    )
    participants = TextAreaField(
        _l("Participants"), [Optional(), Length(max=2000, message=_l("2 000 caractères au plus."))]
    )
    repeat = SelectField(_l("Fréquence"), choices=REPEAT_CHOICES)
    until = DayField(_l("Jusqu’au (inclus)"), [Optional()])
    count = IntegerField(
        _l("Nombre de fois"),
        [Optional(), NumberRange(1, 500, message=_l("Entre 1 et 500 fois."))],
    )
    rrule = StringField(
        _l("Règle RRULE"), [Optional(), Length(max=400, message=_l("400 caractères au plus."))]
    )

    def validate_until(self, field) -> None:
        if field.data and self.day.data and field.data < self.day.data:
            raise ValidationError(_l("La fin de la répétition doit suivre la première date."))

    def rule(self) -> str | None:
        """The RRULE the choices describe (None: a single event)."""
        repeat = self.repeat.data
        if not repeat:
            return None
        if repeat == "CUSTOM":
            return self.rrule.data or None
        parts = ["FREQ=WEEKLY;INTERVAL=2" if repeat == "BIWEEKLY" else f"FREQ={repeat}"]
        if self.until.data:
            parts.append("UNTIL=" + self.until.data.strftime("%Y%m%d") + "T235959")
        elif self.count.data:
            parts.append(f"COUNT={self.count.data}")
        return ";".join(parts)


class RequestForm(SlotMixin, FlaskForm):
    title = StringField(
        _l("Objet"),
        [
            _required(_l("Indiquez l’objet.")),
            Length(max=200, message=_l("200 caractères au plus.")),
        ],
    )
    category = SelectField(_l("Catégorie"), choices=_categories())
    message = TextAreaField(
        _l("Message"), [Optional(), Length(max=2000, message=_l("2 000 caractères au plus."))]
    )


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Raison du refus"),
        [_required(_l("Indiquez la raison du refus.")), Length(max=2000)],
    )


class ProposeForm(SlotMixin, FlaskForm):
    reason = TextAreaField(_l("Message"), [Optional(), Length(max=2000)])


class OccurrenceForm(SlotMixin, FlaskForm):
    occurrence = HiddenField(validators=[_required(_l("Occurrence manquante."))])


class ConfirmForm(FlaskForm):
    """A button-only form (delete, accept, take a proposal, feeds): CSRF only."""


class FeedForm(FlaskForm):
    scope = SelectField(choices=[SelectChoice("person", ""), SelectChoice("centre", "")])
    action = SelectField(choices=[SelectChoice("regenerate", ""), SelectChoice("revoke", "")])


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier .ics"), [FileRequired(_l("Choisissez un fichier .ics."))])
    centre = SelectField(_l("Lieu des événements"), coerce=int, validate_choice=True)
    category = SelectField(_l("Catégorie"), choices=_categories())


class ConfirmImportForm(FlaskForm):
    content = HiddenField(validators=[_required(_l("Fichier manquant : recommencez."))])
    centre = SelectField(_l("Lieu des événements"), coerce=int, validate_choice=True)
    category = SelectField(_l("Catégorie"), choices=_categories())
