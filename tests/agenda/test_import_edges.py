"""Import edges (issue 11, second pass): a bad optional part of one event costs
that part only (a mutated property of one event of a corpus file never costs
the file nor the other events); a moved instance keeps its own title and
description; a zero-length event is refused with its own message; a series
without end is taken as the form takes it, and the preview says so."""

from __future__ import annotations

import re
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from posts.posts_support import OFFICER
from sqlalchemy import select

from ensemble.agenda import importing
from ensemble.agenda.models import Calendar, Category, Event

from .test_importing import (  # noqa: F401 - _officer_free: autouse here too
    CORPUS,
    SERIES,
    _busy,
    _calendar,
    _import,
    _officer_free,
    _preview,
    _url,
)
from conftest import csrf_token, sign_in

PRODUCERS = ["google.ics", "outlook.ics", "nextcloud.ics", "thunderbird.ics"]


def _unfolded(name: str) -> list[str]:
    text = (CORPUS / name).read_bytes().decode()
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")


def _event_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line indexes of each VEVENT's inside, VALARMs included."""
    blocks, start = [], None
    for index, line in enumerate(lines):
        if line == "BEGIN:VEVENT":
            start = index
        elif line == "END:VEVENT" and start is not None:
            blocks.append((start + 1, index - 1))
            start = None
    return blocks


# --- A bad VALARM -------------------------------------------------------------------


def test_one_bad_valarm_costs_its_reminder_not_the_file(app):
    text = (CORPUS / "google.ics").read_bytes().replace(b"TRIGGER:-P0DT0H30M0S", b"TRIGGER:soon")
    with app.test_request_context():
        found = importing.parse(text)
    assert [c.ok for c in found] == [True, True, True]
    series = found[0]
    assert series.title == "Atelier smartphone débutants" and series.reminders == []
    assert any("Rappel illisible" in n for n in series.notices)
    assert not any(c.notices for c in found[1:])


def test_the_preview_says_the_reminder_was_dropped_for_that_event(client, setup):
    text = (CORPUS / "google.ics").read_bytes().replace(b"TRIGGER:-P0DT0H30M0S", b"TRIGGER:soon")
    sign_in(client, OFFICER)
    response = _preview(client, setup, text, csrf_token(client, _url(setup)))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    row = re.search(r"<tr>\s*<td>1</td>.*?</tr>", html, re.S).group(0)
    assert "Rappel illisible" in row and "Prêt" in row
    assert html.count("Rappel illisible") == 1


def test_a_bad_property_beside_a_readable_trigger_keeps_the_reminder(app):
    text = (CORPUS / "google.ics").read_bytes()
    text = text.replace(b"TRIGGER:-P0DT0H30M0S", b"TRIGGER:-P0DT0H30M0S\r\nREPEAT:deux")
    with app.test_request_context():
        series = importing.parse(text)[0]
    assert series.ok and series.reminders == [30] and series.notices == []


def test_a_latin1_location_costs_its_characters_not_the_file(app):
    text = (CORPUS / "google.ics").read_bytes()
    text = text.replace(b"LOCATION:Centre Social Alma", b"LOCATION:Salle d\xe9tente")
    with app.test_request_context():
        found = importing.parse(text)
    assert all(c.ok for c in found)
    bike = next(c for c in found if c.title.startswith("Bourse"))
    assert bike.location == "Salle d\ufffdtente"
    assert any("mauvais encodage" in n for n in bike.notices)


# --- One property of one event mutated -------------------------------------------

ADDED = [
    "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
    'X-VENDOR;X-P="unterminated:1',
    'ATTENDEE;CN="Dupont:mailto:a@b',
    "ATTENDEE;PARTSTAT=NEEDS-ACTION:pas une adresse",
    "ATTENDEE;ROLE=:mailto:",
    "CATEGORIES:,,;\\",
    "CATEGORIES;LANGUAGE=fr:",
    "LOCATION;ENCODING=QUOTED-PRINTABLE:Salle =E9t=E9",
    "GEO:nord;sud",
    "PRIORITY:haute",
    "SEQUENCE:-x",
    "CLASS:",
    "ORGANIZER:",
    "URL:::",
    "BEGIN:VALARM\r\nTRIGGER:soon\r\nACTION:DISPLAY\r\nEND:VALARM",
    "BEGIN:VALARM\r\nTRIGGER;VALUE=DATE-TIME:hier\r\nEND:VALARM",
    "BEGIN:VALARM\r\nACTION:AUDIO\r\nREPEAT:deux\r\nDURATION:bientôt\r\nEND:VALARM",
]
VALUES = [
    "soon",
    "",
    ";;;",
    "\\",
    '"',
    "P",
    "-PT",
    "20261301T250000",
    "mailto:",
    "é" * 3,
]


@st.composite
def _one_property_mutated(draw):
    """A producer's file where one line of one event (a property of the event
    or of one of its VALARMs) has its value replaced, is dropped, gets a bad
    encoding, or gets a bad optional property beside it. Returns the file, the
    mutated event's title as the file first gave it, and the producer."""
    name = draw(st.sampled_from(PRODUCERS))
    lines = _unfolded(name)
    blocks = _event_blocks(lines)
    first, last = draw(st.sampled_from(blocks))
    title = next(
        (line.partition(":")[2] for line in lines[first : last + 1] if line.startswith("SUMMARY")),
        "",
    )
    at = draw(st.integers(first, last))
    how = draw(st.sampled_from(["value", "drop", "latin1", "add"]))
    encoded = [line.encode() for line in lines]
    if how == "add":
        encoded.insert(at, draw(st.sampled_from(ADDED)).encode())
    elif lines[at].startswith(("BEGIN:", "END:")):
        pass  # the structure is not a property: left as it is
    elif how == "drop":
        del encoded[at]
    else:
        head, _sep, value = lines[at].partition(":")
        if how == "latin1":
            encoded[at] = (head + ":" + (value or "x") + "é").encode("latin-1", "replace")
        else:
            junk = draw(
                st.one_of(
                    st.sampled_from(VALUES),
                    st.text(st.characters(blacklist_characters="\r\n"), max_size=12),
                )
            )
            encoded[at] = (head + ":" + junk).encode()
    return b"\r\n".join(encoded), title, name


def _baseline(app) -> dict[str, dict[str, bool]]:
    with app.test_request_context():
        return {
            name: {c.title: c.ok for c in importing.parse((CORPUS / name).read_bytes())}
            for name in PRODUCERS
        }


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=_one_property_mutated())
def test_one_mutated_property_costs_at_most_its_event(app, data):
    text, title, name = data
    if not hasattr(app, "_import_baseline"):
        app._import_baseline = _baseline(app)
    with app.test_request_context():
        found = importing.parse(text)  # never ImportProblem: the file is not lost
        for candidate in found:
            assert all(isinstance(m, str) and m for m in candidate.errors + candidate.notices)
    kept = {c.title: c.ok for c in found}
    for other, ok in app._import_baseline[name].items():
        if other != title:
            assert kept.get(other) == ok, (other, found)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=_one_property_mutated())
def test_a_mutated_property_never_gives_a_5xx(client, setup, data):
    text, _title, _name = data
    if not getattr(client, "signed_in", False):
        sign_in(client, OFFICER)
        client.signed_in = True
    token = csrf_token(client, _url(setup))
    response = _preview(client, setup, text, token)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    content = re.search(r'name="confirmer-content" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post(
        _url(setup),
        data={
            "csrf_token": token,
            "confirmer-content": content,
            "confirmer-centre": str(setup.fresnoy),
            "confirmer-category": "atelier",
        },
    )
    assert done.status_code == 200


# --- A moved instance keeps its own title ----------------------------------------

MOVED = (
    "UID:m@t\r\nSUMMARY:Comité de pilotage\r\nDESCRIPTION:Ordre du jour habituel\r\n"
    "DTSTART;TZID=Europe/Paris:20270104T100000\r\nDTEND;TZID=Europe/Paris:20270104T110000\r\n"
    "RRULE:FREQ=WEEKLY;COUNT=4\r\nLOCATION:Centre Social Alma",
    "UID:m@t\r\nRECURRENCE-ID;TZID=Europe/Paris:20270111T100000\r\n"
    "SUMMARY:Comité de pilotage – bilan annuel\r\nDESCRIPTION:Avec les financeurs\r\n"
    "DTSTART;TZID=Europe/Paris:20270112T140000\r\nDTEND;TZID=Europe/Paris:20270112T160000\r\n"
    "LOCATION:Centre Social Basse Masure",
    "UID:m@t\r\nRECURRENCE-ID;TZID=Europe/Paris:20270118T100000\r\n"
    "DTSTART;TZID=Europe/Paris:20270118T090000\r\nDTEND;TZID=Europe/Paris:20270118T100000",
)


def test_a_moved_instance_keeps_its_own_title_description_and_place(db_session, setup, as_user):
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        from ensemble.agenda import operations

        candidates = importing.parse(_calendar(*MOVED))
        assert [c.ok for c in candidates] == [True], candidates[0].errors
        outcome = importing.import_candidates(
            db_session,
            calendar,
            candidates,
            centres=importing.places_of(
                candidates, operations.bookable_centres(db_session, calendar), setup.fresnoy
            ),
            category=Category.MEETING,
        )
        db_session.flush()
        assert outcome.imported == 1, outcome.errors
        rows = {
            e.recurrence_id: e
            for e in db_session.scalars(
                select(Event).where(Event.uid == "m@t", Event.series_id.is_not(None))
            )
        }
    renamed = rows[datetime(2027, 1, 11, 10)]
    assert renamed.title == "Comité de pilotage – bilan annuel"
    assert renamed.description == "Avec les financeurs"
    assert renamed.centre_id == setup.basse_masure
    # Without a SUMMARY or DESCRIPTION of its own, a moved instance has its series'.
    same = rows[datetime(2027, 1, 18, 10)]
    assert (same.title, same.description) == ("Comité de pilotage", "Ordre du jour habituel")
    assert same.centre_id == setup.alma
    assert len(_busy(db_session, "Comité de pilotage – bilan annuel")) == 1


# --- End equal to start --------------------------------------------------------------


def test_an_event_ending_when_it_starts_is_refused_with_its_own_message(app):
    zero = SERIES.replace("UID:s@t", "UID:z@t").replace("T110000", "T100000")
    point = "UID:p@t\r\nSUMMARY:Départ du car\r\nDTSTART:20261102T090000Z\r\nDURATION:PT0S"
    with app.test_request_context():
        found = importing.parse(_calendar(zero, point, SERIES))
    assert [c.ok for c in found] == [False, False, True]
    for candidate in found[:2]:
        (message,) = candidate.errors
        assert message.startswith("Début et fin identiques") and "sans durée" in message
        assert candidate.ends_local == candidate.starts_local  # never 24 h


def _new_event(client, setup, **fields):
    url = f"/c/fresnoy-mackellerie/agenda/agendas/{setup.calendar_id}/nouveau"
    return client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "category": "atelier",
            "centre": str(setup.fresnoy),
            "day": "2027-12-07",
            "repeat": "",
            **fields,
        },
    )


def test_the_form_refuses_an_end_equal_to_the_start_instead_of_24_hours(client, setup, db_session):
    sign_in(client, OFFICER)
    refused = _new_event(client, setup, title="Zéro", start="10:00", end="10:00")
    assert refused.status_code == 422
    assert "pour un événement de 24" in refused.get_data(as_text=True)
    assert _busy(db_session, "Zéro") == []
    # A day-long one is said with its end date, and is exactly 24 hours.
    done = _new_event(
        client, setup, title="Garde", start="10:00", end="10:00", end_day="2027-12-08"
    )
    assert done.status_code == 302
    ((starts, ends, _centre),) = _busy(db_session, "Garde")
    assert (ends - starts).total_seconds() == 24 * 3600


# --- A series without end --------------------------------------------------------------


def test_a_series_without_end_is_taken_as_the_form_takes_it_and_the_preview_says_so(
    client, setup, db_session
):
    endless = SERIES.replace("RRULE:FREQ=DAILY;COUNT=5", "RRULE:FREQ=WEEKLY").replace(
        "SUMMARY:Série", "SUMMARY:Permanence sans fin"
    )
    sign_in(client, OFFICER)
    token = csrf_token(client, _url(setup))
    html = _preview(client, setup, _calendar(endless), token).get_data(as_text=True)
    assert "Série sans date de fin" in html and "prolongées chaque mois" in html
    content = re.search(r'name="confirmer-content" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post(
        _url(setup),
        data={
            "csrf_token": token,
            "confirmer-content": content,
            "confirmer-centre": str(setup.fresnoy),
            "confirmer-category": "atelier",
        },
    )
    assert "1 événement importé" in done.get_data(as_text=True)
    imported = _busy(db_session, "Permanence sans fin")
    # The form's own open series: booked up to the same horizon.
    _new_event(
        client,
        setup,
        title="Form sans fin",
        start="14:00",
        end="15:00",
        repeat="WEEKLY",
        day="2026-11-02",
    )
    from_form = _busy(db_session, "Form sans fin")
    assert len(imported) == len(from_form) > 52
