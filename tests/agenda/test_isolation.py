"""Shared calendars in SQL, through the runtime role: titles and participants
reach only the person and the members of the centre where the event happens;
the other parties see busy intervals only; outsiders see nothing and cannot
write; the clash trigger also guards time a centre may not read."""

from __future__ import annotations

from datetime import datetime

import pytest
from posts.posts_support import (
    ALMA_DIRECTOR,
    ALMA_STAFF,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    MONTREUIL_DIRECTOR,
    OFFICER,
)
from test_rls import refused, rows

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category

ISOLATED_TABLES = {
    "agenda_calendars",
    "agenda_events",
    "agenda_busy",
    "agenda_requests",
    "agenda_feeds",
}
CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=60)


@pytest.fixture
def booked(demo, db_session, setup, as_user):
    """A confidential meeting at Alma, a workshop at Fresnoy, a request from
    Basse Masure and the officer's feed."""
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        for centre, title, day in (
            (setup.alma, "Entretien RH confidentiel", 2),
            (setup.fresnoy, "Atelier tablettes", 3),
        ):
            agenda.book(
                db_session,
                calendar,
                centre_id=centre,
                category=Category.MEETING,
                title=title,
                participants="Mme X, M. Y",
                starts_local=datetime(2026, 6, day, 10),
                ends_local=datetime(2026, 6, day, 12),
                config=CFG,
            )
        agenda.regenerate_feed(db_session, user_id=setup.officer_id)
    with as_user(BASSE_MASURE_DIRECTOR):
        agenda.ask(
            db_session,
            calendar,
            demo.centre("basse-masure"),
            title="Permanence",
            category=Category.DROP_IN,
            starts_local=datetime(2026, 6, 5, 9),
            ends_local=datetime(2026, 6, 5, 10),
        )
        agenda.regenerate_feed(db_session, centre_id=setup.basse_masure)
    return setup


def _titles(session, b):
    return sorted(
        r[0]
        for r in rows(
            session, "SELECT title FROM agenda_events WHERE calendar_id = :c", c=b.calendar_id
        )
    )


def _ids(session, table, b):
    return rows(session, f"SELECT id FROM {table} WHERE calendar_id = :c", c=b.calendar_id)


def test_the_officer_sees_everything_in_their_calendar(db_session, booked, as_user):
    with as_user(OFFICER):
        assert _titles(db_session, booked) == ["Atelier tablettes", "Entretien RH confidentiel"]
        assert len(_ids(db_session, "agenda_requests", booked)) == 1


def test_a_party_centre_sees_its_events_and_only_busy_time_elsewhere(db_session, booked, as_user):
    with as_user(FRESNOY_DIRECTOR):
        assert _titles(db_session, booked) == ["Atelier tablettes"]
        assert len(_ids(db_session, "agenda_busy", booked)) == 2
        assert _ids(db_session, "agenda_requests", booked) == []
        assert rows(db_session, "SELECT id FROM agenda_feeds") == []
    with as_user(BASSE_MASURE_DIRECTOR):
        assert _titles(db_session, booked) == []
        assert len(_ids(db_session, "agenda_busy", booked)) == 2
        assert len(_ids(db_session, "agenda_requests", booked)) == 1
        assert len(rows(db_session, "SELECT id FROM agenda_feeds")) == 1
    with as_user(ALMA_DIRECTOR):
        assert _titles(db_session, booked) == ["Entretien RH confidentiel"]


@pytest.mark.parametrize("outsider", [ECHO_DIRECTOR, MONTREUIL_DIRECTOR])
def test_outsiders_see_no_row(db_session, booked, as_user, outsider):
    with as_user(outsider):
        for table in ISOLATED_TABLES:
            assert rows(db_session, f"SELECT id FROM {table}") == [], (outsider, table)


def test_staff_of_the_carrier_centre_see_alma_events_but_no_feed(db_session, booked, as_user):
    with as_user(ALMA_STAFF):
        assert _titles(db_session, booked) == ["Entretien RH confidentiel"]
        assert rows(db_session, "SELECT id FROM agenda_feeds") == []


def test_outsiders_cannot_write(db_session, booked, as_user):
    b = booked
    with as_user(ECHO_DIRECTOR):
        assert refused(
            db_session,
            "INSERT INTO agenda_events (calendar_id, user_id, agreement_id, centre_id, category,"
            " title, description, participants, starts_local, ends_local, tzid, exdates, uid,"
            " sequence, updated_at) VALUES (:c, :u, :a, :centre, 'atelier', 'x', '', '',"
            " '2026-07-01 10:00', '2026-07-01 11:00', 'Europe/Paris', '{}', 'u', 0, now())",
            c=b.calendar_id,
            u=b.officer_id,
            a=b.agreement_id,
            centre=b.echo,
        )
        assert refused(
            db_session,
            "INSERT INTO agenda_calendars (agreement_id, user_id) VALUES (:a, :u)",
            a=b.agreement_id,
            u=b.officer_id,
        )
        assert refused(
            db_session,
            "INSERT INTO agenda_requests (calendar_id, user_id, agreement_id, centre_id,"
            " requested_by_user_id, category, title, message, starts_local, ends_local, status,"
            " reason) VALUES (:c, :u, :a, :centre, :u, 'atelier', 'x', '', '2026-07-01 10:00',"
            " '2026-07-01 11:00', 'pending', '')",
            c=b.calendar_id,
            u=b.officer_id,
            a=b.agreement_id,
            centre=b.echo,
        )
        assert refused(
            db_session,
            "INSERT INTO agenda_feeds (centre_id, nonce) VALUES (:centre, 'n')",
            centre=b.fresnoy,
        )
        assert rows(db_session, "UPDATE agenda_events SET title = 'x' RETURNING id") == []
        assert rows(db_session, "DELETE FROM agenda_busy RETURNING id") == []


def test_a_party_director_cannot_book_at_another_centre(db_session, booked, as_user):
    b = booked
    with as_user(FRESNOY_DIRECTOR):
        assert refused(
            db_session,
            "INSERT INTO agenda_events (calendar_id, user_id, agreement_id, centre_id, category,"
            " title, description, participants, starts_local, ends_local, tzid, exdates, uid,"
            " sequence, updated_at) VALUES (:c, :u, :a, :centre, 'atelier', 'x', '', '',"
            " '2026-07-01 10:00', '2026-07-01 11:00', 'Europe/Paris', '{}', 'u', 0, now())",
            c=b.calendar_id,
            u=b.officer_id,
            a=b.agreement_id,
            centre=b.alma,
        )
        # Nor move or delete the Alma event it cannot see.
        assert (
            rows(
                db_session,
                "UPDATE agenda_busy SET travel_minutes = 0 WHERE centre_id = :c RETURNING id",
                c=b.alma,
            )
            == []
        )


def test_the_trigger_guards_time_the_booker_cannot_read(db_session, booked, as_user):
    """Basse Masure cannot read the Alma meeting's title, yet cannot book over it."""
    calendar = db_session.get(Calendar, booked.calendar_id)
    with as_user(BASSE_MASURE_DIRECTOR), pytest.raises(agenda.Clash) as refused_:
        agenda.book(
            db_session,
            calendar,
            centre_id=booked.basse_masure,
            category=Category.WORKSHOP,
            title="Atelier",
            starts_local=datetime(2026, 6, 2, 11),
            ends_local=datetime(2026, 6, 2, 13),
            config=CFG,
        )
    assert "Occupé — autre structure" in refused_.value.message
    assert "confidentiel" not in refused_.value.message
