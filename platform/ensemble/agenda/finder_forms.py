"""Forms of the slot finder and of the working-hours page, with French messages."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ensemble.agenda import finding, hours
from ensemble.agenda.forms import DayField, _categories
from ensemble.kernel.fields import CountField, IdSelectField, TextField, TimeField
from ensemble.kernel.forms import Form, Optional, Required

DURATIONS = [15 * k for k in (2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 40)]
ANY = ""


def duration_label(minutes: int) -> str:
    """« 45 min », « 2 h », « 1 h 30 »."""
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest}\u00a0min"
    return f"{whole}\u00a0h" + (f"\u00a0{rest:02d}" if rest else "")


class FinderForm(Form):
    """What to find: a length, a window, optional day and part of the day, and
    the details the request (or booking) will carry."""

    title = TextField(_l("Objet"), [Required(_l("Indiquez l’objet."))], max_length=200)
    category = SelectField(_l("Catégorie"), choices=_categories())
    centre = IdSelectField(_l("Lieu"))
    duration = SelectField(
        _l("Durée"),
        choices=[SelectChoice(str(m), duration_label(m)) for m in DURATIONS],
        default="120",
    )
    first_day = DayField(_l("À partir du"), [Required(_l("Indiquez le premier jour."))])
    last_day = DayField(_l("Jusqu’au (inclus)"), [Required(_l("Indiquez le dernier jour."))])
    weekday = SelectField(
        _l("Jour"),
        choices=[
            SelectChoice(ANY, _l("N’importe quel jour")),
            *(SelectChoice(str(i), name) for i, name in enumerate(hours.WEEKDAY_NAMES)),
        ],
    )
    part = SelectField(
        _l("Moment"),
        choices=[
            SelectChoice(ANY, _l("Toute la journée")),
            SelectChoice(finding.Part.MORNING.value, _l("Le matin")),
            SelectChoice(finding.Part.AFTERNOON.value, _l("L’après-midi")),
        ],
    )
    repeat = SelectField(
        _l("Répétition"),
        choices=[
            SelectChoice(ANY, _l("Une seule fois")),
            SelectChoice("1", _l("Chaque semaine")),
            SelectChoice("2", _l("Une semaine sur deux")),
            SelectChoice("3", _l("Une semaine sur trois")),
            SelectChoice("4", _l("Une semaine sur quatre")),
        ],
    )
    count = CountField(
        _l("Nombre de séances"),
        [Optional()],
        minimum=2,
        maximum=finding.MAX_SERIES_COUNT,
        range_message=_l("Entre 2 et 30 séances."),
    )

    def validate_last_day(self, field) -> None:
        if field.data and self.first_day.data:
            if field.data < self.first_day.data:
                raise ValidationError(_l("La fin de la période doit suivre son début."))
            if (field.data - self.first_day.data).days + 1 > finding.MAX_WINDOW_DAYS:
                raise ValidationError(_l("Une période de trois mois au plus."))

    def validate_weekday(self, field) -> None:
        if self.repeat.data and not field.data:
            raise ValidationError(_l("Choisissez le jour de la série."))

    def validate_count(self, field) -> None:
        if self.repeat.data and not field.data:
            raise ValidationError(_l("Indiquez le nombre de séances."))

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=int(self.duration.data))

    @property
    def part_of_day(self) -> finding.Part | None:
        return finding.Part(self.part.data) if self.part.data else None


class TakeForm(Form):
    """One proposal, posted back: the slot, where, and what it is for. Nothing
    here is trusted: the request or the booking checks it all again."""

    starts = HiddenField(validators=[Required(_l("Créneau manquant : cherchez à nouveau."))])
    minutes = HiddenField(validators=[Required(_l("Créneau manquant : cherchez à nouveau."))])
    centre = HiddenField(validators=[Required(_l("Créneau manquant : cherchez à nouveau."))])
    title = TextField(_l("Objet"), [Required(_l("Indiquez l’objet."))], max_length=200)
    category = SelectField(_l("Catégorie"), choices=_categories())
    every_weeks = HiddenField()
    count = HiddenField()
    exdates = HiddenField()
    action = SelectField(
        choices=[SelectChoice("demander", ""), SelectChoice("reserver", "")],
    )

    def slot(self) -> tuple[int, datetime, datetime]:
        """The centre, start and end sent, or ValueError."""
        starts = datetime.fromisoformat(self.starts.data or "").replace(second=0, microsecond=0)
        minutes = int(self.minutes.data or "")
        if not 15 <= minutes <= 600 or starts.tzinfo is not None:
            raise ValueError(minutes)
        return int(self.centre.data or ""), starts, starts + timedelta(minutes=minutes)

    def series(self) -> tuple[str | None, list[datetime]]:
        """The rule and exceptions of a series (None: one slot), or ValueError."""
        if not self.every_weeks.data:
            return None, []
        every, count = int(self.every_weeks.data), int(self.count.data or "")
        if not (1 <= every <= 4 and 2 <= count <= finding.MAX_SERIES_COUNT):
            raise ValueError(every)
        exdates = [datetime.fromisoformat(x) for x in (self.exdates.data or "").split(",") if x]
        if len(exdates) > count or any(x.tzinfo is not None for x in exdates):
            raise ValueError(exdates)
        return f"FREQ=WEEKLY;INTERVAL={every};COUNT={count}", exdates


def _day_fields(weekday: int) -> dict:
    name = hours.WEEKDAY_NAMES[weekday]
    return {
        f"d{weekday}_starts": TimeField(_l("%(day)s, début", day=name), [Optional()]),
        f"d{weekday}_ends": TimeField(_l("%(day)s, fin", day=name), [Optional()]),
        f"d{weekday}_break_starts": TimeField(
            _l("%(day)s, début de pause", day=name), [Optional()]
        ),
        f"d{weekday}_break_ends": TimeField(_l("%(day)s, fin de pause", day=name), [Optional()]),
    }


class HoursForm(Form):
    """Seven days, each with its hours and an optional break; a day left empty is a day off."""

    action = SelectField(choices=[SelectChoice("enregistrer", ""), SelectChoice("defaut", "")])

    def day(self, weekday: int) -> hours.DayHours:
        def value(part: str) -> time | None:
            return self[f"d{weekday}_{part}"].data

        return hours.DayHours(
            value("starts"), value("ends"), value("break_starts"), value("break_ends")
        )

    def days(self) -> list[hours.DayHours]:
        return [self.day(weekday) for weekday in range(7)]

    def fill(self, week: hours.Week) -> None:
        for weekday, day in enumerate(week.days):
            for part in ("starts", "ends", "break_starts", "break_ends"):
                self[f"d{weekday}_{part}"].data = getattr(day, part)


for _weekday in range(7):
    for _name, _field in _day_fields(_weekday).items():
        setattr(HoursForm, _name, _field)
