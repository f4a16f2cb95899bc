"""What the actions show elsewhere: on a centre's home page, the sessions whose
attendance is still to record (« what needs me today »); in the network's
figures, each centre's sessions, participations and volunteer hours."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.extensions import db
from ensemble.home.panels import HomePlace, home_panel
from ensemble.kernel import clock, french
from ensemble.network.models import Centre
from ensemble.sharing.cooperation import CooperationFigure, cooperation_provider, network_label
from ensemble.sharing.grants import FundedAction, funded_actions_reader


@home_panel(
    "centre",
    "activity.to_record",
    "activity/_home_to_record.html",
    order=37,
    # A session that begins while a copy is cached shows after PAGE_CACHE_SECONDS.
    versions=lambda place: [f"activity:{place.tenant_id}"],
)
def sessions_to_record(place: HomePlace) -> Mapping[str, object] | None:
    from ensemble.activity import operations as activity

    if place.tenant_id is None or place.tenant_id not in place.context.centre_ids:
        return None
    centre = db.session.get(Centre, place.tenant_id)
    if centre is None:
        return None
    sessions = activity.to_record(db.session, centre)
    if not sessions:
        return None
    return {
        "centre": centre,
        "sessions": sessions,
        "when": lambda s: french.long_datetime(clock.paris(s.starts_at), weekday=True),
    }


# --- What the network sees -----------------------------------------------------------------
#
# Each centre's activity joins the cooperation figures the consolidation
# workers stage (on the reporting role, which reads sessions and actions, and of
# the presences only who was at which session, never a name); publication then
# applies the disclosure control of every other figure.
#
# Different people: a person registered at one centre is one person there, and
# persons are not linked across centres (personal data stays in its centre), so
# the network's figure is the sum of each centre's different people, and says
# so; disclosure control protects it as a count of people.

PEOPLE_LABEL = "Personnes différentes aux actions, comptées par centre"
network_label("activity.sessions", _l("Séances d’actions tenues"), "count")
network_label("activity.participations", _l("Participations aux actions"), "count")
network_label(
    "activity.people",
    _l("Personnes différentes aux actions, comptées par centre"),
    "count",
    counts_people=True,
)
network_label("activity.volunteer_hours", _l("Heures de bénévolat aux séances"), "hours")


@cooperation_provider("activity")
def activity_figures(session: Session, year: int) -> list[CooperationFigure]:
    from ensemble.activity.models import ActionSession, Presence
    from ensemble.activity.prefill import year_bounds

    start, end = year_bounds(year)
    held = (
        ActionSession.recorded_at.is_not(None),
        ActionSession.starts_at >= start,
        ActionSession.starts_at < end,
    )
    people = dict(
        session.execute(
            select(Presence.centre_id, func.count(func.distinct(Presence.participant_id)))
            .join(ActionSession, ActionSession.id == Presence.session_id)
            .where(*held)
            .group_by(Presence.centre_id)
        ).all()
    )
    rows = session.execute(
        select(
            ActionSession.centre_id,
            func.count(),
            func.coalesce(func.sum(ActionSession.participants), 0),
            func.coalesce(func.sum(ActionSession.volunteer_hours), 0),
        )
        .where(*held)
        .group_by(ActionSession.centre_id)
        .order_by(ActionSession.centre_id)
    ).all()
    figures = []
    for centre_id, sessions, participations, hours in rows:
        figures += [
            CooperationFigure(
                "activity.sessions",
                "Séances d’actions tenues",
                "count",
                centre_id,
                Decimal(sessions),
            ),
            CooperationFigure(
                "activity.participations",
                "Participations aux actions",
                "count",
                centre_id,
                Decimal(participations),
            ),
            CooperationFigure(
                "activity.people",
                PEOPLE_LABEL,
                "count",
                centre_id,
                Decimal(people.get(centre_id, 0)),
            ),
            CooperationFigure(
                "activity.volunteer_hours",
                "Heures de bénévolat aux séances",
                "hours",
                centre_id,
                Decimal(hours),
            ),
        ]
    return figures


# --- A grant's financial report (ensemble.sharing.grants) ----------------------------


@funded_actions_reader
def funded_actions(
    session: Session, agreement_id: int, centre_id: int, start: date, end: date
) -> list[FundedAction]:
    """The centre's actions funded by the joint answer `agreement_id`, with their
    sessions held (attendance recorded) from `start` to `end` included: counts and
    hours only, never a participant. Four statements whatever the number of sessions."""
    from ensemble.activity.models import Action, ActionSession, Presence

    first = clock.local_midnight(start)
    last = clock.local_midnight(end + timedelta(days=1))
    actions = list(
        session.scalars(
            select(Action)
            .where(Action.centre_id == centre_id, Action.funding_agreement_id == agreement_id)
            .order_by(Action.name, Action.id)
        )
    )
    if not actions:
        return []
    ids = [a.id for a in actions]
    held = (
        ActionSession.action_id.in_(ids),
        ActionSession.recorded_at.is_not(None),
        ActionSession.starts_at >= first,
        ActionSession.starts_at < last,
    )
    totals = {
        row.action_id: row
        for row in session.execute(
            select(
                ActionSession.action_id,
                func.count().label("sessions"),
                func.coalesce(func.sum(ActionSession.participants), 0).label("participations"),
                func.coalesce(func.sum(ActionSession.volunteers), 0).label("volunteers"),
                func.coalesce(func.sum(ActionSession.volunteer_hours), 0).label("hours"),
            )
            .where(*held)
            .group_by(ActionSession.action_id)
        )
    }
    people = dict(
        session.execute(
            select(ActionSession.action_id, func.count(func.distinct(Presence.participant_id)))
            .join(Presence, Presence.session_id == ActionSession.id)
            .where(*held)
            .group_by(ActionSession.action_id)
        ).all()
    )
    # Session hours per month, in Paris time: what the post's holder spent on it.
    month = func.date_trunc("month", func.timezone("Europe/Paris", ActionSession.starts_at))
    seconds = func.sum(func.extract("epoch", ActionSession.ends_at - ActionSession.starts_at))
    post_hours: dict[int, dict[date, Decimal]] = {}
    for action_id, first_day, total in session.execute(
        select(ActionSession.action_id, month, seconds)
        .where(*held)
        .group_by(ActionSession.action_id, month)
    ):
        post_hours.setdefault(action_id, {})[first_day.date()] = (Decimal(total) / 3600).quantize(
            Decimal("0.01")
        )
    result = []
    for action in actions:
        row = totals.get(action.id)
        result.append(
            FundedAction(
                action_id=action.id,
                name=action.name,
                public=action.public,
                sessions_held=row.sessions if row else 0,
                participations=int(row.participations) if row else 0,
                people=people.get(action.id, 0),
                volunteers=int(row.volunteers) if row else 0,
                volunteer_hours=Decimal(row.hours if row else 0).quantize(Decimal("0.01")),
                post_agreement_id=action.post_agreement_id,
                post_hours=post_hours.get(action.id, {}) if action.post_agreement_id else {},
            )
        )
    return result
