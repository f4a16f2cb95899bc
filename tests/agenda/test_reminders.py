"""Reminders: the « Rappel » field, VALARM in feeds and over CalDAV (kept from
a PUT and from an import), and the beat task that sends each reminder once, in
the app and by e-mail, to the person and to the participants who are users."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
import pytest
from posts.posts_support import FRESNOY_DIRECTOR, OFFICER
from sqlalchemy import delete, select

from ensemble import mail
from ensemble.agenda import feeds, importing, objects, reminders, tasks
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category, Event
from ensemble.notifications.models import Notification

from conftest import csrf_token, sign_in

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=400)


@pytest.fixture
def calendar(db_session, setup, as_user):
    with as_user(OFFICER):
        # The demo's weeks are seeded around the real today: out of the way.
        db_session.execute(
            delete(Event).where(Event.user_id == setup.officer_id, Event.series_id.is_not(None))
        )
        db_session.execute(delete(Event).where(Event.user_id == setup.officer_id))
    return db_session.get(Calendar, setup.calendar_id)


def _book(db_session, calendar, setup, start, **kw):
    return agenda.book(
        db_session,
        calendar,
        centre_id=kw.pop("centre", setup.fresnoy),
        category=Category.WORKSHOP,
        title=kw.pop("title", "Atelier tablettes"),
        starts_local=start,
        ends_local=start + timedelta(hours=2),
        config=CFG,
        **kw,
    ).event


def test_labels_in_french(app):
    with app.test_request_context():
        assert [reminders.label(m) for m in (0, 15, 60, 90, 1440, 2880)] == [
            "Au début",
            "15\u00a0min avant",
            "1\u00a0h avant",
            "90\u00a0min avant",
            "1 jour avant",
            "2 jours avant",
        ]


VEVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//FR\r
BEGIN:VEVENT\r
UID:rappels@test\r
SUMMARY:Rappels\r
DTSTART;TZID=Europe/Paris:20261105T100000\r
DTEND;TZID=Europe/Paris:20261105T110000\r
{alarms}END:VEVENT\r
END:VCALENDAR\r
"""


def _alarm(trigger: str) -> str:
    return f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n{trigger}\r\nEND:VALARM\r\n"


@pytest.mark.parametrize(
    ("triggers", "expected"),
    [
        (["TRIGGER:-PT15M"], [15]),
        (["TRIGGER;RELATED=START:-P1D", "TRIGGER:-P0DT0H30M0S"], [1440, 30]),
        (["TRIGGER;VALUE=DURATION:-PT1H", "TRIGGER:-PT1H"], [60]),  # twice the same: once
        (["TRIGGER:PT0S"], [0]),
        # After the start, relative to the end, at a fixed instant: not kept.
        (["TRIGGER:PT15M", "TRIGGER;RELATED=END:-PT5M"], []),
        (["TRIGGER;VALUE=DATE-TIME:20261105T080000Z"], []),
        ([f"TRIGGER:-PT{m}M" for m in range(1, 9)], [8, 7, 6, 5, 4]),  # five at most
        (["TRIGGER:-P40D"], []),  # beyond four weeks
    ],
)
def test_valarm_triggers_read_as_reminders(triggers, expected):
    text = VEVENT.format(alarms="".join(_alarm(t) for t in triggers))
    (component,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert reminders.from_component(component) == expected


def test_reminders_are_valarms_in_feeds_and_over_caldav(db_session, setup, as_user, calendar):
    with as_user(OFFICER):
        series = _book(
            db_session,
            calendar,
            setup,
            datetime(2026, 11, 2, 10),
            rrule="FREQ=WEEKLY;COUNT=3",
            reminders=[1440, 15],
        )
        agenda.move_occurrence(
            db_session,
            series,
            datetime(2026, 11, 9, 10),
            starts_local=datetime(2026, 11, 9, 14),
            ends_local=datetime(2026, 11, 9, 16),
            config=CFG,
        )
        rows = objects.object_rows(db_session, calendar.id, series.uid)
        text = objects.render_object(db_session, rows)
        feed = feeds.build(
            db_session, feeds.Scope(setup.officer_id, None), "x", series.starts_local.date()
        )
        centre_feed = feeds.build(
            db_session, feeds.Scope(None, setup.fresnoy), "x", series.starts_local.date()
        )
    # The centre's feed shows the sessions to its directors, without the person's alarms.
    shown = [
        c
        for c in icalendar.Calendar.from_ical(centre_feed).walk("VEVENT")
        if str(c["UID"]) == series.uid
    ]
    assert shown and not [a for c in shown for a in c.walk("VALARM")]
    for body in (text, feed):
        parsed = icalendar.Calendar.from_ical(body)
        mine = [c for c in parsed.walk("VEVENT") if str(c["UID"]) == series.uid]
        assert len(mine) == 2  # the series and its moved occurrence, both reminded
        for component in mine:
            triggers = [a["TRIGGER"].dt for a in component.walk("VALARM")]
            assert triggers == [timedelta(days=-1), timedelta(minutes=-15)]
            assert all(str(a["ACTION"]) == "DISPLAY" for a in component.walk("VALARM"))
    # What the feed serves, read back, is what was stored.
    (master,) = [
        c for c in icalendar.Calendar.from_ical(text).walk("VEVENT") if "RECURRENCE-ID" not in c
    ]
    assert reminders.from_component(master) == [1440, 15]


def test_a_caldav_put_keeps_its_valarm(db_session, setup, as_user, calendar):
    text = VEVENT.format(alarms=_alarm("TRIGGER:-PT30M")).encode()
    with as_user(OFFICER):
        parsed = objects.parse_object(text)
        objects.save_object(db_session, calendar, parsed, [])
        (row,) = objects.object_rows(db_session, calendar.id, "rappels@test")
        assert row.reminders == [30]
        # Changed by the phone: kept; dropped by the phone: gone.
        again = objects.parse_object(VEVENT.format(alarms=_alarm("TRIGGER:-P1D")).encode())
        objects.save_object(db_session, calendar, again, [row])
        assert row.reminders == [1440]
        objects.save_object(
            db_session, calendar, objects.parse_object(VEVENT.format(alarms="").encode()), [row]
        )
        assert row.reminders == []


@pytest.mark.parametrize(
    ("name", "title", "expected"),
    [
        ("google.ics", "Atelier smartphone débutants", [30]),
        ("outlook.ics", "Permanence démarches en ligne", [15]),
        ("thunderbird.ics", "Réunion des animateurs", [60]),
        ("nextcloud.ics", "Aide administrative en ligne", [1440]),
    ],
)
def test_an_import_keeps_the_reminders(db_session, setup, as_user, calendar, name, title, expected):
    from pathlib import Path

    data = (Path(__file__).parent.parent / "corpus" / "ics" / name).read_bytes()
    with as_user(OFFICER):
        candidates = importing.parse(data)
        places = agenda.bookable_centres(db_session, calendar)
        importing.import_candidates(
            db_session,
            calendar,
            candidates,
            centres=importing.places_of(candidates, places, setup.alma),
            category=Category.WORKSHOP,
        )
        event = db_session.scalar(select(Event).where(Event.title == title))
        assert event.reminders == expected


def test_the_event_form_has_a_rappel_field(client, setup, db_session, calendar):
    sign_in(client, OFFICER)
    url = f"/c/fresnoy-mackellerie/agenda/agendas/{setup.calendar_id}/nouveau"
    html = client.get(url).get_data(as_text=True)
    assert "Rappel" in html and "1 jour avant" in html
    form = {
        "csrf_token": csrf_token(client, url),
        "title": "Atelier rappelé",
        "category": "atelier",
        "centre": str(setup.fresnoy),
        "day": "2027-01-12",
        "start": "10:00",
        "end": "11:00",
        "repeat": "",
        "reminder": "60",
    }
    assert client.post(url, data={**form, "reminder": "7"}).status_code == 422
    assert client.post(url, data=form).status_code == 302
    event = db_session.scalar(select(Event).where(Event.title == "Atelier rappelé"))
    assert event.reminders == [60]


def test_the_task_sends_each_reminder_once_in_the_app_and_by_email(
    db_session, setup, as_user, calendar, demo, frozen_clock, sent_tasks
):
    director = demo.user(FRESNOY_DIRECTOR)
    with as_user(OFFICER):
        event = _book(
            db_session,
            calendar,
            setup,
            datetime(2026, 11, 5, 10),
            title="Atelier avec rappel",
            participants=f"Groupe seniors, {director.email.upper()}, inconnu@example.org",
            reminders=[1440, 15],
        )
    mail.outbox().clear()

    def run(paris: datetime) -> int:
        frozen_clock(_paris(paris))
        return tasks.send_reminders.run()

    assert run(datetime(2026, 11, 4, 9, 55)) == 0  # the day before, too early
    assert run(datetime(2026, 11, 4, 10, 3)) == 2  # the person and the director
    assert run(datetime(2026, 11, 4, 10, 8)) == 0  # sent once
    assert run(datetime(2026, 11, 5, 9, 46)) == 2  # 15 min before
    assert run(datetime(2026, 11, 5, 9, 50)) == 0
    with as_user(OFFICER):
        mine = db_session.scalars(
            select(Notification)
            .where(Notification.user_id == setup.officer_id, Notification.title.like("Rappel%"))
            .order_by(Notification.id)
        ).all()
    assert [n.title for n in mine] == ["Rappel : Atelier avec rappel"] * 2
    assert "jeudi 5 novembre 2026 à 10\u00a0h" in mine[0].body and "1 jour avant" in mine[0].body
    assert "15\u00a0min avant" in mine[1].body
    assert mine[0].link.endswith(f"/agenda/evenements/{event.id}")
    db_session.commit()  # mails leave after the commit (of the test's savepoint)
    sent_tasks.run(mail.DELIVER)
    to = sorted(m["To"] for m in mail.outbox())
    officer_email = demo.user(OFFICER).email
    assert to == sorted([officer_email, director.email] * 2)


def test_a_late_run_sends_what_just_fell_due_but_not_stale_reminders(
    db_session, setup, as_user, calendar, frozen_clock
):
    with as_user(OFFICER):
        _book(db_session, calendar, setup, datetime(2026, 11, 5, 10), reminders=[60, 15])
    # The worker was down from 08:50 to 09:40: the 09:00 reminder is 40 min old
    # (not sent), the 09:45 one not due yet.
    frozen_clock(_paris(datetime(2026, 11, 5, 9, 40)))
    assert tasks.send_reminders.run() == 0
    frozen_clock(_paris(datetime(2026, 11, 5, 10, 10)))  # 25 min after 09:45: still sent
    assert tasks.send_reminders.run() == 1


def test_the_task_runs_every_five_minutes(app):
    entry = app.extensions["celery"].conf.beat_schedule["agenda-send-reminders"]
    assert entry["task"] == "ensemble.agenda.send_reminders" and entry["schedule"] == 300.0


def _paris(local: datetime) -> datetime:
    from ensemble.agenda import recurrence

    return recurrence.to_instant(local)
