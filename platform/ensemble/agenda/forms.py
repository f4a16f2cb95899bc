"""Forms of the shared calendars, with French messages. Dates and times use
the browser's native pickers (a phone shows its own), and accept ISO input."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ensemble.agenda.importing import MAX_BYTES
from ensemble.agenda.models import Category
from ensemble.kernel.fields import (
    CountField,
    DateField,
    FileField,
    IdSelectField,
    TextAreaField,
    TextField,
    TimeField,
)
from ensemble.kernel.forms import Form, Optional, Required

CATEGORY_LABELS = {
    Category.WORKSHOP: _l("Atelier numérique"),
    Category.DROP_IN: _l("Permanence"),
    Category.MEETING: _l("Réunion"),
    Category.OUTREACH: _l("Aller-vers"),
    Category.OTHER: _l("Autre"),
    Category.ABSENCE: _l("Congé ou absence"),
    Category.TRAINING: _l("Formation"),
    Category.CLOSURE: _l("Fermeture"),
    Category.RESIDENTIAL: _l("Séjour"),
}
REPEAT_CHOICES = [
    SelectChoice("", _l("Ne se répète pas")),
    SelectChoice("DAILY", _l("Tous les jours")),
    SelectChoice("WEEKLY", _l("Toutes les semaines")),
    SelectChoice("BIWEEKLY", _l("Toutes les deux semaines")),
    SelectChoice("MONTHLY", _l("Tous les mois")),
    SelectChoice("CUSTOM", _l("Autre répétition (règle avancée)")),
]
# Minutes before the start (ensemble.agenda.reminders.CHOICES).
REMINDER_CHOICES = [
    SelectChoice("", _l("Aucun rappel")),
    SelectChoice("5", _l("5\u00a0min avant")),
    SelectChoice("15", _l("15\u00a0min avant")),
    SelectChoice("30", _l("30\u00a0min avant")),
    SelectChoice("60", _l("1\u00a0h avant")),
    SelectChoice("120", _l("2\u00a0h avant")),
    SelectChoice("1440", _l("1 jour avant")),
    SelectChoice("2880", _l("2 jours avant")),
]


def DayField(label, validators=None, **kwargs) -> DateField:  # noqa: N802 - a field
    """A day picked in the browser's date picker (ISO), 1900 to 2100."""
    return DateField(label, validators, **kwargs)


ClockField = TimeField


class SlotMixin:
    """A day, a start and an end time."""

    day = DayField(_l("Date"), [Required(_l("Indiquez la date."))])
    start = ClockField(_l("Début"), [Required(_l("Indiquez l’heure de début."))])
    end = ClockField(_l("Fin"), [Required(_l("Indiquez l’heure de fin."))])

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


class EventForm(SlotMixin, Form):
    """An event: timed (an end before the start means the next morning, unless
    an end date says otherwise: a night, a residential trip) or all day, on one
    day or several (leave, training days, closures)."""

    title = TextField(_l("Intitulé"), [Required(_l("Indiquez l’intitulé."))], max_length=200)
    all_day = BooleanField(_l("Toute la journée"))
    start = ClockField(_l("Début"), [Optional()])
    end = ClockField(_l("Fin"), [Optional()])
    end_day = DayField(_l("Date de fin"), [Optional()])
    category = SelectField(_l("Catégorie"), choices=_categories())
    centre = IdSelectField(_l("Lieu"))
    description = TextAreaField(_l("Description"), [Optional()], max_length=5000)
    participants = TextAreaField(_l("Participants"), [Optional()], max_length=2000)
    repeat = SelectField(_l("Fréquence"), choices=REPEAT_CHOICES)
    until = DayField(_l("Jusqu’au (inclus)"), [Optional()])
    count = CountField(
        _l("Nombre de fois"),
        [Optional()],
        minimum=1,
        maximum=500,
        range_message=_l("Entre 1 et 500 fois."),
    )
    rrule = TextField(_l("Règle avancée"), [Optional()], max_length=400)
    reminder = SelectField(_l("Rappel"), choices=REMINDER_CHOICES, default="")

    def validate_until(self, field) -> None:
        if field.data and self.day.data and field.data < self.day.data:
            raise ValidationError(_l("La fin de la répétition doit suivre la première date."))

    def validate_end(self, field) -> None:
        """An end before the start is the next morning (checked with the end
        date). An end equal to the start is not 24 hours: a zero-length event
        is refused (as the import refuses one), and a day-long one says so
        with its end date."""
        if self.all_day.data or self.end_day.data is not None:
            return
        if field.data is not None and self.start.data is not None and field.data == self.start.data:
            raise ValidationError(
                _l(
                    "La fin doit être après le début (pour un événement de 24 h, "
                    "indiquez la date de fin)."
                )
            )

    def validate_end_day(self, field) -> None:
        if field.data is None or self.day.data is None:
            return
        if field.data < self.day.data:
            raise ValidationError(_l("La date de fin doit suivre la date de début."))
        timed = not self.all_day.data and self.start.data and self.end.data
        if field.data == self.day.data and timed and self.end.data <= self.start.data:
            raise ValidationError(
                _l("Le même jour, la fin doit être après le début : changez la date de fin.")
            )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.all_day.data:
            for field, message in (
                (self.start, _l("Indiquez l’heure de début.")),
                (self.end, _l("Indiquez l’heure de fin.")),
            ):
                if field.data is None and not field.errors:
                    field.errors = [*field.errors, message]
                    valid = False
        return valid

    def starts_local(self) -> datetime:
        if self.all_day.data:
            return datetime.combine(self.day.data, time())
        return datetime.combine(self.day.data, self.start.data)

    def ends_local(self) -> datetime:
        last = self.end_day.data or self.day.data
        if self.all_day.data:
            return datetime.combine(last + timedelta(days=1), time())
        if self.end_day.data is None and self.end.data <= self.start.data:
            last += timedelta(days=1)  # 20:00 → 08:00: the next morning
        return datetime.combine(last, self.end.data)

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

    def reminders(self, current: list[int] | None = None) -> list[int]:
        """The reminders the form asks for. Unchanged, an event's other reminders
        (a phone may have set several) are kept."""
        chosen = [int(self.reminder.data)] if self.reminder.data else []
        if current and chosen == current[:1]:
            return list(current)
        return chosen


class RequestForm(SlotMixin, Form):
    title = TextField(_l("Objet"), [Required(_l("Indiquez l’objet."))], max_length=200)
    category = SelectField(_l("Catégorie"), choices=_categories())
    message = TextAreaField(_l("Message"), [Optional()], max_length=2000)


class DeclineForm(Form):
    reason = TextAreaField(
        _l("Raison du refus"), [Required(_l("Indiquez la raison du refus."))], max_length=2000
    )


class ProposeForm(SlotMixin, Form):
    reason = TextAreaField(_l("Message"), [Optional()], max_length=2000)


class OccurrenceForm(SlotMixin, Form):
    occurrence = HiddenField(validators=[Required(_l("Occurrence manquante."))])


class ConfirmForm(Form):
    """A button-only form (delete, accept, take a proposal, feeds): CSRF only."""


class FeedForm(Form):
    scope = SelectField(choices=[SelectChoice("person", ""), SelectChoice("centre", "")])
    action = SelectField(choices=[SelectChoice("regenerate", ""), SelectChoice("revoke", "")])


class ImportForm(Form):
    file = FileField(
        _l("Fichier .ics"),
        [Required(_l("Choisissez un fichier .ics."))],
        max_bytes=MAX_BYTES,
        extensions=("ics",),
    )
    centre = IdSelectField(_l("Lieu des événements"))
    category = SelectField(_l("Catégorie"), choices=_categories())


class ConfirmImportForm(Form):
    content = HiddenField(validators=[Required(_l("Fichier manquant : recommencez."))])
    centre = IdSelectField(_l("Lieu des événements"))
    category = SelectField(_l("Catégorie"), choices=_categories())
