"""CalDAV through the Flask test client: discovery, objects with ETags and
preconditions, reports, sync tokens, refusals with a French reason, and the
centre's calendar shown as busy time elsewhere (checked on the raw XML)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dav.dav_support import (
    FRESNOY_DIRECTOR,
    OFFICER,
    PROPFIND_ALL,
    book_as,
    calendar_of,
    prop_xml,
    report_xml,
    responses,
    sync_body,
    sync_token_of,
    time_range,
    vcalendar,
)
from ensemble.agenda.models import Busy, Event
from ensemble.notifications.models import Notification
from ensemble.tenancy import context

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
CS = "{http://calendarserver.org/ns/}"


@pytest.fixture
def hugo(device):
    return device(OFFICER)


@pytest.fixture
def collection(demo, db_session, hugo):
    return f"{hugo.home}agenda-{calendar_of(demo, db_session, OFFICER).id}/"


def _busy(demo, session, email, uid) -> list[tuple[datetime, datetime]]:
    with context.using(demo.context_of(email), session):
        return [
            (r.lower, r.upper)
            for r in session.scalars(
                select(Busy.during)
                .join(Event, Event.id == Busy.event_id)
                .where(Event.uid == uid)
                .order_by(func.lower(Busy.during))
            )
        ]


def test_a_client_finds_the_calendar_from_the_server_address(dav, hugo, collection):
    assert dav("OPTIONS", "/dav/").headers["DAV"].endswith("calendar-access")
    for start in ("/.well-known/caldav", "/"):
        moved = dav("PROPFIND", start, hugo, PROPFIND_ALL, Depth="0")
        assert moved.status_code == 301 and moved.headers["Location"].endswith("/dav/")
        assert "Le service CalDAV est à l’adresse" in moved.get_data(as_text=True)
    root = responses(dav("PROPFIND", "/dav/", hugo, PROPFIND_ALL, Depth="0").data)
    principal = root["/dav/"]["props"][f"{D}current-user-principal"].findtext(f"{D}href")
    assert principal == hugo.home
    home = dav("PROPFIND", principal, hugo, PROPFIND_ALL, Depth="1")
    assert home.status_code == 207
    found = responses(home.data)
    assert found[hugo.home]["props"][f"{C}calendar-home-set"].findtext(f"{D}href") == hugo.home
    calendar = found[collection]["props"]
    assert calendar[f"{D}resourcetype"].find(f"{C}calendar") is not None
    assert calendar[f"{D}sync-token"].text.startswith("urn:x-ensemble:sync:")
    assert calendar[f"{CS}getctag"].text
    reports = dav("PROPFIND", collection, hugo, prop_xml("D:supported-report-set"), Depth="0")
    text = reports.get_data(as_text=True)
    for name in ("calendar-query", "calendar-multiget", "sync-collection"):
        assert name in text


def test_objects_carry_etags_and_writes_need_the_current_one(
    dav, hugo, collection, demo, db_session
):
    path = collection + "atelier-1.ics"
    event = vcalendar("atelier-1", "20280104T100000", "20280104T110000", "Atelier mardi")
    assert dav("PUT", path, hugo, event, **{"If-None-Match": "*"}).status_code == 201
    assert dav("PUT", path, hugo, event, **{"If-None-Match": "*"}).status_code == 412
    got = dav("GET", path, hugo)
    assert got.status_code == 200 and "SUMMARY:Atelier mardi" in got.get_data(as_text=True)
    etag = got.headers["ETag"]

    moved = vcalendar("atelier-1", "20280104T140000", "20280104T150000", "Atelier mardi")
    stale = dav("PUT", path, hugo, moved, **{"If-Match": '"not-the-etag"'})
    assert stale.status_code == 412
    assert "synchronisez" in stale.get_data(as_text=True)
    assert _busy(demo, db_session, OFFICER, "atelier-1")[0][0].hour == 9  # 10:00 Paris
    assert dav("PUT", path, hugo, moved, **{"If-Match": etag}).status_code == 204
    assert _busy(demo, db_session, OFFICER, "atelier-1")[0][0].hour == 13  # 14:00 Paris
    after = dav("GET", path, hugo)
    newer = after.headers["ETag"]
    assert newer != etag
    # Built objects are kept in Redis under their ETag: never the old text for the new one.
    assert "DTSTART;TZID=Europe/Paris:20280104T140000" in after.get_data(as_text=True)

    assert dav("DELETE", path, hugo, **{"If-Match": etag}).status_code == 412
    assert dav("DELETE", path, hugo, **{"If-Match": newer}).status_code == 204
    for method in ("GET", "PROPFIND", "DELETE", "PROPPATCH"):
        assert dav(method, path, hugo).status_code == 404, method
    assert _busy(demo, db_session, OFFICER, "atelier-1") == []


def test_the_name_a_client_chose_is_kept(dav, hugo, collection):
    path = collection + "A1B2-C3.ics"
    body = vcalendar("uid-not-the-name@phone", "20280105T100000", "20280105T110000")
    assert dav("PUT", path, hugo, body).status_code == 201
    assert dav("GET", path, hugo).status_code == 200
    listed = responses(dav("PROPFIND", collection, hugo, prop_xml("D:getetag"), Depth="1").data)
    assert path in listed
    other = vcalendar("uid-not-the-name@phone", "20280105T120000", "20280105T130000")
    clash = dav("PUT", collection + "another-name.ics", hugo, other)
    assert clash.status_code == 403 and b"no-uid-conflict" in clash.data


def test_a_clash_is_refused_with_its_reason_and_the_person_is_notified(
    dav, hugo, collection, demo, db_session
):
    calendar = calendar_of(demo, db_session, OFFICER)
    book_as(
        demo,
        db_session,
        OFFICER,
        calendar,
        "fresnoy-mackellerie",
        "Atelier tablettes",
        datetime(2028, 1, 11, 10),
        datetime(2028, 1, 11, 11),
    )
    overlapping = vcalendar("phone-1", "20280111T103000", "20280111T113000", "Rendez-vous")
    refused = dav("PUT", collection + "phone-1.ics", hugo, overlapping)
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "<C:valid-calendar-object-resource" in text
    assert "Conflit" in text and "Atelier tablettes" in text
    assert _busy(demo, db_session, OFFICER, "phone-1") == []
    with context.using(demo.context_of(OFFICER), db_session):
        told = db_session.scalars(
            select(Notification.body).where(Notification.user_id == hugo.user_id)
        ).all()
    assert any("Atelier tablettes" in body for body in told)

    # Travel time: Alma right after Fresnoy is refused, 20 minutes later it is not.
    alma = "LOCATION:Centre Social Alma\r\n"
    too_soon = vcalendar("phone-2", "20280111T111000", "20280111T120000", "Suivi", alma)
    assert dav("PUT", collection + "phone-2.ics", hugo, too_soon).status_code == 403
    in_time = vcalendar("phone-2", "20280111T112000", "20280111T120000", "Suivi", alma)
    assert dav("PUT", collection + "phone-2.ics", hugo, in_time).status_code == 201
    with context.using(demo.context_of(OFFICER), db_session):
        placed = db_session.scalar(select(Event).where(Event.uid == "phone-2"))
        assert placed.centre_id == demo.centre("alma").id


def test_sync_collection_starts_with_everything_and_refuses_a_forged_token(dav, hugo, collection):
    first = dav("REPORT", collection, hugo, sync_body())
    assert first.status_code == 207
    assert len(responses(first.data)) >= 1
    assert sync_token_of(first.data).startswith("urn:x-ensemble:sync:")
    for forged in ("urn:x-ensemble:sync:99999999999999", "urn:x-ensemble:sync:abc", "http://x/1"):
        invalid = dav("REPORT", collection, hugo, sync_body(forged))
        assert invalid.status_code == 403 and b"valid-sync-token" in invalid.data
    # What changed since a token is proven over real commits: tests/dav/test_clients.py.


def test_calendar_query_keeps_to_its_time_range_and_multiget_to_its_hrefs(dav, hugo, collection):
    for uid, day in (("janvier", "20280110"), ("mars", "20280310")):
        body = vcalendar(uid, f"{day}T100000", f"{day}T110000", uid.title())
        assert dav("PUT", collection + f"{uid}.ics", hugo, body).status_code == 201
    january = dav(
        "REPORT",
        collection,
        hugo,
        report_xml("query", time_range("20280101T000000Z", "20280201T000000Z")),
        Depth="1",
    )
    found = responses(january.data)
    assert list(found) == [collection + "janvier.ics"]
    assert "SUMMARY:Janvier" in found[collection + "janvier.ics"]["props"][f"{C}calendar-data"].text

    # Windows beyond what is stored (year 1, year 9999) are the same as no bound.
    for start, end in (
        ("00010101T000000Z", "20280201T000000Z"),
        ("20280301T000000Z", "99991231T235959Z"),
    ):
        wide = dav(
            "REPORT", collection, hugo, report_xml("query", time_range(start, end)), Depth="1"
        )
        assert wide.status_code == 207
        assert (collection + ("janvier.ics" if start < "2" else "mars.ics")) in responses(wide.data)

    wanted = "".join(f"<D:href>{collection}{n}.ics</D:href>" for n in ("mars", "absent"))
    got = responses(dav("REPORT", collection, hugo, report_xml("multiget", wanted)).data)
    assert "SUMMARY:Mars" in got[collection + "mars.ics"]["props"][f"{C}calendar-data"].text
    assert got[collection + "absent.ics"]["status"].endswith("404 Not Found")


def test_a_series_with_a_cancelled_and_a_moved_occurrence(dav, hugo, collection, demo, db_session):
    path = collection + "serie.ics"
    weekly = vcalendar(
        "serie", "20280103T090000", "20280103T100000", "Permanence", "RRULE:FREQ=WEEKLY;COUNT=4\r\n"
    )
    assert dav("PUT", path, hugo, weekly).status_code == 201
    assert len(_busy(demo, db_session, OFFICER, "serie")) == 4
    changed = weekly.replace(
        b"END:VEVENT\r\nEND:VCALENDAR",
        b"EXDATE;TZID=Europe/Paris:20280110T090000\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:serie\r\nDTSTAMP:20261201T000000Z\r\n"
        b"RECURRENCE-ID;TZID=Europe/Paris:20280117T090000\r\n"
        b"DTSTART;TZID=Europe/Paris:20280117T140000\r\nDTEND;TZID=Europe/Paris:20280117T150000\r\n"
        b"SUMMARY:Permanence\r\nEND:VEVENT\r\nEND:VCALENDAR",
    )
    etag = dav("GET", path, hugo).headers["ETag"]
    assert dav("PUT", path, hugo, changed, **{"If-Match": etag}).status_code == 204
    starts = [
        s.astimezone(ZoneInfo("Europe/Paris")) for s, _ in _busy(demo, db_session, OFFICER, "serie")
    ]
    assert [(s.day, s.hour) for s in starts] == [(3, 9), (17, 14), (24, 9)]
    text = dav("GET", path, hugo).get_data(as_text=True)
    assert "RECURRENCE-ID;TZID=Europe/Paris:20280117T090000" in text and "EXDATE" in text


def test_a_task_or_unreadable_text_is_refused_with_the_caldav_precondition(dav, hugo, collection):
    todo = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t\r\nSUMMARY:x\r\n"
        b"END:VTODO\r\nEND:VCALENDAR\r\n"
    )
    refused = dav("PUT", collection + "t.ics", hugo, todo)
    assert refused.status_code == 403 and b"supported-calendar-component" in refused.data
    garbage = dav("PUT", collection + "g.ics", hugo, b"BEGIN:VCALENDAR\r\nnonsense")
    assert garbage.status_code == 403 and b"valid-calendar-data" in garbage.data
    assert dav("PROPFIND", collection, hugo, b"<not xml", Depth="0").status_code == 400


def test_a_centre_calendar_names_nothing_of_another_organisation(dav, device, demo, db_session):
    calendar = calendar_of(demo, db_session, OFFICER)
    book_as(
        demo,
        db_session,
        OFFICER,
        calendar,
        "alma",
        "Entretien RH confidentiel",
        datetime(2028, 4, 4, 9),
        datetime(2028, 4, 4, 10),
        participants="Mme Secrète",
        description="Dossier médical",
    )
    book_as(
        demo,
        db_session,
        OFFICER,
        calendar,
        "fresnoy-mackellerie",
        "Atelier tablettes",
        datetime(2028, 4, 4, 14),
        datetime(2028, 4, 4, 16),
        participants="Groupe du mardi",
    )
    thomas = device(FRESNOY_DIRECTOR)
    fresnoy = demo.centre("fresnoy-mackellerie")
    path = f"{thomas.home}centre-{fresnoy.id}/"
    home = responses(dav("PROPFIND", thomas.home, thomas, PROPFIND_ALL, Depth="1").data)
    assert path in home
    april = time_range("20280401T000000Z", "20280501T000000Z")
    bodies = [
        dav("PROPFIND", path, thomas, prop_xml("D:getetag", "C:calendar-data"), Depth="1").data,
        dav("REPORT", path, thomas, report_xml("query", april)).data,
        dav("REPORT", path, thomas, sync_body()).data,
    ]
    found = responses(bodies[1])
    texts = [p["props"][f"{C}calendar-data"].text for p in found.values()]
    assert any("Atelier tablettes" in t and "Groupe du mardi" in t for t in texts)
    assert any("Occupé — autre structure" in t for t in texts)
    hrefs = "".join(f"<D:href>{h}</D:href>" for h in found)
    bodies.append(dav("REPORT", path, thomas, report_xml("multiget", hrefs)).data)
    bodies += [dav("GET", h, thomas).data for h in found]
    for raw in bodies:
        for secret in (b"Entretien RH", b"Mme Secr", b"Dossier m", b"Centre Social Alma"):
            assert secret not in raw
    refused = dav(
        "PUT", path + "x.ics", thomas, vcalendar("x", "20280405T100000", "20280405T110000")
    )
    assert refused.status_code == 403 and b"need-privileges" in refused.data


def test_only_live_app_passwords_open_the_calendar(dav, hugo, demo, db_session, app):
    import base64

    def basic(secret, email=OFFICER):
        return {"Authorization": "Basic " + base64.b64encode(f"{email}:{secret}".encode()).decode()}

    assert dav("PROPFIND", "/dav/", None, PROPFIND_ALL).status_code == 401
    account = dav("PROPFIND", "/dav/", None, PROPFIND_ALL, **basic("ensemble-demo"))
    assert account.status_code == 401
    assert "mot de passe d’application" in account.get_data(as_text=True)
    assert dav("PROPFIND", "/dav/", hugo, PROPFIND_ALL).status_code == 207
    from ensemble.caldav import passwords

    with context.using(demo.context_of(OFFICER), db_session):
        passwords.revoke(db_session, hugo.user_id, hugo.password_id)
    # Remembered in Redis a moment ago, refused at once all the same.
    assert dav("PROPFIND", "/dav/", hugo, PROPFIND_ALL).status_code == 401


def test_failed_sign_ins_are_throttled(dav, device, app):
    other = device(FRESNOY_DIRECTOR)
    import base64

    wrong = {"Authorization": "Basic " + base64.b64encode(f"{OFFICER}:nope".encode()).decode()}
    limit = int(app.config["LOGIN_FAILURE_LIMIT"].split()[0])
    codes = [
        dav("PROPFIND", "/dav/", None, PROPFIND_ALL, **wrong).status_code for _ in range(limit + 1)
    ]
    assert codes[:limit] == [401] * limit and codes[limit] == 429
    # Another account from the same address is not locked out by these.
    assert dav("PROPFIND", "/dav/", other, PROPFIND_ALL).status_code == 207


def test_red_team_objects_are_refused_or_cleaned_never_a_500(dav, hugo, collection):
    """Found from outside: an expansion that fails (BYDAY=99MO) and a NUL byte in a
    description each ended a PUT in a 500 HTML page."""
    from pathlib import Path

    corpus = Path(__file__).parent.parent / "corpus" / "ics"
    refused = dav(
        "PUT",
        collection + "byday.ics",
        hugo,
        (corpus / "found_byday_out_of_range.ics").read_bytes(),
    )
    assert refused.status_code == 403 and b"valid-calendar-object-resource" in refused.data
    stored = dav(
        "PUT", collection + "nul.ics", hugo, (corpus / "found_nul_in_description.ics").read_bytes()
    )
    assert stored.status_code == 201
    body = dav("GET", collection + "nul.ics", hugo).get_data(as_text=True)
    assert "DESCRIPTION:ab" in body and "\x00" not in body


def test_an_overflowing_duration_is_a_caldav_refusal(dav, hugo, collection):
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//RT//EN\r\nBEGIN:VEVENT\r\nUID:rt-duration\r\n"
        b"DTSTAMP:20261201T000000Z\r\nSUMMARY:RT\r\nDTSTART;TZID=Europe/Paris:20320105T100000\r\n"
        b"DURATION:P99999999W\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    refused = dav("PUT", collection + "duration.ics", hugo, body)
    assert refused.status_code == 403, refused.data
