"""Findings of the outside red team on the demo, each reproduced (its files are
under tests/corpus/dav/) and then searched around with hypothesis."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dav.dav_support import OFFICER, calendar_of, report_xml, responses, sync_body, vcalendar
from ensemble.agenda import changes

CORPUS = Path(__file__).parent.parent / "corpus" / "dav"
# Text an XML document can carry (no control characters, no surrogates).
XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=60,
)


@pytest.fixture
def hugo(device):
    return device(OFFICER)


@pytest.fixture
def collection(demo, db_session, hugo):
    return f"{hugo.home}agenda-{calendar_of(demo, db_session, OFFICER).id}/"


def _corpus(name: str, collection: str) -> bytes:
    return (CORPUS / name).read_bytes().replace(b"/dav/4/agenda-1/", collection.encode())


# --- 1. sync tokens --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["0", "00", "007", "١٢", "²", "1e3", "-5", "+5", " 5", "0:0:", "5:3:", "5:9:4", "5:9:7,6"],
)
def test_a_token_this_server_never_issued_is_not_read(token):
    assert changes.read_token(token) is None


def test_tokens_this_server_issues_are_read():
    assert changes.read_token("12") == "12:12:"
    assert changes.read_token("12:20:13,15") == "12:20:13,15"
    assert changes.read_token("12:12:") == "12:12:"


@pytest.mark.parametrize("name", ["18_sync_token_zero.xml", "19_sync_token_arabic_digits.xml"])
def test_red_team_sync_tokens_are_a_valid_sync_token_refusal(dav, hugo, collection, name):
    answer = dav("REPORT", collection, hugo, _corpus(name, collection))
    assert answer.status_code == 403 and b"valid-sync-token" in answer.data


@pytest.mark.parametrize("digits", ["0", "00", "²", "١٢", "00012"])
def test_unicode_digits_and_zeros_are_a_valid_sync_token_refusal(dav, hugo, collection, digits):
    answer = dav("REPORT", collection, hugo, sync_body("urn:x-ensemble:sync:" + digits))
    assert answer.status_code == 403 and b"valid-sync-token" in answer.data


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tail=XML_TEXT, prefixed=st.booleans())
def test_any_sync_token_is_answered_207_or_403_never_a_500(dav, hugo, collection, tail, prefixed):
    token = ("urn:x-ensemble:sync:" if prefixed else "") + tail
    answer = dav("REPORT", collection, hugo, sync_body(escape(token)))
    assert answer.status_code in (207, 403), answer.data[:300]
    if answer.status_code == 403:
        assert b"valid-sync-token" in answer.data


# --- 2. multiget hrefs -----------------------------------------------------------------------


def test_a_nul_in_a_multiget_href_is_a_404_entry(dav, hugo, collection):
    answer = dav("REPORT", collection, hugo, _corpus("30_multiget_nul_href.xml", collection))
    assert answer.status_code == 207
    found = responses(answer.data)
    assert list(found) == [collection + "%00.ics"]
    assert "404" in found[collection + "%00.ics"]["status"]


@pytest.mark.parametrize(
    "name", ["%00.ics", "%2500.ics", "a%0Ab.ics", "%1F.ics", "x" * 300 + ".ics"]
)
def test_an_impossible_object_name_is_absent_whatever_the_method(dav, hugo, collection, name):
    # (The app answers 400 to a NUL in a path before CalDAV sees it.)
    assert dav("GET", collection + name, hugo).status_code in (400, 404)
    assert dav("DELETE", collection + name, hugo).status_code in (400, 404)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=XML_TEXT, quoted=st.booleans())
def test_any_multiget_href_is_a_multistatus_never_a_500(dav, hugo, collection, name, quoted):
    from urllib.parse import quote

    href = collection + (quote(name) if quoted else name) + ".ics"
    body = report_xml("multiget", f"<D:href>{escape(href)}</D:href>", "<D:getetag/>")
    answer = dav("REPORT", collection, hugo, body)
    assert answer.status_code == 207, answer.data[:300]
    assert all("404" in (r["status"] or "") for r in responses(answer.data).values())


# --- 3. what a phone wrote is kept, or refused with its reason ----------------------------------


def _ics(name: str, **dates: str) -> bytes:
    """A corpus file moved to 2028 (the demo's clock is fixed; no clash with its events)."""
    data = (CORPUS / name).read_bytes()
    for old, new in dates.items():
        data = data.replace(old.encode(), new.encode())
    return data


def test_a_free_text_place_and_unknown_properties_come_back_as_written(dav, hugo, collection):
    body = _ics("12_location_free_text.ics", **{"20261207": "20280207"})
    assert dav("PUT", collection + "rt12.ics", hugo, body).status_code == 201
    served = dav("GET", collection + "rt12.ics", hugo).get_data(as_text=True)
    unfolded = served.replace("\r\n ", "")
    assert "LOCATION:Mairie de Roubaix\\, salle 3" in unfolded
    assert "URL:https://example.org/rdv" in unfolded
    assert "Centre Social" not in unfolded  # no centre address in its place


def test_thunderbird_properties_and_alarms_ensemble_cannot_send_are_kept(dav, hugo, collection):
    lastack = _ics("38_thunderbird_lastack.ics", **{"20261222": "20280222"})
    assert dav("PUT", collection + "tb.ics", hugo, lastack).status_code == 201
    served = dav("GET", collection + "tb.ics", hugo).get_data(as_text=True)
    assert "X-MOZ-LASTACK:20261204T191000Z" in served and "X-MOZ-GENERATION:2" in served
    assert served.count("BEGIN:VALARM") == 1  # the -15 min one, as Ensemble's reminder
    alarms = _ics("13_valarms_many.ics", **{"20261208T": "20280208T"})
    assert dav("PUT", collection + "alarms.ics", hugo, alarms).status_code == 201
    served = dav("GET", collection + "alarms.ics", hugo).get_data(as_text=True)
    assert "TRIGGER;VALUE=DATE-TIME:19760401T005545Z" in served
    assert "TRIGGER;RELATED=END:PT5M" in served
    assert "TRIGGER;VALUE=DATE-TIME:20280208T080000Z" in served
    assert "X-APPLE-DEFAULT-ALARM:TRUE" in served
    # -PT15M and -P1DT2H are Ensemble's reminders (sent by the app), written once each.
    assert served.count("BEGIN:VALARM") == 5
    # Sent again as served, nothing is doubled.
    assert dav("PUT", collection + "alarms.ics", hugo, served.encode()).status_code == 204
    again = dav("GET", collection + "alarms.ics", hugo).get_data(as_text=True)
    assert again.count("BEGIN:VALARM") == 5 and again.count("X-APPLE-DEFAULT-ALARM") == 1


def test_organizer_and_attendees_are_kept(dav, hugo, collection):
    extra = (
        "ORGANIZER;CN=Hugo:mailto:hugo.carpentier@alma.demo\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:claire.vasseur@alma.demo\r\n"
        "X-CUSTOM:valeur\r\n"
    )
    body = vcalendar("rt-org", "20280301T100000", "20280301T110000", "Réunion", extra)
    assert dav("PUT", collection + "rt-org.ics", hugo, body).status_code == 201
    served = dav("GET", collection + "rt-org.ics", hugo).get_data(as_text=True)
    assert "ORGANIZER;CN=Hugo:mailto:hugo.carpentier@alma.demo" in served
    assert "mailto:claire.vasseur@alma.demo" in served and "X-CUSTOM:valeur" in served


def test_a_moved_occurrence_keeps_its_own_title(dav, hugo, collection):
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\n"
        "BEGIN:VEVENT\r\nUID:rt-override\r\nDTSTAMP:20261201T000000Z\r\n"
        "DTSTART;TZID=Europe/Paris:20280403T140000\r\nDTEND;TZID=Europe/Paris:20280403T150000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Permanence\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:rt-override\r\nDTSTAMP:20261201T000000Z\r\n"
        "RECURRENCE-ID;TZID=Europe/Paris:20280410T140000\r\n"
        "DTSTART;TZID=Europe/Paris:20280410T160000\r\nDTEND;TZID=Europe/Paris:20280410T170000\r\n"
        "SUMMARY:Permanence spéciale CAF\r\nX-OWN:oui\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    assert dav("PUT", collection + "rt-override.ics", hugo, body).status_code == 201
    served = dav("GET", collection + "rt-override.ics", hugo).get_data(as_text=True)
    master, moved = served.split("RECURRENCE-ID", 1)
    assert "SUMMARY:Permanence\r\n" in master
    assert "SUMMARY:Permanence spéciale CAF" in moved and "X-OWN:oui" in moved


def test_a_title_longer_than_200_characters_is_refused_not_cut(dav, hugo, collection):
    title = "Réunion " + "très " * 50
    body = vcalendar("rt-long", "20280302T100000", "20280302T110000", title)
    refused = dav("PUT", collection + "rt-long.ics", hugo, body)
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "dépasse 200 caractères" in text and "Réunion très" in text
    assert dav("GET", collection + "rt-long.ics", hugo).status_code == 404


@pytest.mark.parametrize(
    "extra",
    [
        "RDATE;TZID=Europe/Paris:20280309T100000\r\n",
        "RRULE:FREQ=WEEKLY;COUNT=3\r\nEXRULE:FREQ=MONTHLY;COUNT=1\r\n",
    ],
)
def test_occurrences_the_rule_does_not_give_are_refused_not_kept(dav, hugo, collection, extra):
    """Kept verbatim, an RDATE would show on the phone as booked while nothing
    blocks that time: the object is refused with its reason."""
    body = vcalendar("rt-rdate", "20280302T100000", "20280302T110000", extra=extra)
    refused = dav("PUT", collection + "rt-rdate.ics", hugo, body)
    assert refused.status_code == 403
    assert "RDATE, EXRULE" in refused.get_data(as_text=True)
    assert dav("GET", collection + "rt-rdate.ics", hugo).status_code == 404


# --- 10. a start without end ------------------------------------------------------------------


def test_a_start_time_without_end_is_refused_naming_the_event(dav, hugo, collection):
    body = _ics("no_end.ics", **{"20261223": "20280223"})
    refused = dav("PUT", collection + "noend.ics", hugo, body)
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "« sans fin »" in text and "ni fin ni durée" in text and "2028" in text
    assert dav("GET", collection + "noend.ics", hugo).status_code == 404
    # A date without end is a day (RFC 5545 §3.6.1), as before.
    day = body.replace(b"DTSTART;TZID=Europe/Paris:20280223T102000", b"DTSTART;VALUE=DATE:20280224")
    assert dav("PUT", collection + "noend.ics", hugo, day).status_code == 201


# --- 7. cancelling from the phone ------------------------------------------------------------


def test_cancelling_from_the_phone_deletes_the_event_as_the_web_does(
    dav, hugo, collection, demo, db_session
):
    from sqlalchemy import select

    from ensemble.agenda.models import Event
    from ensemble.audit.models import AuditAction, AuditEntry
    from ensemble.tenancy import context

    body = vcalendar("RT-SIMPLE-0001", "20280207T110000", "20280207T120000", "Test rouge simple")
    assert dav("PUT", collection + "RT-SIMPLE-0001.ics", hugo, body).status_code == 201
    with context.using(demo.context_of(OFFICER), db_session):
        event_id = db_session.scalar(select(Event.id).where(Event.uid == "RT-SIMPLE-0001"))
    cancel = _ics("25_cancel_existing.ics", **{"20261207": "20280207"})
    etag = dav("GET", collection + "RT-SIMPLE-0001.ics", hugo).headers["ETag"]
    answer = dav("PUT", collection + "RT-SIMPLE-0001.ics", hugo, cancel, **{"If-Match": etag})
    assert answer.status_code == 204, answer.data
    assert dav("GET", collection + "RT-SIMPLE-0001.ics", hugo).status_code == 404
    with context.using(context.system_context(is_admin=True), db_session):
        deleted = db_session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "agenda_events", AuditEntry.object_id == event_id
            )
        ).all()
    assert AuditAction.DELETE in deleted
    # A cancelled event the calendar never had is still not stored.
    new = dav("PUT", collection + "other.ics", hugo, cancel.replace(b"RT-SIMPLE-0001", b"rt-x"))
    assert new.status_code == 403 and "annulé" in new.get_data(as_text=True)


# --- 4. a revoked phone polling never locks the account's other devices -----------------------


def _basic(email: str, secret: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{secret}".encode()).decode()}


def test_a_revoked_phone_polling_locks_only_itself(dav, device, demo, db_session, app):
    from dav.dav_support import PROPFIND_ALL
    from ensemble.caldav import passwords
    from ensemble.tenancy import context

    old, working = device(OFFICER, "Ancien téléphone"), device(OFFICER, "Téléphone")
    with context.using(demo.context_of(OFFICER), db_session):
        passwords.revoke(db_session, old.user_id, old.password_id)
        db_session.commit()
    limit = int(app.config["LOGIN_FAILURE_LIMIT"].split()[0])
    codes = [dav("PROPFIND", "/dav/", old, PROPFIND_ALL).status_code for _ in range(limit + 3)]
    assert codes[:limit] == [401] * limit and set(codes[limit:]) == {429}
    # So does a mistyped password; the working phone still syncs.
    for _ in range(limit + 1):
        dav("PROPFIND", "/dav/", None, PROPFIND_ALL, **_basic(OFFICER, "mal tapé"))
    assert dav("PROPFIND", "/dav/", working, PROPFIND_ALL).status_code == 207


def test_many_different_passwords_meet_the_per_account_cap(dav, device, app, monkeypatch):
    from dav.dav_support import PROPFIND_ALL

    monkeypatch.setitem(app.config, "CALDAV_ACCOUNT_FAILURE_LIMIT", "8 per 15 minutes")
    working = device(OFFICER)
    codes = [
        dav("PROPFIND", "/dav/", None, PROPFIND_ALL, **_basic(OFFICER, f"essai-{n}")).status_code
        for n in range(8)
    ]
    assert codes == [401] * 8  # each password only once: the per-password limit never met
    assert dav("PROPFIND", "/dav/", working, PROPFIND_ALL).status_code == 429


# --- 6. one notification per refused object and reason, naming it -----------------------------


def test_retries_of_a_refused_object_notify_once_naming_it(dav, hugo, collection, demo, db_session):
    from datetime import datetime

    from sqlalchemy import select

    from dav.dav_support import book_as
    from ensemble.notifications.models import Notification
    from ensemble.tenancy import context

    calendar = calendar_of(demo, db_session, OFFICER)
    book_as(
        demo,
        db_session,
        OFFICER,
        calendar,
        "fresnoy-mackellerie",
        "Atelier tablettes",
        datetime(2028, 5, 9, 10),
        datetime(2028, 5, 9, 11),
    )
    clash = vcalendar("rt-retry", "20280509T103000", "20280509T113000", "Rendez-vous CAF")

    def unread() -> list[str]:
        with context.using(demo.context_of(OFFICER), db_session):
            return db_session.scalars(
                select(Notification.body).where(
                    Notification.user_id == hugo.user_id,
                    Notification.read_at.is_(None),
                    Notification.body.contains("Rendez-vous CAF"),
                )
            ).all()

    for _ in range(4):
        assert dav("PUT", collection + "rt-retry.ics", hugo, clash).status_code == 403
    told = unread()
    assert len(told) == 1
    assert "« Rendez-vous CAF » (mardi 9 mai 2028 à 10" in told[0]
    assert "Atelier tablettes" in told[0]  # the reason still names what blocks it
    # Stored at another time, the refusal is handled (read); a new refusal tells again.
    fine = vcalendar("rt-retry", "20280509T140000", "20280509T150000", "Rendez-vous CAF")
    assert dav("PUT", collection + "rt-retry.ics", hugo, fine).status_code == 201
    assert unread() == []
    assert dav("PUT", collection + "rt-retry.ics", hugo, clash).status_code == 403
    assert len(unread()) == 1


# --- 5. the agreed share over CalDAV: warned like the web, or refused like it -----------------


def test_passing_an_agreed_share_from_a_phone_tells_the_person_and_the_director(
    dav, hugo, collection, demo, db_session, app, monkeypatch
):
    from sqlalchemy import select

    from dav.dav_support import BASSE_MASURE_DIRECTOR
    from ensemble.notifications.models import Notification
    from ensemble.tenancy import context

    weekend = _ics("20_share_exceed_weekend.ics")  # December 2026, as the red team sent it
    monkeypatch.setitem(app.config, "AGENDA_SHARE_POLICY", "refuse")
    refused = dav("PUT", collection + "share.ics", hugo, weekend)
    assert refused.status_code == 403 and "part convenue" in refused.get_data(as_text=True)
    monkeypatch.setitem(app.config, "AGENDA_SHARE_POLICY", "warn")
    assert dav("PUT", collection + "share.ics", hugo, weekend).status_code == 201
    for email in (OFFICER, BASSE_MASURE_DIRECTOR):
        with context.using(demo.context_of(email), db_session):
            told = db_session.scalars(
                select(Notification.body).where(
                    Notification.user_id == demo.user(email).id,
                    Notification.title == "Part convenue dépassée",
                )
            ).all()
        assert len(told) == 1, email
        assert "« Week-end Basse Masure 36 h »" in told[0] and "dépasse sa part" in told[0]


# --- LOW: the status line's reason phrase ------------------------------------------------------


def test_the_reason_phrase_is_ascii_so_no_client_shows_mojibake():
    from ensemble.caldav.views import reason_phrase

    phrase = reason_phrase("Conflit avec « Atelier tablettes » : réservé à\u202f10 h…\nÉté")
    assert phrase == 'Conflit avec " Atelier tablettes " : reserve a 10 h... Ete'


def test_get_with_the_current_etag_is_304(dav, hugo, collection):
    body = vcalendar("rt-304", "20280306T100000", "20280306T110000", "Atelier")
    assert dav("PUT", collection + "rt-304.ics", hugo, body).status_code == 201
    etag = dav("GET", collection + "rt-304.ics", hugo).headers["ETag"]
    again = dav("GET", collection + "rt-304.ics", hugo, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = dav("GET", collection + "rt-304.ics", hugo, **{"If-None-Match": '"autre"'})
    assert other.status_code == 200
