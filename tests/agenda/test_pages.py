"""The agenda pages over HTTP: booking and the clash message, who sees what in
the views and the feeds, the feed's ETag and revocation, a real calendar
client (khal) importing the feed, and the .ics import with its preview."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime

import icalendar
import pytest
from posts.posts_support import BASSE_MASURE_DIRECTOR, FRESNOY_DIRECTOR, OFFICER

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Request

from conftest import csrf_token, sign_in

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=60)


@pytest.fixture
def booked(db_session, setup, as_user):
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        agenda.book(
            db_session,
            calendar,
            centre_id=setup.alma,
            category=Category.MEETING,
            title="Entretien confidentiel",
            participants="Mme Secret",
            starts_local=datetime(2026, 6, 1, 10),
            ends_local=datetime(2026, 6, 1, 12),
            config=CFG,
        )
        agenda.book(
            db_session,
            calendar,
            centre_id=setup.fresnoy,
            category=Category.WORKSHOP,
            title="Atelier tablettes",
            participants="Groupe seniors",
            starts_local=datetime(2026, 6, 2, 14),
            ends_local=datetime(2026, 6, 2, 16),
            rrule="FREQ=WEEKLY;COUNT=4",
            config=CFG,
        )
    return setup


def _base(setup, slug="fresnoy-mackellerie"):
    return f"/c/{slug}/agenda/agendas/{setup.calendar_id}"


def test_the_officer_books_and_a_clash_is_refused_with_its_name(client, booked):
    sign_in(client, OFFICER)
    url = _base(booked) + "/nouveau"
    form = {
        "csrf_token": csrf_token(client, url),
        "title": "Permanence",
        "category": "permanence",
        "centre": str(booked.fresnoy),
        "day": "2026-06-09",
        "start": "15:00",
        "end": "17:00",
        "repeat": "",
    }
    response = client.post(url, data=form)
    assert response.status_code == 422  # refused, the form shown again: as every form
    html = response.get_data(as_text=True)
    assert "Atelier tablettes" in html and "Conflit" in html
    form.update(day="2026-06-10")
    response = client.post(url, data=form)
    assert response.status_code == 302
    # A weekly series through the form.
    form.update(title="Atelier CV", day="2026-06-11", repeat="WEEKLY", count="3")
    assert client.post(url, data=form).status_code == 302
    week = client.get(_base(booked) + "?vue=semaine&date=2026-06-08").get_data(as_text=True)
    assert "Atelier CV" in week and "Permanence" in week


def test_bad_form_input_is_refused_in_french(client, booked):
    sign_in(client, OFFICER)
    url = _base(booked) + "/nouveau"
    form = {
        "csrf_token": csrf_token(client, url),
        "title": "",
        "category": "atelier",
        "centre": "999999",
        "day": "demain",
        "start": "25:00",
        "end": "",
        "repeat": "CUSTOM",
        "rrule": "FREQ=JAMAIS",
    }
    response = client.post(url, data=form)
    html = response.get_data(as_text=True)
    assert "Indiquez l’intitulé" in html
    assert "Indiquez une date valide" in html and "Une heure entre 00:00 et 23:59" in html
    assert "Not a valid" not in html


def test_another_centre_sees_busy_only_in_views(client, booked):
    sign_in(client, FRESNOY_DIRECTOR)
    html = client.get(_base(booked) + "?vue=semaine&date=2026-06-01").get_data(as_text=True)
    assert "Atelier tablettes" in html
    assert "Occupé — autre structure" in html
    assert "Entretien confidentiel" not in html and "Mme Secret" not in html
    day = client.get(_base(booked) + "?vue=jour&date=2026-06-01").get_data(as_text=True)
    assert "Entretien confidentiel" not in day and "Mme Secret" not in day
    month = client.get(_base(booked) + "?vue=mois&date=2026-06-15").get_data(as_text=True)
    assert month.count("Atelier tablettes") == 4


def test_another_centre_gets_404_on_the_event_of_elsewhere(client, booked, db_session, as_user):
    from sqlalchemy import select

    from ensemble.agenda.models import Event

    with as_user(OFFICER):
        alma_event = db_session.scalar(
            select(Event.id).where(Event.title == "Entretien confidentiel")
        )
    sign_in(client, FRESNOY_DIRECTOR)
    assert client.get(f"/c/fresnoy-mackellerie/agenda/evenements/{alma_event}").status_code == 404
    assert client.get(f"/c/alma/agenda/evenements/{alma_event}").status_code == 404


def _feed_url(client, slug, scope):
    page = client.get(f"/c/{slug}/agenda/abonnement")
    client.post(
        f"/c/{slug}/agenda/abonnement",
        data={
            "csrf_token": csrf_token(client, f"/c/{slug}/agenda/abonnement"),
            "scope": scope,
            "action": "regenerate",
        },
    )
    html = client.get(f"/c/{slug}/agenda/abonnement").get_data(as_text=True)
    assert page.status_code == 200
    urls = re.findall(r'value="(http[^"]+\.ics)"', html)
    return urls


def test_feeds_follow_visibility_answer_304_and_die_when_revoked(app, booked, monkeypatch):
    from ensemble.agenda import feeds

    # The fixture's dates are fixed (June 2026): list busy time from far enough back.
    monkeypatch.setattr(feeds, "PAST_DAYS", 3650)
    director, officer, anonymous = app.test_client(), app.test_client(), app.test_client()
    sign_in(director, FRESNOY_DIRECTOR)
    (centre_url,) = _feed_url(director, "fresnoy-mackellerie", "centre")
    path = centre_url.split("127.0.0.1:5000", 1)[-1]
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert "Atelier tablettes" in body and "Occupé — autre structure" in body
    assert "Entretien confidentiel" not in body and "Mme Secret" not in body
    parsed = icalendar.Calendar.from_ical(response.data)
    assert any(c.name == "VTIMEZONE" for c in parsed.subcomponents)
    # Conditional request: unchanged → 304, no body.
    again = anonymous.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # Personal data behind a token: kept by no shared cache, revalidated each time.
    assert response.headers["Cache-Control"] == "private, no-cache"

    sign_in(officer, OFFICER)
    (person_url,) = _feed_url(officer, "alma", "person")
    mine = anonymous.get(person_url.split("127.0.0.1:5000", 1)[-1]).get_data(as_text=True)
    assert "Entretien confidentiel" in mine and "Atelier tablettes" in mine
    assert "RRULE:FREQ=WEEKLY;COUNT=4" in mine

    # Regenerated: the old address is a 404; revoked: the new one too.
    (new_url,) = _feed_url(director, "fresnoy-mackellerie", "centre")
    assert anonymous.get(path).status_code == 404
    new_path = new_url.split("127.0.0.1:5000", 1)[-1]
    assert anonymous.get(new_path).status_code == 200
    director.post(
        "/c/fresnoy-mackellerie/agenda/abonnement",
        data={
            "csrf_token": csrf_token(director, "/c/fresnoy-mackellerie/agenda/abonnement"),
            "scope": "centre",
            "action": "revoke",
        },
    )
    assert anonymous.get(new_path).status_code == 404
    assert anonymous.get("/agenda/flux/1-" + "0" * 40 + ".ics").status_code == 404
    assert anonymous.get("/agenda/flux/garbage.ics").status_code == 404


@pytest.mark.skipif(not shutil.which("khal"), reason="khal (Debian package) is not installed")
def test_khal_imports_the_feed(app, booked, tmp_path):
    officer, anonymous = app.test_client(), app.test_client()
    sign_in(officer, OFFICER)
    (url,) = _feed_url(officer, "alma", "person")
    ics = tmp_path / "agenda.ics"
    ics.write_bytes(anonymous.get(url.split("127.0.0.1:5000", 1)[-1]).data)
    calendars = tmp_path / "calendars" / "ensemble"
    calendars.mkdir(parents=True)
    config = tmp_path / "khal.conf"
    config.write_text(
        "[calendars]\n[[ensemble]]\npath = " + str(calendars) + "\ntype = calendar\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "default_timezone = Europe/Paris\nlocal_timezone = Europe/Paris\n"
        "[default]\ndefault_calendar = ensemble\n"
    )
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    run = subprocess.run(
        ["khal", "-c", str(config), "import", "--batch", str(ics)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    listing = subprocess.run(
        ["khal", "-c", str(config), "list", "--format", "{start} {title}", "2026-06-01", "30d"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert listing.returncode == 0, listing.stderr
    assert "2026-06-01 10:00 Entretien confidentiel" in listing.stdout
    # The weekly series keeps its local time (14:00 Paris) on each of its 4 occurrences.
    assert listing.stdout.count("14:00 Atelier tablettes") == 4, listing.stdout


ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//FR
BEGIN:VEVENT
UID:a@test
SUMMARY:Atelier importe
DTSTART;TZID=Europe/Paris:20260615T100000
DTEND;TZID=Europe/Paris:20260615T110000
RRULE:FREQ=WEEKLY;COUNT=2
END:VEVENT
BEGIN:VEVENT
UID:b@test
SUMMARY:Journee entiere
DTSTART;VALUE=DATE:20260616
END:VEVENT
BEGIN:VEVENT
UID:c@test
SUMMARY:En conflit
DTSTART:20260602T123000Z
DTEND:20260602T133000Z
END:VEVENT
BEGIN:VEVENT
UID:d@test
SUMMARY:Rendez-vous UTC
DTSTART:20260617T080000Z
DTEND:20260617T090000Z
END:VEVENT
END:VCALENDAR
"""


def test_ics_import_with_preview_and_per_event_errors(client, booked):
    sign_in(client, OFFICER)
    url = _base(booked) + "/importer"
    token = csrf_token(client, url)
    preview = client.post(
        url,
        data={
            "csrf_token": token,
            "centre": str(booked.fresnoy),
            "category": "atelier",
            "file": (io.BytesIO(ICS), "agenda.ics"),
        },
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Aperçu" in html and "journée entière" in html
    content = re.search(r'name="confirmer-content" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post(
        url,
        data={
            "csrf_token": token,
            "confirmer-content": content,
            "confirmer-centre": str(booked.fresnoy),
            "confirmer-category": "atelier",
        },
    )
    html = done.get_data(as_text=True)
    assert "2 événements importés" in html
    assert "Événement n°2" in html and "Événement n°3" in html and "Conflit" in html
    week = client.get(_base(booked) + "?vue=semaine&date=2026-06-15").get_data(as_text=True)
    assert "Atelier importe" in week and "Rendez-vous UTC" in week
    # One time style (issue 13), the kernel's: « 10 h – 11 h ».
    slot = "10\u00a0h\u00a0– 11\u00a0h"
    assert slot in week and slot in week.split("Rendez-vous UTC")[0][-400:]


def test_not_an_ics_file_is_refused(client, booked):
    sign_in(client, OFFICER)
    url = _base(booked) + "/importer"
    html = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "centre": str(booked.fresnoy),
            "category": "atelier",
            "file": (io.BytesIO(b"hello"), "x.ics"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "n’est pas un fichier iCalendar" in html


def test_request_journey_over_http(app, booked, db_session, as_user):
    director, officer = app.test_client(), app.test_client()
    sign_in(director, BASSE_MASURE_DIRECTOR)
    url = _base(booked, "basse-masure") + "/demander"
    response = director.post(
        url,
        data={
            "csrf_token": csrf_token(director, url),
            "title": "Permanence CAF",
            "category": "permanence",
            "day": "2026-06-04",
            "start": "09:00",
            "end": "11:00",
            "message": "Salle 2",
        },
    )
    assert response.status_code == 302
    request_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    sign_in(officer, OFFICER)
    page = f"/c/basse-masure/agenda/demandes/{request_id}"
    assert "Permanence CAF" in officer.get("/c/alma/agenda/demandes").get_data(as_text=True)
    response = officer.post(
        page,
        data={"csrf_token": csrf_token(officer, page), "action": "refuser", "refus-reason": ""},
    )
    assert response.status_code == 422
    assert "Indiquez la raison du refus." in response.get_data(as_text=True)
    response = officer.post(
        page,
        data={
            "csrf_token": csrf_token(officer, page),
            "action": "proposer",
            "autre-day": "2026-06-05",
            "autre-start": "09:00",
            "autre-end": "11:00",
        },
    )
    assert response.status_code == 302
    with as_user(BASSE_MASURE_DIRECTOR):
        assert db_session.get(Request, request_id).status.value == "proposed"
    response = director.post(
        page, data={"csrf_token": csrf_token(director, page), "action": "retenir"}
    )
    assert response.status_code == 302
    week = director.get(_base(booked, "basse-masure") + "?date=2026-06-05").get_data(as_text=True)
    assert "Permanence CAF" in week
