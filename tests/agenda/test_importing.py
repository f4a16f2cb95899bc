"""Import of .ics files as other tools write them: one test per producer of the
corpus (tests/corpus/ics/) and per construct (EXDATE on one line or several,
UNTIL in UTC, RECURRENCE-ID overrides, Windows zone names, LOCATION naming a
centre, unreadable events), checked on the busy instants the import stores;
and a fuzzed file that never ends in a 5xx."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from posts.posts_support import OFFICER
from sqlalchemy import delete, func, select

from ensemble.agenda import importing
from ensemble.agenda.models import Busy, Calendar, Category, Event

from conftest import csrf_token, sign_in

CORPUS = Path(__file__).parent.parent / "corpus" / "ics"


@pytest.fixture(autouse=True)
def _officer_free(db_session, setup, as_user):
    """The demo's weeks of the officer are seeded around the real today: the
    corpus' dates must not depend on when the tests run."""
    with as_user(OFFICER):
        db_session.execute(
            delete(Event).where(Event.user_id == setup.officer_id, Event.series_id.is_not(None))
        )
        db_session.execute(delete(Event).where(Event.user_id == setup.officer_id))
        db_session.flush()


def _read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _import(db_session, setup, as_user, name: str, default=None):
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        from ensemble.agenda import operations

        candidates = importing.parse(_read(name))
        places = operations.bookable_centres(db_session, calendar)
        outcome = importing.import_candidates(
            db_session,
            calendar,
            candidates,
            centres=importing.places_of(candidates, places, default or setup.alma),
            category=Category.WORKSHOP,
        )
        db_session.flush()
    return candidates, outcome


def _busy(db_session, title: str) -> list[tuple[datetime, datetime, int]]:
    """(start, end, centre) in UTC of every occurrence of the events titled `title`."""
    rows = db_session.execute(
        select(Busy.during, Busy.centre_id)
        .join(Event, Event.id == Busy.event_id)
        .where(Event.title == title)
        .order_by(func.lower(Busy.during))
    ).all()
    return [(r.during.lower.astimezone(UTC), r.during.upper.astimezone(UTC), r[1]) for r in rows]


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- One test per producer ------------------------------------------------------


def test_google_export_keeps_the_moved_instance_exdate_until_and_places(db_session, setup, as_user):
    candidates, outcome = _import(db_session, setup, as_user, "google.ics")
    assert outcome.imported == 3 and not outcome.errors
    busy = _busy(db_session, "Atelier smartphone débutants")
    starts = [b[0] for b in busy]
    # Tuesdays 1 Sep → 15 Dec (UNTIL=20261215T225959Z, i.e. 23:59:59 in Paris,
    # includes the last Tuesday), without 3 Nov (EXDATE): 15 occurrences.
    assert len(busy) == 15
    assert starts[0] == utc(2026, 9, 1, 8) and starts[-1] == utc(2026, 12, 15, 9)
    assert utc(2026, 11, 3, 9) not in starts
    # The instance moved in Google to the afternoon and to Basse Masure, never
    # booked at its old time.
    assert utc(2026, 10, 13, 8) not in starts
    assert (utc(2026, 10, 13, 12), utc(2026, 10, 13, 14), setup.basse_masure) in busy
    # LOCATION named the centre: Fresnoy Mackellerie for the series.
    assert {b[2] for b in busy if b[0] != utc(2026, 10, 13, 12)} == {setup.fresnoy}
    # A UTC event on the day of the clock change: 08:00Z is 09:00 in Paris (CET).
    assert _busy(db_session, "Bourse aux vélos – stand numérique") == [
        (utc(2026, 10, 25, 8), utc(2026, 10, 25, 9), setup.alma)
    ]
    # The all-day training day (VALUE=DATE, DTEND the day after) blocks its Paris day.
    training = db_session.scalar(select(Event).where(Event.title == "Journée de formation"))
    assert training.all_day and training.starts_local == datetime(2026, 11, 20)
    assert _busy(db_session, "Journée de formation") == [
        (utc(2026, 11, 19, 23), utc(2026, 11, 20, 23), setup.alma)
    ]
    series = db_session.scalar(select(Event).where(Event.uid == candidates[0].uid))
    assert series.uid == "4lq0m8v2k1c9h3s7t5r6p0n2jd@google.com"


def test_outlook_windows_zone_names_and_exdates_on_one_line(db_session, setup, as_user):
    _, outcome = _import(db_session, setup, as_user, "outlook.ics")
    assert outcome.imported == 2 and not outcome.errors
    starts = [b[0] for b in _busy(db_session, "Permanence démarches en ligne")]
    # « Romance Standard Time » is Paris: 09:30 is 07:30Z in summer, 08:30Z in winter.
    assert starts[0] == utc(2026, 9, 7, 7, 30)
    assert utc(2026, 10, 26, 8, 30) in starts
    # Two EXDATE values on one line; UNTIL=20261214T083000Z keeps 14 Dec.
    assert utc(2026, 11, 2, 8, 30) not in starts and utc(2026, 11, 9, 8, 30) not in starts
    assert starts[-1] == utc(2026, 12, 14, 8, 30) and len(starts) == 15 - 2
    # « W. Europe Standard Time » without its VTIMEZONE: CLDR's windowsZones.
    assert _busy(db_session, "Point d'équipe")[0][:2] == (
        utc(2026, 10, 26, 13),
        utc(2026, 10, 26, 14),
    )


def test_thunderbird_exdate_lines_in_utc_and_in_paris_and_duration(db_session, setup, as_user):
    _, outcome = _import(db_session, setup, as_user, "thunderbird.ics")
    assert outcome.imported == 2 and not outcome.errors
    busy = _busy(db_session, "Réunion des animateurs")
    starts = [b[0] for b in busy]
    # First Thursdays, six times, without 7 Jan (EXDATE in UTC) and 4 Feb (with TZID).
    assert starts == [
        utc(2026, 12, 3, 13),
        utc(2027, 3, 4, 13),
        utc(2027, 4, 1, 12),
        utc(2027, 5, 6, 12),
    ]
    assert {b[2] for b in busy} == {setup.alma}
    assert _busy(db_session, "Café numérique")[0][:2] == (
        utc(2026, 12, 9, 8, 30),
        utc(2026, 12, 9, 10),
    )


def test_nextcloud_folded_lines_cancelled_override_and_place_chosen(db_session, setup, as_user):
    candidates, outcome = _import(db_session, setup, as_user, "nextcloud.ics", setup.fresnoy)
    assert outcome.imported == 1 and not outcome.errors
    assert candidates[0].description.startswith("Accompagnement individuel sur rendez-vous")
    assert "déclaration de ressources, dossier MDPH" in candidates[0].description
    busy = _busy(db_session, "Aide administrative en ligne")
    starts = [b[0] for b in busy]
    # LOCATION names no centre: the one chosen for the file.
    assert busy[0][2] == setup.fresnoy
    # 24 Feb (EXDATE) and 17 Mar (an override with STATUS:CANCELLED) are gone.
    assert utc(2027, 2, 24, 13) not in starts and utc(2027, 3, 17, 13) not in starts
    # 31 Mar (after the spring change, within UTC UNTIL) moved to the morning at Alma.
    assert busy[-1] == (utc(2027, 3, 31, 8), utc(2027, 3, 31, 11), setup.alma)
    assert len(busy) == 12 - 2


def test_every_unreadable_event_has_its_own_message_and_the_rest_is_imported(
    db_session, setup, as_user
):
    _, outcome = _import(db_session, setup, as_user, "broken.ics")
    assert outcome.imported == 1
    assert outcome.errors == {
        1: "Valeur illisible pour le début (DTSTART).",
        2: "Valeur illisible pour la règle de répétition (RRULE).",
        3: "La fin doit être après le début.",
        4: "L’événement n’a pas de début.",
        5: "Fuseau horaire inconnu : « Heure de Roubaix ».",
        6: "Un événement dure au plus 42 jours.",
        7: "L’occurrence modifiée du 11 novembre 2026 ne fait pas partie de la série.",
    }
    assert db_session.scalar(select(func.count()).where(Event.user_id == setup.officer_id)) == 1


# --- Constructs -----------------------------------------------------------------


def _calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\n" + body + "END:VCALENDAR\r\n"
    ).encode()


SERIES = "UID:s@t\r\nSUMMARY:Série\r\nDTSTART;TZID=Europe/Paris:20261102T100000\r\n"
SERIES += "DTEND;TZID=Europe/Paris:20261102T110000\r\nRRULE:FREQ=DAILY;COUNT=5"


@pytest.mark.parametrize(
    "lines",
    [
        "EXDATE;TZID=Europe/Paris:20261103T100000,20261105T100000",
        "EXDATE;TZID=Europe/Paris:20261103T100000\r\nEXDATE;TZID=Europe/Paris:20261105T100000",
        "EXDATE:20261103T090000Z\r\nEXDATE:20261105T090000Z",
    ],
    ids=["one-line", "two-lines", "utc"],
)
def test_exdate_on_one_line_or_several(app, lines):
    with app.test_request_context():
        (candidate,) = importing.parse(_calendar(SERIES + "\r\n" + lines))
    assert candidate.ok
    assert candidate.exdates == [datetime(2026, 11, 3, 10), datetime(2026, 11, 5, 10)]


def test_a_single_exdate_line_no_longer_breaks_the_import(app):
    with app.test_request_context():
        (candidate,) = importing.parse(
            _calendar(SERIES + "\r\nEXDATE;TZID=Europe/Paris:20261104T100000")
        )
    assert candidate.ok and candidate.exdates == [datetime(2026, 11, 4, 10)]


def test_an_override_before_its_series_is_kept_with_it(app):
    override = (
        "UID:s@t\r\nSUMMARY:Série\r\nRECURRENCE-ID;TZID=Europe/Paris:20261104T100000\r\n"
        "DTSTART;TZID=Europe/Paris:20261104T150000\r\nDTEND;TZID=Europe/Paris:20261104T160000"
    )
    with app.test_request_context():
        (candidate,) = importing.parse(_calendar(override, SERIES))
    assert candidate.ok and candidate.rrule
    assert [(o.recurrence_local, o.starts_local) for o in candidate.overrides] == [
        (datetime(2026, 11, 4, 10), datetime(2026, 11, 4, 15))
    ]


def test_an_override_whose_series_is_elsewhere_is_an_event_at_its_new_time(app):
    override = (
        "UID:s@t\r\nSUMMARY:Réunion déplacée\r\nRECURRENCE-ID:20261104T090000Z\r\n"
        "DTSTART;TZID=Europe/Paris:20261104T150000\r\nDTEND;TZID=Europe/Paris:20261104T160000"
    )
    with app.test_request_context():
        (candidate,) = importing.parse(_calendar(override))
    assert candidate.ok and candidate.rrule is None and candidate.uid == ""
    assert candidate.starts_local == datetime(2026, 11, 4, 15)


def test_a_moved_instance_that_clashes_leaves_nothing_of_its_series(db_session, setup, as_user):
    """Nothing is half-imported: the series goes whole or not at all."""
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        from ensemble.agenda import operations

        operations.book(
            db_session,
            calendar,
            centre_id=setup.alma,
            category=Category.MEETING,
            title="Déjà là",
            starts_local=datetime(2026, 11, 4, 15),
            ends_local=datetime(2026, 11, 4, 16),
        )
        override = (
            "UID:s@t\r\nSUMMARY:Série\r\nRECURRENCE-ID;TZID=Europe/Paris:20261104T100000\r\n"
            "DTSTART;TZID=Europe/Paris:20261104T150000\r\nDTEND;TZID=Europe/Paris:20261104T160000"
        )
        candidates = importing.parse(_calendar(SERIES, override))
        outcome = importing.import_candidates(
            db_session, calendar, candidates, centres={1: setup.alma}, category=Category.OTHER
        )
    assert outcome.imported == 0 and "Conflit" in outcome.errors[1]
    assert db_session.scalar(select(func.count()).where(Event.uid == "s@t")) == 0
    assert _busy(db_session, "Série") == []


def test_an_event_already_imported_is_not_imported_twice(db_session, setup, as_user):
    _import(db_session, setup, as_user, "thunderbird.ics")
    _, outcome = _import(db_session, setup, as_user, "thunderbird.ics")
    assert outcome.imported == 0
    assert set(outcome.errors.values()) == {"Cet événement est déjà dans l’agenda (même UID)."}


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("Centre Social Alma", "alma"),
        ("centre social  basse masure, salle 3", "basse_masure"),
        ("Salle des fêtes — Centre Social Fresnoy Mackellerie", "fresnoy"),
        ("Médiathèque", None),
        ("", None),
        # Found from outside: the centre's own part of its name is enough.
        ("Basse Masure", "basse_masure"),
        ("salle 2, fresnoy mackellerie", "fresnoy"),
        ("Almanach", None),
    ],
)
def test_location_names_a_centre(db_session, setup, as_user, location, expected):
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        from ensemble.agenda import operations

        places = operations.bookable_centres(db_session, calendar)
    found = importing.centre_named(location, places)
    assert (found.id if found else None) == (getattr(setup, expected) if expected else None)


# --- Over HTTP ------------------------------------------------------------------


def _url(setup) -> str:
    return f"/c/fresnoy-mackellerie/agenda/agendas/{setup.calendar_id}/importer"


def _preview(client, setup, data: bytes, token: str):
    return client.post(
        _url(setup),
        data={
            "csrf_token": token,
            "centre": str(setup.fresnoy),
            "category": "atelier",
            "file": (io.BytesIO(data), "export.ics"),
        },
        content_type="multipart/form-data",
    )


def test_the_preview_offers_a_place_per_event_and_the_choice_is_kept(client, setup, db_session):
    sign_in(client, OFFICER)
    token = csrf_token(client, _url(setup))
    html = _preview(client, setup, _read("google.ics"), token).get_data(as_text=True)
    assert "Occurrence du" in html and "déplacée au" in html
    # The series names Fresnoy Mackellerie: preselected; the all-day one names no
    # centre: the one chosen for the file.
    select_1 = re.search(r'<select id="lieu-1".*?</select>', html, re.S).group(0)
    assert f'value="{setup.fresnoy}" selected' in select_1
    select_3 = re.search(r'<select id="lieu-3".*?</select>', html, re.S).group(0)
    assert f'value="{setup.fresnoy}" selected' in select_3 and "(journée entière)" in html
    content = re.search(r'name="confirmer-content" type="hidden" value="([^"]+)"', html).group(1)
    form = {
        "csrf_token": token,
        "confirmer-content": content,
        "confirmer-centre": str(setup.fresnoy),
        "confirmer-category": "atelier",
        "lieu-1": str(setup.basse_masure),
    }
    refused = client.post(_url(setup), data={**form, "lieu-2": "99999999"})
    assert refused.status_code == 422
    assert "choisissez un lieu de la liste" in refused.get_data(as_text=True)
    assert _busy(db_session, "Atelier smartphone débutants") == []
    done = client.post(_url(setup), data=form)
    assert "3 événements importés" in done.get_data(as_text=True)
    assert {b[2] for b in _busy(db_session, "Atelier smartphone débutants")} == {setup.basse_masure}


def test_the_event_form_accepts_a_custom_rule_with_until_in_utc(client, setup, db_session):
    sign_in(client, OFFICER)
    url = f"/c/fresnoy-mackellerie/agenda/agendas/{setup.calendar_id}/nouveau"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "title": "Atelier Google",
            "category": "atelier",
            "centre": str(setup.fresnoy),
            "day": "2027-12-07",
            "start": "10:00",
            "end": "11:00",
            "repeat": "CUSTOM",
            "rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20280131T225959Z",
        },
    )
    assert response.status_code == 302
    starts = [b[0] for b in _busy(db_session, "Atelier Google")]
    assert starts[0] == utc(2027, 12, 7, 9) and starts[-1] == utc(2028, 1, 25, 9)
    assert len(starts) == 8


JUNK = [
    "DTSTART:2026",
    "DTSTART;TZID=Nowhere/Else:20261101T100000",
    "DTEND;VALUE=DATE:2026-11-01",
    "RRULE:FREQ=WEEKLY;UNTIL=garbage",
    "RRULE:FREQ=MINUTELY",
    "EXDATE:",
    "EXDATE;VALUE=DATE:20261103",
    "RECURRENCE-ID:20261013T100000",
    "RECURRENCE-ID;VALUE=DATE:20261013",
    "DURATION:P-1D",
    "DURATION:banana",
    "BEGIN:VEVENT",
    "END:VEVENT",
    "END:VCALENDAR",
    "BEGIN:VALARM",
    " continued",
    ";;;:::",
    "UID:",
    "STATUS:CANCELLED",
    "\x00",
]


@st.composite
def _mutated(draw) -> bytes:
    """A corpus file with a few of its lines dropped, cut, doubled or replaced."""
    name = draw(st.sampled_from(["google.ics", "outlook.ics", "nextcloud.ics", "thunderbird.ics"]))
    lines = _read(name).decode().split("\r\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["drop", "cut", "double", "junk", "text"]))
        if how == "drop":
            del lines[at]
        elif how == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        elif how == "double":
            lines.insert(at, lines[at])
        elif how == "junk":
            lines[at] = draw(st.sampled_from(JUNK))
        else:
            name, _sep, _value = lines[at].partition(":")
            lines[at] = name + ":" + draw(st.text(max_size=20))
    return "\r\n".join(lines).encode()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=_mutated())
def test_a_mutated_file_never_ends_in_a_5xx(client, setup, data):
    if not getattr(client, "signed_in", False):
        sign_in(client, OFFICER)
        client.signed_in = True
    token = csrf_token(client, _url(setup))
    response = _preview(client, setup, data, token)
    assert response.status_code in (200, 422)
    html = response.get_data(as_text=True)
    content = re.search(r'name="confirmer-content" type="hidden" value="([^"]+)"', html)
    if content:
        done = client.post(
            _url(setup),
            data={
                "csrf_token": token,
                "confirmer-content": content.group(1),
                "confirmer-centre": str(setup.fresnoy),
                "confirmer-category": "atelier",
            },
        )
        assert done.status_code in (200, 422)


# --- Found by the red team (each file kept in the corpus) -------------------------


def test_a_nul_byte_in_a_description_is_cleaned_not_a_500(db_session, setup, as_user):
    candidates, _outcome = _import(db_session, setup, as_user, "found_nul_in_description.ics")
    (candidate,) = candidates
    assert candidate.ok and candidate.description == "ab"
    assert len(_busy(db_session, "RT nul")) == 1


def test_a_byday_ordinal_out_of_range_is_refused_in_the_preview(app):
    """BYDAY=99MO parsed and then failed when expanded: « Prêt », then a 500."""
    with app.test_request_context():
        (candidate,) = importing.parse(_read("found_byday_out_of_range.ics"))
    assert not candidate.ok
    assert any("répétition" in str(e) for e in candidate.errors), candidate.errors


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=99MO;COUNT=3",
        "FREQ=YEARLY;BYDAY=60MO",
        "FREQ=YEARLY;BYMONTH=13;COUNT=3",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",
        "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3",  # from the 12th: its first date is not the start
    ],
)
def test_rules_that_fail_give_nothing_or_skip_their_start_are_refused(app, rule):
    from ensemble.agenda.recurrence import RuleRefused, validate_rrule

    with app.test_request_context(), pytest.raises(RuleRefused):
        validate_rrule(rule, datetime(2032, 1, 12, 10))


@pytest.mark.parametrize(
    "broken",
    [
        # Each gave a 500 in the preview before the rewrite (red team of the foundation).
        "DTEND;TZID=Europe/Paris:20261215TT100000",
        "DTSTART:2026121X",
        "EXDATE:notadate",
        "DURATION:PXYZ",
        "DURATION:P99999999W",
    ],
)
def test_one_broken_property_is_that_event_s_message_never_a_crash(app, broken):
    name = broken.split(":")[0].split(";")[0]
    lines = [line for line in SERIES.split("\r\n") if not line.startswith(name)]
    if name == "DURATION":
        lines = [line for line in lines if not line.startswith("DTEND")]
    event = "\r\n".join([*lines, broken])
    with app.test_request_context():
        try:
            found = importing.parse(_calendar(event, SERIES.replace("UID:s@t", "UID:ok@t")))
        except importing.ImportProblem:
            return  # the whole file refused with a French message: acceptable
    broken_one, good = found
    assert not broken_one.ok and broken_one.errors
    assert good.ok


def test_the_preview_says_what_the_import_would_refuse(db_session, setup, as_user):
    """Found by the red team: the preview said « Prêt » for a series that clashed,
    and confirming imported nothing. The preview now tries the import (rolled back)."""
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        from ensemble.agenda import operations

        operations.book(
            db_session,
            calendar,
            centre_id=setup.alma,
            category=Category.MEETING,
            title="Déjà là",
            starts_local=datetime(2026, 11, 4, 15),
            ends_local=datetime(2026, 11, 4, 16),
        )
        override = (
            "UID:s@t\r\nSUMMARY:Série\r\nRECURRENCE-ID;TZID=Europe/Paris:20261104T100000\r\n"
            "DTSTART;TZID=Europe/Paris:20261104T150000\r\nDTEND;TZID=Europe/Paris:20261104T160000"
        )
        candidates = importing.parse(_calendar(SERIES, override))
        assert candidates[0].ok
        importing.judge_by_trial(
            db_session, calendar, candidates, centres={1: setup.alma}, category=Category.OTHER
        )
    assert not candidates[0].ok and "Conflit" in candidates[0].errors[0]
    # The trial left nothing behind.
    assert db_session.scalar(select(func.count()).where(Event.uid == "s@t")) == 0
    assert _busy(db_session, "Série") == []
