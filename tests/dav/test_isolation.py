"""Isolation over CalDAV, in SQL and over HTTP.

The DAV routes live outside the /c/<centre> tree (their one URL argument,
`dav_path`, is opaque to tests/test_isolation_http.py), so this module walks
them itself: every resource the owner can reach — found by PROPFIND from
their home, not listed by hand — answers 404 to another person and to another
centre's director, for every method, and under the outsider's own home too.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dav.dav_support import (
    ALMA_STAFF,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    OFFICER,
    PROPFIND_ALL,
    book_as,
    calendar_of,
    prop_xml,
    report_xml,
    responses,
    sync_body,
    vcalendar,
)
from ensemble.tenancy import context
from ensemble.tenancy.urls import OPAQUE_ARGS

ISOLATED_TABLES = {"agenda_changes", "caldav_app_passwords", "caldav_resources"}
METHODS = ("PROPFIND", "REPORT", "GET", "PUT", "DELETE", "PROPPATCH")


@pytest.fixture
def booked(demo, db_session, dav, device):
    """The officer's confidential meeting at Alma and workshop at Fresnoy, one
    event created from his phone under a name it chose; devices for everyone."""
    calendar = calendar_of(demo, db_session, OFFICER)
    book_as(
        demo,
        db_session,
        OFFICER,
        calendar,
        "alma",
        "Entretien RH confidentiel",
        datetime(2028, 5, 2, 9),
        datetime(2028, 5, 2, 10),
        participants="Mme Secrète",
    )
    book_as(
        demo,
        db_session,
        OFFICER,
        calendar,
        "fresnoy-mackellerie",
        "Atelier tablettes",
        datetime(2028, 5, 2, 14),
        datetime(2028, 5, 2, 16),
    )
    people = {
        email: device(email)
        for email in (OFFICER, FRESNOY_DIRECTOR, BASSE_MASURE_DIRECTOR, ECHO_DIRECTOR, ALMA_STAFF)
    }
    phone = vcalendar("choisi@phone", "20280503T100000", "20280503T110000", "Du téléphone")
    path = f"{people[OFFICER].home}agenda-{calendar.id}/NOM-CHOISI.ics"
    assert dav("PUT", path, people[OFFICER], phone).status_code == 201
    return people


def _reachable(dav, who) -> list[str]:
    """Every href `who` reaches from their home, two levels down."""
    found = []
    for href in responses(dav("PROPFIND", who.home, who, PROPFIND_ALL, Depth="1").data):
        found.append(href)
        if href != who.home:
            found += list(
                responses(dav("PROPFIND", href, who, prop_xml("D:getetag"), Depth="1").data)
            )
    return list(dict.fromkeys(found))


def _body(method: str) -> bytes:
    return {
        "PROPFIND": PROPFIND_ALL,
        "REPORT": sync_body(),
        "PUT": vcalendar("intrus", "20280504T100000", "20280504T110000", "Intrus"),
        "PROPPATCH": b'<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>x'
        b"</D:displayname></D:prop></D:set></D:propertyupdate>",
    }.get(method, b"")


def _with_home(href: str, home: str) -> str:
    """The same resource named under another person's home."""
    parts = href.split("/")
    return home + "/".join(parts[3:])


@pytest.mark.parametrize(
    ("owner", "outsiders"),
    [
        (OFFICER, (FRESNOY_DIRECTOR, ALMA_STAFF, ECHO_DIRECTOR)),
        (FRESNOY_DIRECTOR, (BASSE_MASURE_DIRECTOR, ECHO_DIRECTOR, OFFICER)),
    ],
)
def test_another_person_or_centre_gets_404_on_every_resource_and_method(
    dav, booked, owner, outsiders
):
    mine = booked[owner]
    hrefs = [h for h in _reachable(dav, mine) if h != mine.home]
    kinds = {("agenda-" in h, h.endswith(".ics")) for h in hrefs}
    assert len(kinds) == 2, f"the walk found too little: {hrefs}"
    for href in hrefs:
        assert dav("PROPFIND", href, mine, PROPFIND_ALL, Depth="0").status_code == 207, href
    for email in outsiders:
        outsider = booked[email]
        assert dav("PROPFIND", mine.home, outsider, PROPFIND_ALL).status_code == 404
        for href in hrefs:
            for target in (href, _with_home(href, outsider.home)):
                for method in METHODS:
                    answer = dav(method, target, outsider, _body(method), Depth="1")
                    assert answer.status_code == 404, (email, method, target)
                    assert b"Atelier" not in answer.data and b"Entretien" not in answer.data


def test_a_multiget_of_someone_else_s_hrefs_returns_nothing_of_theirs(
    dav, booked, demo, db_session
):
    hugo, thomas = booked[OFFICER], booked[FRESNOY_DIRECTOR]
    theirs = [h for h in _reachable(dav, hugo) if h.endswith(".ics")]
    fresnoy = demo.centre("fresnoy-mackellerie")
    own = f"{thomas.home}centre-{fresnoy.id}/"
    hrefs = "".join(f"<D:href>{h}</D:href>" for h in theirs)
    got = dav("REPORT", own, thomas, report_xml("multiget", hrefs))
    assert got.status_code == 207
    assert all(r["status"].endswith("404 Not Found") for r in responses(got.data).values())
    assert b"Du t" not in got.data and b"Entretien" not in got.data


def test_the_dav_routes_are_the_ones_this_walk_covers(app):
    assert "dav_path" in OPAQUE_ARGS
    dav_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("caldav.")]
    covered = {"caldav.dav", "caldav.well_known", "caldav.site_root", "caldav.devices"}
    assert {r.endpoint for r in dav_rules} <= covered, "a new CalDAV route: walk it here"


# --- Row-level security, table by table ---------------------------------------------------


def _count(session, table: str) -> int:
    return session.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def _refused(session, sql: str) -> bool:
    nested = session.begin_nested()
    try:
        session.execute(text(sql))
    except DBAPIError as exc:
        nested.rollback()
        return "permission denied" in str(exc) or "row-level security" in str(exc)
    nested.rollback()
    return False


def test_app_passwords_and_chosen_names_are_the_person_s_own(db_session, demo, booked):
    with context.using(demo.context_of(OFFICER), db_session):
        assert _count(db_session, "caldav_app_passwords") == 1
        assert _count(db_session, "caldav_resources") == 1
    for email in (FRESNOY_DIRECTOR, ECHO_DIRECTOR, ALMA_STAFF):
        with context.using(demo.context_of(email), db_session):
            rows = db_session.execute(text("SELECT user_id FROM caldav_app_passwords")).all()
            assert rows == [(demo.user(email).id,)]
            assert _count(db_session, "caldav_resources") == 0
    with context.using(context.ANONYMOUS, db_session):
        for table in ISOLATED_TABLES:
            assert _count(db_session, table) == 0, table
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        hugo_id = demo.user(OFFICER).id
        assert _refused(
            db_session,
            f"INSERT INTO caldav_app_passwords (user_id, name, password_hash) "
            f"VALUES ({hugo_id}, 'x', 'x')",
        )
        assert _refused(db_session, "UPDATE caldav_app_passwords SET revoked_at = now()") is False
        assert (
            db_session.execute(
                text(f"SELECT count(*) FROM caldav_app_passwords WHERE user_id = {hugo_id}")
            ).scalar()
            == 0
        )


def test_the_change_log_follows_the_rows_it_describes(db_session, demo, booked):
    def kinds(email):
        with context.using(demo.context_of(email), db_session):
            return {
                (kind, centre)
                for kind, centre in db_session.execute(
                    text("SELECT kind, centre_id FROM agenda_changes")
                )
            }

    alma, fresnoy = demo.centre("alma").id, demo.centre("fresnoy-mackellerie").id
    assert {("event", alma), ("event", fresnoy), ("busy", alma)} <= kinds(OFFICER)
    fresnoy_sees = kinds(FRESNOY_DIRECTOR)
    assert ("event", fresnoy) in fresnoy_sees and ("busy", alma) in fresnoy_sees
    assert ("event", alma) not in fresnoy_sees  # the title's UID stays at Alma
    assert kinds(ECHO_DIRECTOR) == set()
    with context.using(demo.context_of(OFFICER), db_session):
        assert _refused(db_session, "DELETE FROM agenda_changes")
        assert _refused(
            db_session,
            "INSERT INTO agenda_changes (kind, calendar_id, user_id, agreement_id, centre_id, uid)"
            " VALUES ('event', 1, 1, 1, 1, 'x')",
        )
