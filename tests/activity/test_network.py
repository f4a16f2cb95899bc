"""The network sees activity as cooperation figures, computed on the reporting
role (which reads sessions, and of participants only what breaks them down,
never a name): Alma's 2021 sessions and participations from the demo, and
nothing the reporting role may not read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ensemble.activity.providers import activity_figures


def test_alma_2021_activity_reaches_the_network_figures(database, demo):
    alma = demo.centre("alma").id
    engine = create_engine(database.reporting)
    try:
        with Session(engine) as session:
            figures = {
                f.code: f.value for f in activity_figures(session, 2021) if f.centre_id == alma
            }
            people = session.execute(
                text(
                    "SELECT count(*) FROM (SELECT DISTINCT pr.participant_id"
                    " FROM activity_presences pr JOIN activity_sessions s ON s.id = pr.session_id"
                    " WHERE s.centre_id = :alma AND s.recorded_at IS NOT NULL"
                    " AND s.starts_at >= '2021-01-01 00:00+01'"
                    " AND s.starts_at < '2022-01-01 00:00+01') AS ticked"
                ),
                {"alma": alma},
            ).scalar_one()
            # The activity report's different people, each counted once at Alma
            # (some were at several of its actions).
            assert people >= 664
            assert figures == {
                "activity.sessions": Decimal(96 + 127 + 38 + 30),
                "activity.participations": Decimal(1488 + 818 + 152 + 117),
                "activity.people": Decimal(people),
                "activity.volunteer_hours": Decimal(0),
            }
            # The pre-fill's full refresh reads who was at which session and what
            # the catalogue breaks people down by; never a name, a consent, a
            # retention date or a registration.
            for statement in (
                "SELECT display_name FROM activity_participants",
                "SELECT consent FROM activity_participants",
                "SELECT anonymised_at FROM activity_participants",
                "SELECT * FROM activity_participants",
                "SELECT count(*) FROM activity_registrations",
            ):
                with pytest.raises(DBAPIError):
                    session.execute(text(statement))
                session.rollback()
    finally:
        engine.dispose()


def test_the_network_counts_different_people_centre_by_centre(
    demo, db_session, as_user, alma_action
):
    """Persons are not linked across centres: Awa, at two sessions of two Alma
    actions, is one person at Alma; Awa registered at Fresnoy too is one more
    there. The network's figure is the sum of each centre's different people,
    labelled so, and disclosure control protects it as a count of people."""
    from datetime import date, time

    from activity.conftest import ALMA_DIRECTOR, FRESNOY_DIRECTOR
    from ensemble.activity import operations as activity
    from ensemble.activity.models import Action, Registration
    from ensemble.reporting.published import measures
    from ensemble.sharing.cooperation import NETWORK_LABELS
    from ensemble.tenancy import context

    alma, fresnoy = demo.centre("alma"), demo.centre("fresnoy-mackellerie")
    both = context.system_context(centre_ids=[alma.id, fresnoy.id])

    def figures() -> dict:
        with context.using(both, db_session):
            return {
                (f.centre_id, f.code): f.value
                for f in activity_figures(db_session, 2026)
                if f.code in ("activity.people", "activity.participations")
            }

    before = figures()
    with as_user(ALMA_DIRECTOR):
        first = db_session.get(Action, alma_action)
        second = activity.save_action(
            db_session, alma, name="Atelier cuisine", sector="parentalite"
        )
        activity.plan_sessions(
            db_session, second, first_day=date(2026, 3, 3), start=time(10), end=time(12), count=1
        )
        awa = activity.register_participant(db_session, first, display_name="Awa D.", consent=True)
        db_session.add(Registration(centre_id=alma.id, action_id=second.id, participant_id=awa.id))
        db_session.flush()
        for action in (first, second):
            session = activity.sessions_of(db_session, action)[0]
            activity.record_attendance(
                db_session, session, activity.Attendance(participants=2, present_ids=(awa.id,))
            )
    with as_user(FRESNOY_DIRECTOR):
        there = activity.save_action(db_session, fresnoy, name="Marche", sector="parentalite")
        activity.plan_sessions(
            db_session, there, first_day=date(2026, 3, 4), start=time(10), end=time(12), count=1
        )
        other = activity.register_participant(
            db_session, there, display_name="Awa D.", consent=True
        )
        activity.record_attendance(
            db_session,
            activity.sessions_of(db_session, there)[0],
            activity.Attendance(participants=1, present_ids=(other.id,)),
        )
    db_session.flush()
    after = figures()
    with context.using(both, db_session):
        published = measures(db_session)["activity.people"]
    added = {key: value - before.get(key, 0) for key, value in after.items()}
    assert added[(alma.id, "activity.people")] == 1
    assert added[(alma.id, "activity.participations")] == 4
    assert added[(fresnoy.id, "activity.people")] == 1
    assert str(NETWORK_LABELS["activity.people"][0]) == (
        "Personnes différentes aux actions, comptées par centre"
    )
    assert published.counts_people and published.unit == "count"
    assert not measures(db_session)["activity.sessions"].counts_people
