"""Real clients against the app served over HTTP: the `caldav` library, and
Debian's vdirsyncer syncing a folder that khal reads and writes. Every change
is committed; the web side is the app's own pages (a signed-in test client of
the same live app) and its booking operation."""

from __future__ import annotations

import subprocess
import textwrap
import threading
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import caldav
import icalendar
import pytest
from caldav.lib import error as caldav_error
from sqlalchemy import select

from dav.dav_support import (
    FRESNOY_DIRECTOR,
    OFFICER,
    responses,
    sync_body,
    sync_token_of,
    vcalendar,
)
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Event

from conftest import csrf_token, sign_in

pytestmark = pytest.mark.no_db_rollback

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def officer_calendar(live_dav) -> int:
    with live_dav.as_person(OFFICER) as session:
        return session.scalar(
            select(Calendar.id).join(Calendar.user).where(Calendar.user.has(email=OFFICER))
        )


def _book(live_dav, calendar_id, slug, title, start, end) -> Event:
    """A booking through the operation the web pages call, committed."""
    with live_dav.as_person(OFFICER) as session:
        from ensemble.network.models import Centre

        centre = session.scalar(select(Centre).where(Centre.slug == slug))
        event = agenda.book(
            session,
            session.get(Calendar, calendar_id),
            centre_id=centre.id,
            category=Category.WORKSHOP,
            title=title,
            starts_local=start,
            ends_local=end,
        ).event
        return event.id


def _web(live_dav, email=OFFICER):
    client = live_dav.app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _week_page(web, calendar_id, day: str) -> str:
    page = web.get(f"/c/alma/agenda/agendas/{calendar_id}?vue=semaine&date={day}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _move_in_the_web(web, live_dav, event_id, day: str, start: str, end: str) -> None:
    """The event form of the web pages, as the officer fills it in."""
    with live_dav.as_person(OFFICER) as session:
        event = session.get(Event, event_id)
        fields = {
            "title": event.title,
            "category": event.category.value,
            "centre": str(event.centre_id),
            "description": event.description,
            "participants": event.participants,
            "day": day,
            "start": start,
            "end": end,
            "repeat": "",
        }
    path = f"/c/alma/agenda/evenements/{event_id}/modifier"
    fields["csrf_token"] = csrf_token(web, path)
    answer = web.post(path, data=fields)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]


def _client(live_dav, device) -> caldav.DAVClient:
    return caldav.DAVClient(
        url=live_dav.url + "/", username=device.email, password=device.secret, require_tls=False
    )


def _http(live_dav, device, method, path, body=b"", **headers):
    request = urllib.request.Request(  # noqa: S310 - the live server's http URL
        live_dav.url + path, data=body or None, method=method
    )
    for name, value in {**device.auth, "Content-Type": "application/xml", **headers}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as failed:
        return failed.code, failed.read()


def test_the_caldav_library_discovers_creates_is_refused_and_follows_the_web(
    live_dav, officer_calendar
):
    phone = live_dav.device(OFFICER, "iPhone de Hugo")
    principal = _client(live_dav, phone).principal()
    assert str(principal.url).endswith(f"/dav/{phone.user_id}/")
    calendars = {str(c.url).rstrip("/").rsplit("/", 1)[-1]: c for c in principal.calendars()}
    calendar = calendars[f"agenda-{officer_calendar}"]

    _book(
        live_dav,
        officer_calendar,
        "fresnoy-mackellerie",
        "Atelier web",
        datetime(2029, 1, 9, 10),
        datetime(2029, 1, 9, 11),
    )
    created = calendar.save_event(
        dtstart=datetime(2029, 1, 9, 12, tzinfo=PARIS),
        dtend=datetime(2029, 1, 9, 13, tzinfo=PARIS),
        summary="Créé sur le téléphone",
        location="Centre Social Alma",
    )
    web = _web(live_dav)
    assert "Créé sur le téléphone" in _week_page(web, officer_calendar, "2029-01-09")

    # The library reads the DAV:error body into the error it raises (preconditions, body).
    with pytest.raises(caldav_error.DAVError) as refused:
        calendar.save_event(
            dtstart=datetime(2029, 1, 9, 10, 30, tzinfo=PARIS),
            dtend=datetime(2029, 1, 9, 11, 30, tzinfo=PARIS),
            summary="Par-dessus l’atelier",
        )
    assert refused.value.status == 403
    assert "{urn:ietf:params:xml:ns:caldav}valid-calendar-object-resource" in (
        refused.value.preconditions
    )
    reason = (
        refused.value.body.decode() if isinstance(refused.value.body, bytes) else refused.value.body
    )
    assert "Conflit" in reason and "Atelier web" in reason
    assert "Par-dessus" not in _week_page(web, officer_calendar, "2029-01-09")

    sync = calendar.objects_by_sync_token(load_objects=True)
    with live_dav.as_person(OFFICER) as session:
        uid = str(icalendar.Calendar.from_ical(created.data).walk("VEVENT")[0]["UID"])
        event_id = session.scalar(select(Event.id).where(Event.uid == uid))
    _move_in_the_web(web, live_dav, event_id, "2029-01-09", "15:00", "16:00")
    updated, deleted = sync.sync()
    assert not deleted
    assert [str(o.url) for o in updated] == [str(created.url)]
    start = icalendar.Calendar.from_ical(updated[0].data).walk("VEVENT")[0]["DTSTART"].dt
    assert (start.hour, start.minute) == (15, 0)

    live_dav.revoke(phone)
    with pytest.raises(caldav_error.AuthorizationError):
        _client(live_dav, phone).principal()


def test_sync_collection_reports_exactly_the_changes_since_a_token(live_dav, officer_calendar):
    phone = live_dav.device(OFFICER, "Tablette")
    path = f"/dav/{phone.user_id}/agenda-{officer_calendar}/"
    status, first = _http(live_dav, phone, "REPORT", path, sync_body())
    assert status == 207
    token = sync_token_of(first)
    assert responses(_http(live_dav, phone, "REPORT", path, sync_body(token))[1]) == {}

    event_id = _book(
        live_dav,
        officer_calendar,
        "alma",
        "Réunion d’équipe",
        datetime(2029, 2, 5, 9),
        datetime(2029, 2, 5, 10),
    )
    with live_dav.as_person(OFFICER) as session:
        uid = session.get(Event, event_id).uid
    status, body = _http(live_dav, phone, "REPORT", path, sync_body(token))
    assert list(responses(body)) == [f"{path}{uid}.ics"]
    token = sync_token_of(body)

    with live_dav.as_person(OFFICER) as session:
        agenda.delete_event(session, session.get(Event, event_id))
    status, body = _http(live_dav, phone, "REPORT", path, sync_body(token))
    gone = responses(body)
    assert list(gone) == [f"{path}{uid}.ics"]
    assert gone[f"{path}{uid}.ics"]["status"].endswith("404 Not Found")
    # A token stays the same while nothing changes (clients compare it).
    again = sync_token_of(_http(live_dav, phone, "REPORT", path, sync_body())[1])
    assert again == sync_token_of(_http(live_dav, phone, "REPORT", path, sync_body())[1])


# --- vdirsyncer and khal ------------------------------------------------------------------


def _vdirsyncer(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["vdirsyncer", "-c", str(config), *args],
        input="y\n" * 5,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _khal(config: Path, *args: str) -> str:
    done = subprocess.run(
        ["khal", "-c", str(config), *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def synced_folder(live_dav, tmp_path, officer_calendar):
    if not Path("/usr/bin/vdirsyncer").exists() or not Path("/usr/bin/khal").exists():
        pytest.skip("vdirsyncer and khal are Debian packages: apt-get install vdirsyncer khal")
    laptop = live_dav.device(OFFICER, "Portable (vdirsyncer)")
    folder = tmp_path / "calendars"
    vdir = tmp_path / "vdirsyncer.conf"
    vdir.write_text(
        textwrap.dedent(
            f"""
            [general]
            status_path = "{tmp_path}/status/"

            [pair ensemble]
            a = "local"
            b = "remote"
            collections = ["from b"]

            [storage local]
            type = "filesystem"
            path = "{folder}/"
            fileext = ".ics"

            [storage remote]
            type = "caldav"
            url = "{live_dav.url}/"
            username = "{laptop.email}"
            password = "{laptop.secret}"
            """
        )
    )
    khal = tmp_path / "khal.conf"
    khal.write_text(
        textwrap.dedent(
            f"""
            [calendars]
            [[ensemble]]
            path = {folder}/agenda-{officer_calendar}
            type = calendar

            [locale]
            local_timezone = Europe/Paris
            default_timezone = Europe/Paris
            timeformat = %H:%M
            dateformat = %Y-%m-%d
            longdateformat = %Y-%m-%d
            datetimeformat = %Y-%m-%d %H:%M
            longdatetimeformat = %Y-%m-%d %H:%M

            [default]
            default_calendar = ensemble
            """
        )
    )
    assert _vdirsyncer(vdir, "discover", "ensemble").returncode == 0
    first = _vdirsyncer(vdir, "sync")
    assert first.returncode == 0, first.stderr
    return vdir, khal, folder / f"agenda-{officer_calendar}"


def test_vdirsyncer_and_khal_create_are_refused_and_follow_the_web(
    live_dav, officer_calendar, synced_folder
):
    vdir, khal, folder = synced_folder
    event_id = _book(
        live_dav,
        officer_calendar,
        "basse-masure",
        "Permanence droits en ligne",
        datetime(2029, 3, 6, 9),
        datetime(2029, 3, 6, 11),
    )
    assert _vdirsyncer(vdir, "sync").returncode == 0
    assert "Permanence droits en ligne" in _khal(khal, "list", "2029-03-06", "1d")

    _khal(khal, "new", "2029-03-06", "14:00", "15:00", "Atelier saisi dans khal")
    uploaded = _vdirsyncer(vdir, "sync")
    assert uploaded.returncode == 0, uploaded.stderr
    web = _web(live_dav)
    assert "Atelier saisi dans khal" in _week_page(web, officer_calendar, "2029-03-06")

    _khal(khal, "new", "2029-03-06", "10:00", "12:00", "Par-dessus la permanence")
    refused = _vdirsyncer(vdir, "sync")
    assert refused.returncode != 0
    # vdirsyncer prints the status line only: the reason travels in it too.
    assert "403" in refused.stderr and "Conflit" in refused.stderr
    assert "Permanence droits en ligne" in refused.stderr
    assert any("Par-dessus la permanence" in f.read_text() for f in folder.glob("*.ics"))
    assert "Par-dessus" not in _week_page(web, officer_calendar, "2029-03-06")
    with live_dav.as_person(OFFICER) as session:
        from ensemble.notifications.models import Notification

        told = session.scalars(
            select(Notification.body).order_by(Notification.id.desc()).limit(3)
        ).all()
    assert any("Permanence droits en ligne" in body for body in told)
    for stray in folder.glob("*.ics"):
        if "Par-dessus la permanence" in stray.read_text():
            stray.unlink()  # the officer gives up on it

    _move_in_the_web(web, live_dav, event_id, "2029-03-06", "16:00", "17:30")
    assert _vdirsyncer(vdir, "sync").returncode == 0
    listing = _khal(khal, "list", "2029-03-06", "1d")
    assert "16:00-17:30 Permanence droits en ligne" in listing


# --- Two devices, one slot --------------------------------------------------------------------


def test_a_phone_and_the_web_booking_the_same_slot_at_once_exactly_one_wins(
    live_dav, officer_calendar
):
    phone = live_dav.device(OFFICER, "Téléphone (course)")
    path = f"/dav/{phone.user_id}/agenda-{officer_calendar}/"
    for round_ in range(5):
        day = datetime(2029, 4, 2 + round_, 14)
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def from_the_phone(day=day, barrier=barrier, outcome=outcome, round_=round_):
            stamp = day.strftime("%Y%m%dT%H%M%S")
            body = vcalendar(f"course-{round_}", stamp, stamp.replace("T14", "T15"), "Téléphone")
            barrier.wait()
            outcome["phone"] = _http(
                live_dav,
                phone,
                "PUT",
                f"{path}course-{round_}.ics",
                body,
                **{"Content-Type": "text/calendar"},
            )[0]

        def from_the_web(day=day, barrier=barrier, outcome=outcome):
            barrier.wait()
            try:
                _book(live_dav, officer_calendar, "alma", "Web", day, day.replace(hour=15))
                outcome["web"] = "booked"
            except agenda.Clash:
                outcome["web"] = "refused"

        threads = [threading.Thread(target=from_the_phone), threading.Thread(target=from_the_web)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert (outcome["phone"] == 201) != (outcome["web"] == "booked"), outcome
        assert outcome["phone"] in (201, 403), outcome
        with live_dav.as_person(OFFICER) as session:
            from sqlalchemy import func

            from ensemble.agenda.models import Busy

            start = day.replace(tzinfo=PARIS)
            count = session.scalar(
                select(func.count(Busy.id)).where(
                    Busy.calendar_id == officer_calendar, func.lower(Busy.during) == start
                )
            )
        assert count == 1


def test_a_centre_director_reads_the_centre_calendar_over_http(live_dav):
    thomas = live_dav.device(FRESNOY_DIRECTOR, "Téléphone de direction")
    calendars = _client(live_dav, thomas).principal().calendars()
    names = [c.get_display_name() for c in calendars]
    assert any("Fresnoy Mackellerie" in n for n in names)
