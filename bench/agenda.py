"""Benchmark: shared calendars.

(a) The no-double-booking check for one booking of the demo officer with
    10,000 busy intervals (occurrences) in the database, then with 1,000,000
    (1,000 people, three years of daily slots each, the officer among them,
    and multi-day rows among them: a five-day residential trip every eight
    weeks for each person, the officer's leave and trip just before the probe).
    Printed: the median time of the database check alone (one INSERT into
    agenda_busy firing the trigger, rolled back) and of a whole booking through
    ensemble.agenda.operations.book (ORM, row-level security, trigger, share
    check; rolled back), at both sizes, and the growth ratios (goal: < 2× for
    the check: it must walk the (user_id, lower(during)) index, not scan; the
    rows longer than a day through their partial index). The trigger's two
    queries are shown with EXPLAIN ANALYZE at both sizes; a third probe books
    inside the officer's trip (found through the long rows' index only).
(b) The private feed of an officer with three years of weekly events (twelve
    weekly series with moved and cancelled occurrences, plus two one-off events
    a working day): median time of a full request (the body built) and of a
    conditional request answered 304 from its ETag, and their ratio (goal ≥ 10×).

    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 python bench/agenda.py

Bulk rows are generated with generate_series through the admin connection (the
clash trigger disabled while loading non-overlapping rows, then enabled); the
feed's events are booked through the operations, as the officer would. The
database `ensemble_bench_agenda` is dropped at the end.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from network import bench_app  # noqa: E402

from ensemble.devstack.bootstrap import _libpq  # noqa: E402

DATABASE = "ensemble_bench_agenda"
OFFICER = "hugo.carpentier@alma.demo"
OFFICER_POST = "Chargé de transition numérique"
SMALL, LARGE = 10_000, 1_000_000
PEOPLE_SMALL, PEOPLE_LARGE = 100, 1_000  # the officer included
CHECK_RUNS, BOOK_RUNS, FEED_RUNS = 300, 40, 15
# The bulk history: one slot a day, 07:00–08:00 Paris, ending a week ago.
HISTORY_END = date.today() - timedelta(days=7)
# What is booked: an afternoon in the middle of the small history (free), and a
# morning overlapping that day's slot (a clash found).
PROBE_DAY = HISTORY_END - timedelta(days=50)


def _instant(day: date, hour: int, minute: int = 0) -> str:
    from ensemble.agenda.recurrence import to_instant

    return to_instant(datetime.combine(day, clock(hour, minute))).isoformat()


# --- (a) The clash check ------------------------------------------------------------


def _officer_calendar(conn: psycopg.Connection) -> tuple[int, int, int, int]:
    """(calendar id, user id, agreement id, event id) of the demo officer."""
    row = conn.execute(
        "SELECT c.id, c.user_id, c.agreement_id, min(e.id) FROM agenda_calendars c"
        " JOIN users u ON u.id = c.user_id JOIN agenda_events e ON e.calendar_id = c.id"
        " WHERE u.email = %s GROUP BY c.id",
        (OFFICER,),
    ).fetchone()
    return tuple(row)


def add_people(conn: psycopg.Connection, agreement_id: int, centre_id: int, upto: int) -> None:
    """People (with a calendar and one event each) until `upto` calendars exist."""
    have = conn.execute("SELECT count(*) FROM agenda_calendars").fetchone()[0]
    if have >= upto:
        return
    conn.execute(
        "INSERT INTO users (email, full_name, is_active_account, locale, created_at)"
        " SELECT 'bench-' || n || '@agenda.bench', 'Personne ' || n, true, 'fr', now()"
        " FROM generate_series(%s::int, %s::int) n",
        (have, upto - 1),
    )
    conn.execute(
        "INSERT INTO agenda_calendars (agreement_id, user_id, created_at)"
        " SELECT %s, id, now() FROM users WHERE email LIKE 'bench-%%@agenda.bench'"
        " AND id NOT IN (SELECT user_id FROM agenda_calendars)",
        (agreement_id,),
    )
    conn.execute(
        "INSERT INTO agenda_events (calendar_id, user_id, agreement_id, centre_id, category,"
        " title, description, participants, starts_local, ends_local, tzid, exdates, uid,"
        " sequence, created_at, updated_at)"
        " SELECT c.id, c.user_id, c.agreement_id, %s, 'permanence', 'Permanence', '', '',"
        " %s, %s, 'Europe/Paris', '{}', 'bench-' || c.id || '@ensemble', 0, now(), now()"
        " FROM agenda_calendars c WHERE NOT EXISTS"
        " (SELECT 1 FROM agenda_events e WHERE e.calendar_id = c.id)",
        (
            centre_id,
            datetime.combine(HISTORY_END, clock(7)),
            datetime.combine(HISTORY_END, clock(8)),
        ),
    )


def fill_history(conn: psycopg.Connection, people: int, days: int) -> None:
    """Each of the first `people` calendars gets one busy slot a day over the
    `days` days before HISTORY_END (07:00–08:00 Paris): rows not yet there only."""
    conn.execute("ALTER TABLE agenda_busy DISABLE TRIGGER agenda_busy_no_clash")
    conn.execute(
        """
        INSERT INTO agenda_busy (event_id, calendar_id, user_id, agreement_id, centre_id,
                                 during, recurrence_local, travel_minutes)
        SELECT e.id, e.calendar_id, e.user_id, e.agreement_id, e.centre_id,
               tstzrange(((d::date + time '07:00') AT TIME ZONE 'Europe/Paris'),
                         ((d::date + time '08:00') AT TIME ZONE 'Europe/Paris')),
               d::date + time '07:00', 20
        FROM (SELECT DISTINCT ON (calendar_id) * FROM agenda_events
              ORDER BY calendar_id, id) e
        JOIN (SELECT id FROM agenda_calendars ORDER BY id LIMIT %(people)s) c
          ON c.id = e.calendar_id
        CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
        WHERE NOT EXISTS (
            SELECT 1 FROM agenda_busy b WHERE b.user_id = e.user_id
              AND lower(b.during) = ((d::date + time '07:00') AT TIME ZONE 'Europe/Paris'))
        """,
        {
            "people": people,
            "first": HISTORY_END - timedelta(days=days - 1),
            "last": HISTORY_END,
        },
    )
    conn.execute("ALTER TABLE agenda_busy ENABLE TRIGGER agenda_busy_no_clash")
    conn.execute("ANALYZE agenda_busy")
    conn.commit()


TRIP_EVERY = 56  # days: a five-day residential trip every eight weeks, Monday 09:00 → Friday 17:00


def add_trips(conn: psycopg.Connection, people: int, days: int, officer_id: int) -> None:
    """Multi-day rows: each of the first `people` bench people (not the officer)
    gets a trip every TRIP_EVERY days over the history; the officer gets two
    weeks of all-day leave ending the day before the probe and a trip two weeks
    before that, so that the long rows' query has rows to look at."""
    conn.execute("ALTER TABLE agenda_busy DISABLE TRIGGER agenda_busy_no_clash")
    conn.execute(
        """
        INSERT INTO agenda_busy (event_id, calendar_id, user_id, agreement_id, centre_id,
                                 during, recurrence_local, all_day, travel_minutes)
        SELECT e.id, e.calendar_id, e.user_id, e.agreement_id, e.centre_id,
               tstzrange(((d::date + time '09:00') AT TIME ZONE 'Europe/Paris'),
                         ((d::date + 4 + time '17:00') AT TIME ZONE 'Europe/Paris')),
               d::date + time '09:00', false, 20
        FROM (SELECT DISTINCT ON (calendar_id) * FROM agenda_events
              ORDER BY calendar_id, id) e
        JOIN (SELECT id FROM agenda_calendars ORDER BY id LIMIT %(people)s) c
          ON c.id = e.calendar_id
        CROSS JOIN generate_series(%(first)s::date, %(last)s::date, %(every)s * interval '1 day') d
        WHERE e.user_id <> %(officer)s AND NOT EXISTS (
            SELECT 1 FROM agenda_busy b WHERE b.user_id = e.user_id
              AND lower(b.during) = ((d::date + time '09:00') AT TIME ZONE 'Europe/Paris'))
        """,
        {
            "people": people,
            "first": HISTORY_END - timedelta(days=days - 1),
            "last": HISTORY_END,
            "every": TRIP_EVERY,
            "officer": officer_id,
        },
    )
    conn.execute(
        """
        INSERT INTO agenda_busy (event_id, calendar_id, user_id, agreement_id, centre_id,
                                 during, recurrence_local, all_day, travel_minutes)
        SELECT e.id, e.calendar_id, e.user_id, e.agreement_id, e.centre_id,
               tstzrange((v.s AT TIME ZONE 'Europe/Paris'), (v.f AT TIME ZONE 'Europe/Paris')),
               v.s, v.all_day, v.travel
        FROM (SELECT * FROM agenda_events WHERE user_id = %(officer)s ORDER BY id LIMIT 1) e
        CROSS JOIN (VALUES
            (%(leave)s::timestamp, %(probe)s::timestamp, true, 0),
            (%(trip)s::timestamp, %(trip_end)s::timestamp, false, 20)) AS v(s, f, all_day, travel)
        WHERE NOT EXISTS (SELECT 1 FROM agenda_busy b WHERE b.user_id = %(officer)s
                          AND upper(b.during) - lower(b.during) > interval '24 hours')
        """,
        {
            "officer": officer_id,
            "leave": datetime.combine(PROBE_DAY - timedelta(days=14), clock(0)),
            "probe": datetime.combine(PROBE_DAY, clock(0)),
            "trip": datetime.combine(PROBE_DAY - timedelta(days=21), clock(9)),
            "trip_end": datetime.combine(PROBE_DAY - timedelta(days=17), clock(17)),
        },
    )
    conn.execute("ALTER TABLE agenda_busy ENABLE TRIGGER agenda_busy_no_clash")
    conn.execute("ANALYZE agenda_busy")
    conn.commit()


def pad_to(conn: psycopg.Connection, total: int) -> None:
    """Top the table up to exactly `total` rows with older slots of the bench people."""
    missing = total - conn.execute("SELECT count(*) FROM agenda_busy").fetchone()[0]
    if missing <= 0:
        return
    conn.execute("ALTER TABLE agenda_busy DISABLE TRIGGER agenda_busy_no_clash")
    conn.execute(
        """
        INSERT INTO agenda_busy (event_id, calendar_id, user_id, agreement_id, centre_id,
                                 during, recurrence_local, travel_minutes)
        SELECT e.id, e.calendar_id, e.user_id, e.agreement_id, e.centre_id,
               tstzrange(timestamptz '2015-01-01 18:00+00' + n * interval '1 day',
                         timestamptz '2015-01-01 19:00+00' + n * interval '1 day'),
               timestamp '2015-01-01 19:00' + n * interval '1 day', 20
        FROM (SELECT * FROM agenda_events WHERE uid LIKE 'bench-%%' ORDER BY id LIMIT 1) e
        CROSS JOIN generate_series(0, %s::int - 1) n
        """,
        (missing,),
    )
    conn.execute("ALTER TABLE agenda_busy ENABLE TRIGGER agenda_busy_no_clash")
    conn.execute("ANALYZE agenda_busy")
    conn.commit()


# The trigger's two queries (migration 0017): rows starting up to a day before, on
# ix_agenda_busy_user_start; rows longer than a day starting up to 42 days before,
# on the partial index ix_agenda_busy_user_long.
TRIGGER_QUERY = """
SELECT b.id FROM agenda_busy b
WHERE b.user_id = %(user)s
  AND lower(b.during) > lower(%(during)s::tstzrange) - interval '{back}' - interval '240 minutes'
  AND lower(b.during) < upper(%(during)s::tstzrange) + interval '240 minutes'
  {extra}
  AND (b.during && %(during)s::tstzrange
       OR (b.centre_id <> %(centre)s
           AND tstzrange(lower(b.during) - make_interval(mins => greatest(b.travel_minutes, 20)),
                         upper(b.during) + make_interval(mins => greatest(b.travel_minutes, 20)))
               && %(during)s::tstzrange))
ORDER BY lower(b.during) LIMIT 1
"""
SHORT_QUERY = TRIGGER_QUERY.format(back="24 hours", extra="")
LONG_QUERY = TRIGGER_QUERY.format(
    back="42 days 1 hour", extra="AND upper(b.during) - lower(b.during) > interval '24 hours'"
)


def measure_check(conn: psycopg.Connection, officer, centre_id: int) -> dict:
    """Median time of one INSERT into agenda_busy (the trigger's check), rolled back."""
    calendar_id, user_id, agreement_id, event_id = officer
    free = f"[{_instant(PROBE_DAY, 14)},{_instant(PROBE_DAY, 16)})"
    clash = f"[{_instant(PROBE_DAY, 7, 30)},{_instant(PROBE_DAY, 9)})"
    # Inside the officer's leave, ten days after it began: only the long rows' query sees it.
    leave_day = PROBE_DAY - timedelta(days=4)
    in_leave = f"[{_instant(leave_day, 14)},{_instant(leave_day, 15)})"
    insert = (
        "INSERT INTO agenda_busy (event_id, calendar_id, user_id, agreement_id, centre_id,"
        " during, recurrence_local, travel_minutes)"
        " VALUES (%s, %s, %s, %s, %s, %s::tstzrange, %s, 20)"
    )
    wall = datetime.combine(PROBE_DAY, clock(14))
    timings: dict[str, list[float]] = {"free": [], "clash": [], "in_leave": []}
    for _ in range(CHECK_RUNS):
        for name, during in (("free", free), ("clash", clash), ("in_leave", in_leave)):
            started = time.perf_counter()
            try:
                conn.execute(
                    insert,
                    (event_id, calendar_id, user_id, agreement_id, centre_id, during, wall),
                )
                outcome = "booked"
            except psycopg.errors.ExclusionViolation:
                outcome = "refused"
            timings[name].append(time.perf_counter() - started)
            conn.rollback()
            assert outcome == ("booked" if name == "free" else "refused"), (name, outcome)
    plans = {}
    for name, query in (("plan", SHORT_QUERY), ("long_plan", LONG_QUERY)):
        plan = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) " + query,
            {"user": user_id, "during": free, "centre": centre_id},
        ).fetchall()
        conn.rollback()
        plans[name] = [line for (line,) in plan]
    return {name: statistics.median(values) for name, values in timings.items()} | plans


def measure_book(app, user_id: int, agreement_id: int, centre_id: int) -> float:
    """Median time of a whole booking through the operations, rolled back."""
    from ensemble.agenda import operations as agenda
    from ensemble.agenda.models import Category
    from ensemble.extensions import db
    from ensemble.tenancy import context
    from ensemble.tenancy.scopes import context_for_user

    timings = []
    with (
        app.app_context(),
        app.test_request_context(),
        context.using(context_for_user(db.session, user_id), db.session),
    ):
        calendar = agenda.open_calendar(db.session, agreement_id, user_id)
        config = agenda.Settings(share_policy="warn")
        for _ in range(BOOK_RUNS):
            started = time.perf_counter()
            agenda.book(
                db.session,
                calendar,
                centre_id=centre_id,
                category=Category.WORKSHOP,
                title="Atelier numérique",
                starts_local=datetime.combine(PROBE_DAY, clock(14)),
                ends_local=datetime.combine(PROBE_DAY, clock(16)),
                config=config,
            )
            timings.append(time.perf_counter() - started)
            db.session.rollback()
    return statistics.median(timings)


# --- (b) The feed ---------------------------------------------------------------------------

# (weekday, start, end, centre slug) of the officer's twelve weekly slots
SERIES = [
    (0, clock(9), clock(11), "alma"),
    (0, clock(14), clock(16), "fresnoy-mackellerie"),
    (1, clock(9), clock(11), "basse-masure"),
    (1, clock(14), clock(16), "fresnoy-mackellerie"),
    (2, clock(9), clock(11), "alma"),
    (2, clock(14), clock(16), "basse-masure"),
    (3, clock(9), clock(11), "fresnoy-mackellerie"),
    (3, clock(14), clock(16), "alma"),
    (4, clock(9), clock(11), "basse-masure"),
    (4, clock(14), clock(16), "alma"),
    (5, clock(10), clock(12), "fresnoy-mackellerie"),
    (5, clock(14), clock(15), "basse-masure"),
]
MOVED, CANCELLED = 15, 10  # per series


def build_feed_officer(app) -> tuple[int, int, int]:
    """The demo officer's calendar replaced by three years of weekly events (18
    months back, 18 months ahead), booked through the operations. Returns
    (user id, event rows, occurrences materialised)."""
    from sqlalchemy import func, select

    from ensemble.agenda import operations as agenda
    from ensemble.agenda.models import Busy, Category, Event
    from ensemble.extensions import db
    from ensemble.network.models import Centre
    from ensemble.people.models import User
    from ensemble.sharing.models import Agreement
    from ensemble.tenancy import context
    from ensemble.tenancy.scopes import context_for_user

    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.email == OFFICER))
        with context.using(context_for_user(db.session, officer.id), db.session):
            agreement = db.session.scalar(select(Agreement).where(Agreement.title == OFFICER_POST))
            centres = {
                c.slug: c.id
                for c in db.session.scalars(
                    select(Centre).where(
                        Centre.slug.in_(["alma", "fresnoy-mackellerie", "basse-masure"])
                    )
                )
            }
            calendar = agenda.open_calendar(db.session, agreement.id, officer.id)
            user_id = officer.id
            # The demo's week (and the bulk history of part a) makes way for the three years.
            for event in db.session.scalars(
                select(Event).where(Event.calendar_id == calendar.id, Event.series_id.is_(None))
            ).all():
                agenda.delete_event(db.session, event)
            first_monday = date.today() - timedelta(days=date.today().weekday() + 78 * 7)
            last_day = first_monday + timedelta(weeks=156) - timedelta(days=1)
            config = agenda.Settings(share_policy="warn")
            for n, (weekday, start, end, slug) in enumerate(SERIES):
                day = first_monday + timedelta(days=weekday)
                series = agenda.book(
                    db.session,
                    calendar,
                    centre_id=centres[slug],
                    category=Category.WORKSHOP if n % 2 else Category.DROP_IN,
                    title=f"Atelier hebdomadaire n°{n + 1}",
                    participants="Groupe du quartier",
                    starts_local=datetime.combine(day, start),
                    ends_local=datetime.combine(day, end),
                    rrule="FREQ=WEEKLY;UNTIL=" + last_day.strftime("%Y%m%d") + "T235959",
                    config=config,
                ).event
                weeks = [day + timedelta(weeks=w) for w in range(3, 156, 6)]
                for moved in weeks[:MOVED]:
                    agenda.move_occurrence(
                        db.session,
                        series,
                        datetime.combine(moved, start),
                        starts_local=datetime.combine(moved, start) + timedelta(minutes=30),
                        ends_local=datetime.combine(moved, end) + timedelta(minutes=30),
                        config=config,
                    )
                for cancelled in weeks[MOVED : MOVED + CANCELLED]:
                    agenda.cancel_occurrence(db.session, series, datetime.combine(cancelled, start))
            # Two one-off events a working day, between the weekly slots.
            day = first_monday
            while day <= last_day:
                if day.weekday() < 5:
                    for hour, slug in ((12, "alma"), (17, "basse-masure")):
                        agenda.book(
                            db.session,
                            calendar,
                            centre_id=centres[slug],
                            category=Category.MEETING,
                            title="Rendez-vous",
                            starts_local=datetime.combine(day, clock(hour, 30)),
                            ends_local=datetime.combine(day, clock(hour + 1, 15)),
                            config=config,
                        )
                day += timedelta(days=1)
            db.session.commit()
            events = db.session.scalar(
                select(func.count(Event.id)).where(Event.calendar_id == calendar.id)
            )
            occurrences = db.session.scalar(
                select(func.count(Busy.id)).where(
                    Busy.calendar_id == calendar.id,
                    func.lower(Busy.during) > agenda.day_start(first_monday - timedelta(days=1)),
                )
            )
    return user_id, events, occurrences


def measure_feed(app, user_id: int) -> dict:
    from ensemble.agenda import feeds
    from ensemble.agenda import operations as agenda
    from ensemble.extensions import db
    from ensemble.tenancy import context
    from ensemble.tenancy.scopes import context_for_user

    with (
        app.app_context(),
        app.test_request_context(),
        context.using(context_for_user(db.session, user_id), db.session),
    ):
        feed = agenda.regenerate_feed(db.session, user_id=user_id)
        token = feeds.token(app.config["SECRET_KEY"], feed.id, feed.nonce)
        db.session.commit()
    client = app.test_client()
    url = f"/agenda/flux/{token}.ics"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    size = len(first.data)
    events = len(re.findall(rb"BEGIN:VEVENT", first.data))
    tag = first.headers["ETag"]
    full, cached = [], []
    for _ in range(FEED_RUNS):
        started = time.perf_counter()
        response = client.get(url)
        full.append(time.perf_counter() - started)
        assert response.status_code == 200 and response.headers["ETag"] == tag
        started = time.perf_counter()
        response = client.get(url, headers={"If-None-Match": tag})
        cached.append(time.perf_counter() - started)
        assert response.status_code == 304 and not response.data
    return {
        "size": size,
        "vevents": events,
        "full": statistics.median(full),
        "cached": statistics.median(cached),
    }


# --- Run ----------------------------------------------------------------------------------


def main() -> int:
    started = time.perf_counter()
    with bench_app(DATABASE) as (urls, app):
        return run(app, urls, started)


def run(app, urls, started: float) -> int:
    ok = True
    with psycopg.connect(_libpq(urls.admin)) as conn:
        officer = _officer_calendar(conn)
        calendar_id, user_id, agreement_id, _event = officer
        fresnoy = conn.execute(
            "SELECT id FROM centres WHERE slug = 'fresnoy-mackellerie'"
        ).fetchone()[0]
        demo_rows = conn.execute("SELECT count(*) FROM agenda_busy").fetchone()[0]
        add_people(conn, agreement_id, fresnoy, PEOPLE_SMALL)
        days_small = (SMALL - demo_rows) * TRIP_EVERY // (PEOPLE_SMALL * (TRIP_EVERY + 1))
        fill_history(conn, PEOPLE_SMALL, days_small)
        add_trips(conn, PEOPLE_SMALL, days_small, user_id)
        pad_to(conn, SMALL)
        small_rows = conn.execute("SELECT count(*) FROM agenda_busy").fetchone()[0]
        print(f"set-up (demo + {small_rows} busy rows): {time.perf_counter() - started:.1f} s")
        small = measure_check(conn, officer, fresnoy)
        small["book"] = measure_book(app, user_id, agreement_id, fresnoy)

        add_people(conn, agreement_id, fresnoy, PEOPLE_LARGE)
        days_large = (LARGE - demo_rows) * TRIP_EVERY // (PEOPLE_LARGE * (TRIP_EVERY + 1))
        fill_history(conn, PEOPLE_LARGE, days_large)
        add_trips(conn, PEOPLE_LARGE, days_large, user_id)
        pad_to(conn, LARGE)
        large_rows, people, long_rows = conn.execute(
            "SELECT count(*), count(DISTINCT user_id),"
            " count(*) FILTER (WHERE upper(during) - lower(during) > interval '24 hours')"
            " FROM agenda_busy"
        ).fetchone()
        officer_rows = conn.execute(
            "SELECT count(*) FROM agenda_busy WHERE user_id = %s", (user_id,)
        ).fetchone()[0]
        print(
            f"set-up ({large_rows} busy rows, {long_rows} longer than a day, {people} people,"
            f" the officer {officer_rows}):"
            f" {time.perf_counter() - started:.1f} s"
        )
        large = measure_check(conn, officer, fresnoy)
        large["book"] = measure_book(app, user_id, agreement_id, fresnoy)

    print(f"\n(a) clash check for one booking, {small_rows:,} vs {large_rows:,} busy rows")
    for name, label in (
        ("free", "free slot"),
        ("clash", "clash found"),
        ("in_leave", "inside the officer's leave"),
    ):
        print(
            f"  trigger check, {label}: {small[name] * 1000:.3f} ms vs {large[name] * 1000:.3f} ms"
            f" (median of {CHECK_RUNS})"
        )
    print(
        f"  whole booking (operations.book): {small['book'] * 1000:.2f} ms vs"
        f" {large['book'] * 1000:.2f} ms (median of {BOOK_RUNS})"
    )
    growth = large["free"] / small["free"]
    growth_clash = large["clash"] / small["clash"]
    growth_book = large["book"] / small["book"]
    growth_leave = large["in_leave"] / small["in_leave"]
    print(f"  growth ×100 rows: check {growth:.2f}×, clash {growth_clash:.2f}×,", end=" ")
    print(f"in leave {growth_leave:.2f}×,", end=" ")
    print(f"booking {growth_book:.2f}× (goal < 2×): {'OK' if growth < 2 else 'TOO SLOW'}")
    ok &= growth < 2
    for key, what in (("plan", "rows starting within a day"), ("long_plan", "longer rows")):
        print(f"  EXPLAIN of the trigger's query for {what}, at {small_rows:,} rows:")
        for line in small[key]:
            print("    " + line)
        print(f"  EXPLAIN at {large_rows:,} rows:")
        for line in large[key]:
            print("    " + line)
    ok &= any("Index" in line and "ix_agenda_busy_user_start" in line for line in large["plan"])
    ok &= any("Index" in line and "ix_agenda_busy_user_long" in line for line in large["long_plan"])

    user_id, events, occurrences = build_feed_officer(app)
    feed = measure_feed(app, user_id)
    ratio = feed["full"] / feed["cached"]
    print(
        f"\n(b) feed of an officer with three years of weekly events: {events} event rows"
        f" ({len(SERIES)} weekly series, {len(SERIES) * MOVED} moved occurrences, one-offs),"
        f" {occurrences} occurrences; body {feed['size'] / 1024:.0f} KiB, {feed['vevents']} VEVENT"
    )
    print(
        f"  full request (built): {feed['full'] * 1000:.1f} ms, conditional (304 on ETag):"
        f" {feed['cached'] * 1000:.2f} ms (median of {FEED_RUNS})"
    )
    print(f"  ratio built / 304: {ratio:.1f}× (goal ≥ 10×): {'OK' if ratio >= 10 else 'TOO SLOW'}")
    ok &= ratio >= 10
    print(f"\ntotal: {time.perf_counter() - started:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
