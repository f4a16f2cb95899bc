"""The subscription feeds stay stable and RFC-clean: UNTIL in UTC next to a
TZID start, busy entries that keep their UIDs when another occurrence changes,
the same instants in icalendar, recurring-ical-events and khal as the app
blocks (on both clock-change days), and no other centre named where the time
is busy-only."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import icalendar
import pytest
import recurring_ical_events
from posts.posts_support import FRESNOY_DIRECTOR, OFFICER
from sqlalchemy import delete, func, select

from ensemble.agenda import feeds, recurrence
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Busy, Calendar, Category, Event

from conftest import sign_in

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=400)
WINDOW = (date(2026, 10, 1), date(2027, 5, 1))


@pytest.fixture
def seasons(db_session, setup, as_user, frozen_clock):
    """The officer's autumn and spring, on their own (the demo's weeks, seeded
    around the real today, are removed), with both clock changes inside."""
    frozen_clock(date(2026, 10, 1))
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        db_session.execute(
            delete(Event).where(Event.user_id == setup.officer_id, Event.series_id.is_not(None))
        )
        db_session.execute(delete(Event).where(Event.user_id == setup.officer_id))

        def book(centre, start, end, title, **kw):
            return agenda.book(
                db_session,
                calendar,
                centre_id=centre,
                category=Category.WORKSHOP,
                title=title,
                starts_local=start,
                ends_local=end,
                config=CFG,
                **kw,
            ).event

        # Sundays across the autumn change (25 Oct 2026), ending as the form writes it.
        sundays = book(
            setup.fresnoy,
            datetime(2026, 10, 11, 10),
            datetime(2026, 10, 11, 12),
            "Repair café",
            rrule="FREQ=WEEKLY;UNTIL=20261108T235959",
        )
        # Weekly at Alma (busy-only for Fresnoy), across the spring change (28 Mar 2027).
        alma = book(
            setup.alma,
            datetime(2027, 3, 13, 9),
            datetime(2027, 3, 13, 11),
            "Permanence Alma",
            rrule="FREQ=WEEKLY;COUNT=6",
        )
        book(setup.fresnoy, datetime(2027, 3, 28, 10), datetime(2027, 3, 28, 11, 30), "Printemps")
        # Overnight, just before each change.
        book(setup.alma, datetime(2026, 10, 24, 22), datetime(2026, 10, 25, 1), "Veillée jeux")
        book(setup.alma, datetime(2027, 3, 27, 23), datetime(2027, 3, 28, 1, 30), "Nuit du conte")
        db_session.flush()
    return setup, sundays, alma


def _feed(client, db_session, as_user, app, **scope) -> bytes:
    with as_user(OFFICER if "user_id" in scope else FRESNOY_DIRECTOR):
        feed = agenda.regenerate_feed(db_session, **scope)
    token = feeds.token(app.config["SECRET_KEY"], feed.id, feed.nonce)
    response = client.get(f"/agenda/flux/{token}.ics")
    assert response.status_code == 200
    return response.data


def _app_instants(db_session, user_id: int) -> set[tuple[datetime, datetime]]:
    rows = db_session.scalars(
        select(Busy.during).where(
            Busy.user_id == user_id,
            func.lower(Busy.during) >= agenda.day_start(WINDOW[0]),
            func.lower(Busy.during) < agenda.day_start(WINDOW[1]),
        )
    )
    return {(r.lower.astimezone(UTC), r.upper.astimezone(UTC)) for r in rows}


def test_until_is_written_in_utc_next_to_a_tzid_start(app, client, db_session, as_user, seasons):
    setup, _, _ = seasons
    body = _feed(client, db_session, as_user, app, user_id=setup.officer_id).decode()
    rules = [line for line in body.splitlines() if line.startswith("RRULE:")]
    # 8 Nov 23:59:59 in Paris (CET) is 22:59:59 UTC.
    assert "RRULE:FREQ=WEEKLY;UNTIL=20261108T225959Z" in rules
    assert all(re.search(r"UNTIL=[0-9]{8}T[0-9]{6}Z", r) for r in rules if "UNTIL=" in r)
    assert feeds.utc_until("FREQ=DAILY;UNTIL=20270701") == "FREQ=DAILY;UNTIL=20270701T215959Z"
    assert feeds.utc_until("FREQ=DAILY;UNTIL=20270701T080000Z") == (
        "FREQ=DAILY;UNTIL=20270701T080000Z"
    )
    # A client sending back the served rule does not change the stored one.
    from ensemble.agenda import objects

    assert objects._same_rule(
        "FREQ=WEEKLY;UNTIL=20261108T235959", "FREQ=WEEKLY;UNTIL=20261108T225959Z"
    )
    assert not objects._same_rule(
        "FREQ=WEEKLY;UNTIL=20261108T235959", "FREQ=WEEKLY;UNTIL=20261108T235959Z"
    )


def test_the_feed_has_the_instants_the_app_blocks_in_icalendar(
    app, client, db_session, as_user, seasons
):
    setup, _, _ = seasons
    body = _feed(client, db_session, as_user, app, user_id=setup.officer_id)
    parsed = icalendar.Calendar.from_ical(body)
    feed = {
        (c["DTSTART"].dt.astimezone(UTC), c["DTEND"].dt.astimezone(UTC))
        for c in recurring_ical_events.of(parsed).between(*WINDOW)
    }
    blocked = _app_instants(db_session, setup.officer_id)
    assert feed == blocked and len(blocked) == 5 + 6 + 3
    # Both change days: 10:00 is 08:00Z on 18 Oct (CEST) and 09:00Z on 25 Oct (CET);
    # 10:00 is 08:00Z on 28 Mar 2027 (CEST again).
    starts = {s for s, _ in blocked}
    assert {
        datetime(2026, 10, 18, 8, tzinfo=UTC),
        datetime(2026, 10, 25, 9, tzinfo=UTC),
        datetime(2027, 3, 28, 8, tzinfo=UTC),
    } <= starts


@pytest.mark.skipif(not shutil.which("khal"), reason="khal (Debian package) is not installed")
def test_khal_reads_the_same_instants_as_the_app(
    app, client, db_session, as_user, seasons, tmp_path
):
    setup, _, _ = seasons
    ics = tmp_path / "agenda.ics"
    ics.write_bytes(_feed(client, db_session, as_user, app, user_id=setup.officer_id))
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
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    run = subprocess.run(
        ["khal", "-c", str(config), "import", "--batch", str(ics)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    listing = subprocess.run(
        [
            "khal",
            "-c",
            str(config),
            "list",
            "--format",
            "{start-long-full}|{end-long-full}|{title}",
            WINDOW[0].isoformat(),
            WINDOW[1].isoformat(),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert listing.returncode == 0, listing.stderr
    khal = set()
    for line in listing.stdout.splitlines():
        if line.count("|") != 2:
            continue  # a day heading
        start, end, _title = line.split("|")
        khal.add(
            (
                recurrence.to_instant(datetime.strptime(start.strip(), "%Y-%m-%d %H:%M")),
                recurrence.to_instant(datetime.strptime(end.strip(), "%Y-%m-%d %H:%M")),
            )
        )
    assert khal == _app_instants(db_session, setup.officer_id), listing.stdout


def _busy_uids(body: bytes) -> dict[datetime, str]:
    parsed = icalendar.Calendar.from_ical(body)
    return {
        c["DTSTART"].dt: str(c["UID"])
        for c in parsed.walk("VEVENT")
        if str(c["SUMMARY"]) == "Occupé — autre structure"
    }


def test_busy_entries_keep_their_uids_when_another_occurrence_changes(
    app, client, db_session, as_user, seasons
):
    setup, _, alma = seasons
    before = _busy_uids(_feed(client, db_session, as_user, app, centre_id=setup.fresnoy))
    assert len(before) >= 6  # the Alma series and the two nights, busy-only for Fresnoy
    with as_user(OFFICER):
        agenda.cancel_occurrence(db_session, alma, datetime(2027, 3, 20, 9))
        agenda.move_occurrence(
            db_session,
            alma,
            datetime(2027, 4, 3, 9),
            starts_local=datetime(2027, 4, 3, 14),
            ends_local=datetime(2027, 4, 3, 16),
            config=CFG,
        )
        db_session.flush()
    after = _busy_uids(_feed(client, db_session, as_user, app, centre_id=setup.fresnoy))
    gone = {datetime(2027, 3, 20, 8, tzinfo=UTC), datetime(2027, 4, 3, 7, tzinfo=UTC)}
    assert set(before) - set(after) == gone
    assert {k: v for k, v in before.items() if k not in gone} == {
        k: v for k, v in after.items() if k in before
    }
    # UIDs name neither the event nor the feed.
    assert all(uid.startswith("occupe-") and str(alma.id) not in uid[:8] for uid in after.values())


def test_the_busy_only_view_names_no_other_centre(client, seasons):
    setup, _, _ = seasons
    sign_in(client, FRESNOY_DIRECTOR)
    for url in (
        "/c/fresnoy-mackellerie/agenda?vue=semaine&date=2027-03-13",
        f"/c/fresnoy-mackellerie/agenda/agendas/{setup.calendar_id}?vue=semaine&date=2027-03-13",
        f"/c/fresnoy-mackellerie/agenda/agendas/{setup.calendar_id}?vue=mois&date=2027-03-13",
    ):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "Occupé — autre structure" in html, url
        legend = html.split('class="agenda-legend"', 1)[-1].split("</ul>", 1)[0]
        assert "Alma" not in legend and "Basse Masure" not in legend, url
        assert "Permanence Alma" not in html, url


def test_an_all_day_event_is_served_as_dates_and_read_back_over_caldav(
    app, client, db_session, as_user, seasons
):
    from ensemble.agenda import objects

    setup, _, _ = seasons
    calendar = db_session.get(Calendar, setup.calendar_id)
    with as_user(OFFICER):
        training = agenda.book(
            db_session,
            calendar,
            centre_id=setup.alma,
            category=Category.OTHER,
            title="Journée de formation",
            starts_local=datetime(2026, 11, 20),
            ends_local=datetime(2026, 11, 21),
            all_day=True,
            rrule="FREQ=WEEKLY;UNTIL=20261127T235959",
            config=CFG,
        ).event
        rows = objects.object_rows(db_session, calendar.id, training.uid)
        text = objects.render_object(db_session, rows)
    body = _feed(client, db_session, as_user, app, user_id=setup.officer_id)
    for served in (body, text):
        assert b"DTSTART;VALUE=DATE:20261120\r\n" in served
        assert b"DTEND;VALUE=DATE:20261121\r\n" in served
        assert b"RRULE:FREQ=WEEKLY;UNTIL=20261127\r\n" in served  # a date next to dates
    parsed = icalendar.Calendar.from_ical(body)
    days = [
        c["DTSTART"].dt
        for c in recurring_ical_events.of(parsed).between(date(2026, 11, 1), date(2026, 12, 1))
        if str(c["SUMMARY"]) == "Journée de formation"
    ]
    assert days == [date(2026, 11, 20), date(2026, 11, 27)]
    # What CalDAV serves, sent back by a client, is the same all-day series.
    again = objects.parse_object(text)
    assert again.all_day and again.starts_local == datetime(2026, 11, 20)
    assert again.ends_local == datetime(2026, 11, 21)
    with as_user(OFFICER):
        objects.save_object(db_session, calendar, again, rows)
        assert training.all_day and training.ends_local == datetime(2026, 11, 21)
