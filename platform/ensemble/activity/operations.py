"""Actions, their sessions and attendance, registered participants. No HTTP.

Functions flush, never commit (the request or the task commits once), and refuse
with the kernel's `Refusal(message, field)`. Row-level security decides what the
session may read and write; these functions decide what makes sense.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ensemble.activity.models import (
    AGE_COLUMNS,
    MAX_PARTICIPANTS,
    MAX_VOLUNTEER_HOURS,
    SEX_COLUMNS,
    Action,
    ActionSession,
    Participant,
    Presence,
    Registration,
)
from ensemble.audit import operations as audit
from ensemble.celery_app import enqueue_after_commit
from ensemble.db import table_of
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre
from ensemble.sharing import activity as registry
from ensemble.sharing.models import VISIBLE_STATUSES, Agreement, AgreementKind, AgreementParty
from ensemble.tenancy import context

MAX_SESSIONS_PER_PLAN = 60  # a weekly series over a school year and more
AGE_BANDS = ("0-17", "18-25", "26-59", "60+")
SEXES = ("femmes", "hommes")
DEFAULT_RETENTION_MONTHS = 12


# --- Actions -----------------------------------------------------------------------------


def sectors() -> dict[str, object]:
    """The sectors of the indicator catalogue an action may belong to."""
    return dict(registry.SECTORS)


def _agreements_of(session: Session, centre: Centre, kind: AgreementKind) -> list[Agreement]:
    """The agreements of `kind` naming the centre (or its employer) as a party."""
    return list(
        session.scalars(
            select(Agreement)
            .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
            .where(
                Agreement.kind == kind,
                AgreementParty.status.in_(VISIBLE_STATUSES),
                (AgreementParty.centre_id == centre.id)
                | (AgreementParty.employer_id == centre.employer_id),
            )
            .distinct()
            .order_by(Agreement.title, Agreement.id)
        )
    )


def shared_posts(session: Session, centre: Centre) -> list[Agreement]:
    """Shared posts the centre takes part in: their holder may run its actions."""
    return _agreements_of(session, centre, AgreementKind.SHARED_POST)


def joint_answers(session: Session, centre: Centre) -> list[Agreement]:
    """Joint answers the centre takes part in: one may fund an action."""
    return _agreements_of(session, centre, AgreementKind.JOINT_ANSWER)


def _check_agreement(
    session: Session, centre: Centre, kind: AgreementKind, agreement_id: int | None, field: str
) -> None:
    if agreement_id is None:
        return
    if agreement_id not in {a.id for a in _agreements_of(session, centre, kind)}:
        raise Refusal(_("Choisissez dans la liste."), field)


def actions_of(session: Session, centre: Centre) -> list[Action]:
    return list(
        session.scalars(
            select(Action).where(Action.centre_id == centre.id).order_by(Action.name, Action.id)
        )
    )


def save_action(
    session: Session,
    centre: Centre,
    *,
    name: str,
    sector: str,
    public: str = "",
    place: str = "",
    funding_agreement_id: int | None = None,
    post_agreement_id: int | None = None,
    indicators: Mapping[str, str | None] | None = None,
    action: Action | None = None,
) -> Action:
    """Create an action of `centre`, or change `action`. `indicators` names the
    catalogue line each figure pre-fills ({"participations": "asf.passages", …},
    see FIGURES)."""
    name = " ".join(name.split())
    if not name:
        raise Refusal(_("Indiquez le nom de l’action."), "name")
    if sector not in registry.SECTORS:
        raise Refusal(_("Choisissez un secteur du catalogue."), "sector")
    clash = session.scalar(
        select(Action.id).where(
            Action.centre_id == centre.id,
            func.lower(Action.name) == name.lower(),
            Action.id != (action.id if action is not None else 0),
        )
    )
    if clash is not None:
        raise Refusal(_("Une action de ce centre porte déjà ce nom."), "name")
    _check_agreement(
        session, centre, AgreementKind.JOINT_ANSWER, funding_agreement_id, "funding_agreement_id"
    )
    _check_agreement(
        session, centre, AgreementKind.SHARED_POST, post_agreement_id, "post_agreement_id"
    )
    mapping = _check_indicators(session, sector, indicators or {})
    if action is None:
        action = Action(centre_id=centre.id)
        session.add(action)
    for column, code in mapping.items():
        setattr(action, column, code)
    action.name = name
    action.sector = sector
    action.public = public.strip()
    action.place = place.strip()
    action.funding_agreement_id = funding_agreement_id
    action.post_agreement_id = post_agreement_id
    session.flush()
    return action


# Figure of an action -> (its column on Action, the catalogue unit it needs).
FIGURES = {
    "participations": ("participations_indicator", "count"),
    "people": ("people_indicator", "count"),
    "days": ("days_indicator", "count"),
    "hours": ("hours_indicator", "hours"),
}


def indicator_choices(session: Session, sector: str | None = None) -> dict[str, list]:
    """Per figure, the catalogue lines (of this year's campaign) it may pre-fill:
    those of the right unit, of `sector` when given."""
    lines = registry.catalogue(session, clock.today().year)
    return {
        figure: [
            line
            for line in lines
            if line.unit == unit and (sector is None or line.sector == sector)
        ]
        for figure, (_column, unit) in FIGURES.items()
    }


def _check_indicators(
    session: Session, sector: str, indicators: Mapping[str, str | None]
) -> dict[str, str | None]:
    choices = indicator_choices(session, sector)
    mapping: dict[str, str | None] = {}
    for figure, (column, _unit) in FIGURES.items():
        code = indicators.get(figure) or None
        if code is not None and code not in {line.code for line in choices[figure]}:
            raise Refusal(_("Choisissez une ligne du catalogue de ce secteur."), column)
        mapping[column] = code
    return mapping


# --- Sessions ----------------------------------------------------------------------------


def sessions_of(session: Session, action: Action) -> list[ActionSession]:
    return list(
        session.scalars(
            select(ActionSession)
            .where(ActionSession.action_id == action.id)
            .order_by(ActionSession.starts_at, ActionSession.id)
        )
    )


def weekly_starts(
    first_day: date, start: time, end: time, count: int
) -> list[tuple[datetime, datetime]]:
    """`count` weekly occurrences from `first_day`, as instants: local wall time in
    Europe/Paris, so that a 14:00 session stays at 14:00 across clock changes."""
    occurrences = []
    for week in range(count):
        day = first_day + timedelta(weeks=week)
        starts = datetime.combine(day, start, tzinfo=clock.PARIS)
        ends = datetime.combine(day, end, tzinfo=clock.PARIS)
        occurrences.append((starts, ends))
    return occurrences


@dataclass(frozen=True)
class Planned:
    sessions: list[ActionSession]
    warnings: list[str]


def plan_sessions(
    session: Session, action: Action, *, first_day: date, start: time, end: time, count: int
) -> Planned:
    """Plan `count` weekly sessions of `action` from `first_day`.

    An action run by a shared post's holder is booked in that person's calendar
    (through ensemble.sharing.activity), so the calendar's rules apply: a clash
    or an exceeded share is refused there and nothing is planned. Otherwise the
    sessions are the centre's own."""
    if end <= start:
        raise Refusal(_("La fin doit être après le début."), "end")
    if not 1 <= count <= MAX_SESSIONS_PER_PLAN:
        raise Refusal(_("Entre 1 et %(n)s séances à la fois.", n=MAX_SESSIONS_PER_PLAN), "count")
    warnings: list[str] = []
    event_id: int | None = None
    runner_id: int | None = None
    if action.post_agreement_id is not None:
        starts_local = datetime.combine(first_day, start)
        planned = registry.plan_series(
            session,
            registry.SeriesPlan(
                agreement_id=action.post_agreement_id,
                centre_id=action.centre_id,
                title=action.name,
                starts_local=starts_local,
                ends_local=datetime.combine(first_day, end),
                rrule=f"FREQ=WEEKLY;COUNT={count}" if count > 1 else None,
                description=action.place,
            ),
        )
        occurrences = planned.occurrences
        event_id, runner_id, warnings = planned.event_id, planned.user_id, planned.warnings
    else:
        occurrences = weekly_starts(first_day, start, end, count)
        runner_id = context.current().user_id
    taken = {s.starts_at for s in sessions_of(session, action)}
    if any(starts in taken for starts, _ends in occurrences):
        raise Refusal(_("Une séance de cette action commence déjà à cette heure."), "first_day")
    created = [
        ActionSession(
            centre_id=action.centre_id,
            action_id=action.id,
            starts_at=starts,
            ends_at=ends,
            calendar_event_id=event_id,
            runner_user_id=runner_id,
        )
        for starts, ends in occurrences
    ]
    session.add_all(created)
    session.flush()
    return Planned(created, warnings)


# --- Attendance --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendance:
    """What is recorded after a session. Counts by breakdown may be left empty
    (unknown); when given, they never exceed the number of participants."""

    participants: int | None = None  # None: the number of participants ticked
    women: int | None = None
    men: int | None = None
    age_0_17: int | None = None
    age_18_25: int | None = None
    age_26_59: int | None = None
    age_60_plus: int | None = None
    volunteers: int = 0
    volunteer_hours: Decimal = Decimal(0)
    present_ids: tuple[int, ...] = ()


def registered(session: Session, action: Action) -> list[Participant]:
    """The action's list of participants, still identifiable (not anonymised)."""
    return list(
        session.scalars(
            select(Participant)
            .join(Registration, Registration.participant_id == Participant.id)
            .where(Registration.action_id == action.id, Participant.anonymised_at.is_(None))
            .order_by(Participant.display_name, Participant.id)
        )
    )


def present_ids(session: Session, act_session: ActionSession) -> set[int]:
    return set(
        session.scalars(
            select(Presence.participant_id).where(Presence.session_id == act_session.id)
        )
    )


def _bounded(value: int | None, field: str) -> None:
    if value is not None and not 0 <= value <= MAX_PARTICIPANTS:
        raise Refusal(_("Entre 0 et %(n)s.", n=MAX_PARTICIPANTS), field)


def record_attendance(
    session: Session, act_session: ActionSession, attendance: Attendance
) -> ActionSession:
    """Record (or correct) the attendance of a session that has begun.

    A bounded number of statements whatever the group: one read of the action's
    list when participants are ticked, one UPDATE of the session, one DELETE and
    one INSERT of the presences (and the audit log's one INSERT)."""
    if act_session.starts_at > clock.utcnow():
        raise Refusal(_("Cette séance n’a pas encore commencé."))
    ticked = set(attendance.present_ids)
    if ticked:
        allowed = set(
            session.scalars(
                select(Registration.participant_id)
                .join(Participant, Participant.id == Registration.participant_id)
                .where(
                    Registration.action_id == act_session.action_id,
                    Participant.anonymised_at.is_(None),
                )
            )
        )
        if not ticked <= allowed:
            raise Refusal(_("Cochez des participants inscrits à cette action."), "present")
    participants = attendance.participants
    if participants is None:
        participants = len(ticked)
    for name in ("participants", *SEX_COLUMNS, *AGE_COLUMNS, "volunteers"):
        _bounded(participants if name == "participants" else getattr(attendance, name), name)
    if participants < len(ticked):
        raise Refusal(
            _("Au moins %(n)s participants : ceux que vous avez cochés.", n=len(ticked)),
            "participants",
        )
    if sum(getattr(attendance, c) or 0 for c in SEX_COLUMNS) > participants:
        raise Refusal(_("Plus de femmes et d’hommes que de participants."), "women")
    if sum(getattr(attendance, c) or 0 for c in AGE_COLUMNS) > participants:
        raise Refusal(_("Plus de participants par âge que de participants."), "age_0_17")
    if not Decimal(0) <= attendance.volunteer_hours <= MAX_VOLUNTEER_HOURS:
        raise Refusal(_("Entre 0 et %(n)s heures.", n=MAX_VOLUNTEER_HOURS), "volunteer_hours")
    if attendance.volunteer_hours and not attendance.volunteers:
        raise Refusal(_("Indiquez combien de bénévoles étaient là."), "volunteers")
    values = {
        "recorded_at": clock.utcnow(),
        "recorded_by_user_id": context.current().user_id,
        "participants": participants,
        "volunteers": attendance.volunteers,
        "volunteer_hours": attendance.volunteer_hours,
        **{c: getattr(attendance, c) for c in (*SEX_COLUMNS, *AGE_COLUMNS)},
    }
    for key, value in values.items():
        setattr(act_session, key, value)
    session.flush()
    # The declaration's pre-fill of this centre and year follows, on a worker.
    enqueue_after_commit(
        session,
        "ensemble.activity.refresh_prefill",
        act_session.centre_id,
        clock.paris(act_session.starts_at).year,
    )
    session.execute(delete(Presence).where(Presence.session_id == act_session.id))
    if ticked:
        session.execute(
            insert(table_of(Presence)),
            [
                {
                    "centre_id": act_session.centre_id,
                    "session_id": act_session.id,
                    "participant_id": participant_id,
                }
                for participant_id in sorted(ticked)
            ],
        )
    return act_session


# --- Participants ------------------------------------------------------------------------


def register_participant(
    session: Session,
    action: Action,
    *,
    display_name: str,
    consent: bool,
    birth_year: int | None = None,
    age_band: str = "",
    sex: str = "",
) -> Participant:
    """Put a new participant on the action's list, with the minimum: a name to
    tick them by, a year of birth or an age band, a sex when asked, their consent."""
    display_name = " ".join(display_name.split())
    if not display_name:
        raise Refusal(_("Indiquez le nom sous lequel cocher la personne."), "display_name")
    if not consent:
        raise Refusal(
            _("La personne doit avoir accepté que le centre garde ces informations."), "consent"
        )
    if age_band and age_band not in AGE_BANDS:
        raise Refusal(_("Choisissez dans la liste."), "age_band")
    if sex and sex not in SEXES:
        raise Refusal(_("Choisissez dans la liste."), "sex")
    if birth_year is not None and not 1900 <= birth_year <= clock.today().year:
        raise Refusal(_("Une année entre 1900 et cette année."), "birth_year")
    participant = Participant(
        centre_id=action.centre_id,
        display_name=display_name,
        birth_year=birth_year,
        age_band=age_band,
        sex=sex,
        consent=True,
        # On the platform's clock: the retention counts from it.
        created_at=clock.utcnow(),
    )
    session.add(participant)
    session.flush()
    session.add(
        Registration(centre_id=action.centre_id, action_id=action.id, participant_id=participant.id)
    )
    session.flush()
    return participant


def read_participants(session: Session, participants: Sequence[Participant]) -> None:
    """Audit that the current person read these participants (one statement)."""
    audit.record_reads(session, participants)


def band_of(participant: Participant, year: int) -> str:
    """The participant's age band in `year`: from their year of birth when known."""
    if participant.birth_year is None:
        return participant.age_band
    age = year - participant.birth_year
    if age < 18:
        return "0-17"
    if age <= 25:
        return "18-25"
    if age <= 59:
        return "26-59"
    return "60+"


def recorded(sessions: Iterable[ActionSession]) -> list[ActionSession]:
    return [s for s in sessions if s.recorded_at is not None]


def to_record(session: Session, centre: Centre, days: int = 14) -> list[ActionSession]:
    """The centre's sessions of the last `days` days that have begun and whose
    attendance is not recorded yet, oldest first. Days as the centre counts them
    (from midnight in Paris): a session of that morning stays on the list all day."""
    now = clock.utcnow()
    since = clock.local_midnight(clock.today() - timedelta(days=days))
    return list(
        session.scalars(
            select(ActionSession)
            .where(
                ActionSession.centre_id == centre.id,
                ActionSession.recorded_at.is_(None),
                ActionSession.starts_at <= now,
                ActionSession.starts_at >= since,
            )
            .order_by(ActionSession.starts_at, ActionSession.id)
            .limit(50)
        )
    )


# --- Retention ---------------------------------------------------------------------------


def retention_months() -> int:
    """How long a participant is kept after the campaign of their last session
    closes (ACTIVITY_RETENTION_MONTHS, twelve by default)."""
    if not has_app_context():
        return DEFAULT_RETENTION_MONTHS
    return int(current_app.config.get("ACTIVITY_RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS))
