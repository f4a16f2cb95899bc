"""Working hours per person: for each day of the week, the hours the person
works and an optional break (lunch). The slot finder proposes time inside them
only; a booking made by hand is not bound by them (an evening meeting stays
possible).

Who never said anything works the default week, shown as such on their page:
Monday to Friday, 9:00–17:30 with a lunch break 12:30–13:30. Once a person
saves their hours, each of the seven days has its row, and a day without hours
is a day off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, Time, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ensemble.db import Id, Model, id_column
from ensemble.kernel.refusal import Refusal

WEEKDAY_NAMES = (
    _l("Lundi"),
    _l("Mardi"),
    _l("Mercredi"),
    _l("Jeudi"),
    _l("Vendredi"),
    _l("Samedi"),
    _l("Dimanche"),
)


class WorkingDay(Model):
    """One day of the week of one person: hours (none: a day off) and a break."""

    __tablename__ = "agenda_working_hours"

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday, as date.weekday()
    starts: Mapped[time | None] = mapped_column(Time)
    ends: Mapped[time | None] = mapped_column(Time)
    break_starts: Mapped[time | None] = mapped_column(Time)
    break_ends: Mapped[time | None] = mapped_column(Time)

    __table_args__ = (
        UniqueConstraint("user_id", "weekday", name="uq_agenda_working_hours_user_weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("(starts IS NULL) = (ends IS NULL) AND ends > starts", name="hours"),
        CheckConstraint(
            "(break_starts IS NULL) = (break_ends IS NULL)"
            " AND (break_starts IS NULL OR (starts IS NOT NULL AND starts < break_starts"
            " AND break_starts < break_ends AND break_ends < ends))",
            name="break",
        ),
    )


@dataclass(frozen=True)
class DayHours:
    """A day's hours, or a day off (`starts` None)."""

    starts: time | None = None
    ends: time | None = None
    break_starts: time | None = None
    break_ends: time | None = None

    @property
    def works(self) -> bool:
        return self.starts is not None

    def intervals(self) -> list[tuple[time, time]]:
        """The worked stretches of the day, in order (the break cut out)."""
        if self.starts is None or self.ends is None:
            return []
        if self.break_starts is None or self.break_ends is None:
            return [(self.starts, self.ends)]
        return [(self.starts, self.break_starts), (self.break_ends, self.ends)]


_WEEKDAY = DayHours(time(9), time(17, 30), time(12, 30), time(13, 30))
DEFAULT_WEEK: tuple[DayHours, ...] = (_WEEKDAY,) * 5 + (DayHours(),) * 2


@dataclass(frozen=True)
class Week:
    days: tuple[DayHours, ...]  # seven, Monday first
    is_default: bool = False

    def on(self, weekday: int) -> DayHours:
        return self.days[weekday]


def week_of(session: Session, user_id: int) -> Week:
    """The person's working week (the default one when never set), as far as
    the reader may see it: row-level security shows it to the person and to
    the parties of the agreements the person has a calendar under."""
    rows = session.scalars(select(WorkingDay).where(WorkingDay.user_id == user_id)).all()
    if not rows:
        return Week(DEFAULT_WEEK, is_default=True)
    by_day = {row.weekday: row for row in rows}
    return Week(
        tuple(
            DayHours(r.starts, r.ends, r.break_starts, r.break_ends)
            if (r := by_day.get(day)) is not None
            else DayHours()
            for day in range(7)
        )
    )


def check_day(day: DayHours, name: str, prefix: str = "") -> None:
    """Refuse hours the table would refuse, with a French message naming the day
    (on the field `prefix` + « starts » or « break_starts » when a form has them)."""
    hours_field, break_field = f"{prefix}starts", f"{prefix}break_starts"
    if (day.starts is None) != (day.ends is None):
        raise Refusal(
            _("%(day)s : indiquez le début et la fin, ou aucun des deux.", day=name), hours_field
        )
    if day.starts is not None and day.ends is not None and day.ends <= day.starts:
        raise Refusal(_("%(day)s : la fin doit être après le début.", day=name), hours_field)
    if (day.break_starts is None) != (day.break_ends is None):
        raise Refusal(
            _("%(day)s : indiquez le début et la fin de la pause, ou aucun des deux.", day=name),
            break_field,
        )
    if day.break_starts is not None and day.break_ends is not None:
        if day.starts is None or day.ends is None:
            raise Refusal(
                _("%(day)s : une pause n’a de sens qu’un jour travaillé.", day=name), break_field
            )
        if not day.starts < day.break_starts < day.break_ends < day.ends:
            raise Refusal(
                _("%(day)s : la pause doit tenir entre le début et la fin de journée.", day=name),
                break_field,
            )


def set_week(session: Session, user_id: int, days: Sequence[DayHours]) -> Week:
    """Save a person's seven days (Monday first). Only the person may: row-level
    security refuses anyone else's rows."""
    if len(days) != 7:
        raise Refusal(_("Indiquez les sept jours de la semaine."))
    for weekday, day in enumerate(days):
        check_day(day, str(WEEKDAY_NAMES[weekday]), f"d{weekday}_")
    rows = {
        row.weekday: row
        for row in session.scalars(select(WorkingDay).where(WorkingDay.user_id == user_id))
    }
    for weekday, day in enumerate(days):
        row = rows.get(weekday)
        if row is None:
            row = WorkingDay(user_id=user_id, weekday=weekday)
            session.add(row)
        row.starts, row.ends = day.starts, day.ends
        row.break_starts, row.break_ends = day.break_starts, day.break_ends
    session.flush()
    return week_of(session, user_id)


def reset_week(session: Session, user_id: int) -> None:
    """Back to the default week."""
    for row in session.scalars(select(WorkingDay).where(WorkingDay.user_id == user_id)):
        session.delete(row)
    session.flush()
