"""Benchmark: CalDAV beside Radicale, holding the same three years of the
officer's events, on the same machine.

The officer's calendar is rebuilt as bench/agenda.py builds it (twelve weekly
series over three years with moved and cancelled occurrences, two one-off
events a working day), booked through the operations. Ensemble is served by
gunicorn (one sync worker); Radicale (installed for the benchmark only, dev
extras) by its own server on loopback, with its storage in a temporary folder
and plain htpasswd authentication. Radicale is loaded with the very objects
Ensemble serves (fetched from Ensemble, PUT into Radicale). Then, in
interleaved rounds on both servers, over HTTP with Basic authentication:

(a) a time-range calendar-query REPORT over one month (ETags and calendar
    data), median of the rounds (the first query of each server, which builds
    what it keeps — Ensemble the objects' text in Redis, Radicale its item
    cache — is printed apart);
(b) a sync-collection REPORT after one change (one event renamed by PUT just
    before), median of the rounds.

Printed: each median, the number of objects each server answered, and the
ratios Ensemble ÷ Radicale (goal ≤ 1).

(c) the slot finder (ensemble.agenda.finding) on that same calendar, in the
    process, as Fresnoy Mackellerie's director asks it: 1 h for the officer at
    Fresnoy (his weekdays here leave no two free hours in a row), over one
    week and over three months from next Monday, median of the interleaved
    rounds, with the number of proposals and trial bookings;
    the ratio three months ÷ one week (goal ≤ 13, i.e. linear at worst: 92
    days are 13 weeks).

`--finder` runs (c) alone (no gunicorn, no Radicale).

    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 python bench/caldav.py

The database `ensemble_bench_caldav` and the temporary folder are removed at the end.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agenda import OFFICER, build_feed_officer  # noqa: E402
from network import bench_app, urls_from_environment  # noqa: E402

DATABASE = "ensemble_bench_caldav"
NAMESPACE = "ensemble-bench-caldav"
ROUNDS = 15
RADICALE_USER, RADICALE_PASSWORD = "officer", "bench-only"
NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dav:
    """One keep-alive HTTP connection with Basic authentication."""

    def __init__(self, port: int, user: str, password: str):
        self.port = port
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def __call__(self, method: str, path: str, body: bytes = b"", **headers) -> tuple[int, bytes]:
        headers = {"Authorization": self.auth, **headers}
        if body and "Content-Type" not in headers:
            headers["Content-Type"] = "application/xml; charset=utf-8"
        self.connection.request(method, path, body=body or None, headers=headers)
        answer = self.connection.getresponse()
        return answer.status, answer.read()

    def timed(self, method: str, path: str, body: bytes = b"", **headers):
        started = time.perf_counter()
        status, data = self(method, path, body, **headers)
        return time.perf_counter() - started, status, data


def _wait(port: int, process: subprocess.Popen, name: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{name} stopped during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer")


def query_body(start: date, end: date) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><C:calendar-query {NS}>'
        "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{start:%Y%m%d}T000000Z" end="{end:%Y%m%d}T000000Z"/>'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    ).encode()


def sync_body(token: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><D:sync-collection {NS}>'
        f"<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>"
        "<D:prop><D:getetag/></D:prop></D:sync-collection>"
    ).encode()


def _token(data: bytes) -> str:
    return re.search(rb"<(?:\w+:)?sync-token>([^<]*)</", data).group(1).decode()


def _hrefs(data: bytes) -> list[str]:
    return [h.decode() for h in re.findall(rb"<(?:\w+:)?href>([^<]*)</", data)]


def _objects(data: bytes) -> list[tuple[str, bytes]]:
    """(href, calendar data) of a REPORT answer."""
    found = []
    for response in re.findall(rb"<(?:\w+:)?response>(.*?)</(?:\w+:)?response>", data, re.S):
        href = re.search(rb"<(?:\w+:)?href>([^<]*)</", response).group(1).decode()
        ical = re.search(rb"<(?:\w+:)?calendar-data[^>]*>(.*?)</", response, re.S)
        if ical:
            text = ical.group(1).replace(b"&#13;", b"\r").replace(b"&amp;", b"&")
            found.append((href, text.replace(b"&lt;", b"<").replace(b"&gt;", b">")))
    return found


def start_ensemble(app, urls, redis_url: str) -> tuple[int, subprocess.Popen, str, int]:
    from sqlalchemy import select

    from ensemble.agenda.models import Calendar
    from ensemble.caldav import passwords
    from ensemble.extensions import db
    from ensemble.people.models import User
    from ensemble.tenancy import context
    from ensemble.tenancy.scopes import context_for_user

    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == OFFICER))
        with context.using(context_for_user(db.session, officer.id), db.session):
            _row, secret = passwords.create(db.session, officer, "Banc d’essai")
            calendar_id = db.session.scalar(
                select(Calendar.id).where(Calendar.user_id == officer.id).order_by(Calendar.id)
            )
            db.session.commit()
        user_id = officer.id
    port = _free_port()
    env = {
        **os.environ,
        **urls.as_env(),
        "REDIS_URL": redis_url,
        "REDIS_NAMESPACE": NAMESPACE,
        "ENSEMBLE_ENV": "production",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_BACKEND": "memory",
        # Production refuses to start without it (links are built from it, never the Host).
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "ensemble.wsgi:app",
        ],
        env=env,
    )
    _wait(port, process, "gunicorn")
    return port, process, secret, calendar_id, user_id


def start_radicale(folder: Path) -> tuple[int, subprocess.Popen]:
    port = _free_port()
    (folder / "users").write_text(f"{RADICALE_USER}:{RADICALE_PASSWORD}\n")
    config = folder / "config"
    config.write_text(
        textwrap.dedent(
            f"""
            [server]
            hosts = 127.0.0.1:{port}
            [auth]
            type = htpasswd
            htpasswd_filename = {folder / "users"}
            htpasswd_encryption = plain
            delay = 0
            [rights]
            type = owner_only
            [storage]
            filesystem_folder = {folder / "collections"}
            [logging]
            level = warning
            """
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=subprocess.DEVNULL,
    )
    _wait(port, process, "radicale")
    return port, process


FINDER_ROUNDS = 9
FINDER_GOAL = 13
FINDER_DIRECTOR = "thomas.lefebvre@fresnoy.demo"


def finder(app) -> bool:
    """(c): the finder over one week and over three months; True when within the goal."""
    from sqlalchemy import select

    from ensemble.agenda import finding
    from ensemble.agenda.models import Calendar
    from ensemble.extensions import db
    from ensemble.network.models import Centre
    from ensemble.people.models import User
    from ensemble.tenancy import context
    from ensemble.tenancy.scopes import context_for_user

    today = date.today()
    monday = today + timedelta(days=7 - today.weekday())
    windows = {"1 week": monday + timedelta(days=6), "3 months": monday + timedelta(days=91)}
    times: dict[str, list[float]] = {label: [] for label in windows}
    found: dict[str, int] = {}
    trials: dict[str, int] = {}
    with app.app_context(), app.test_request_context():
        director = db.session.scalar(select(User).where(User.email == FINDER_DIRECTOR))
        officer = db.session.scalar(select(User).where(User.email == OFFICER))
        with context.using(context_for_user(db.session, director.id), db.session):
            fresnoy = db.session.scalar(select(Centre).where(Centre.slug == "fresnoy-mackellerie"))
            calendar = db.session.scalar(
                select(Calendar).where(Calendar.user_id == officer.id).order_by(Calendar.id)
            )
            counted = finding.trial

            def counting(*args, **kwargs):
                trials[current] = trials.get(current, 0) + 1
                return counted(*args, **kwargs)

            finding.trial = counting
            try:
                for _round in range(FINDER_ROUNDS):
                    for current, last in windows.items():
                        trials[current] = 0
                        begin = time.perf_counter()
                        proposals = finding.find(
                            db.session, calendar, fresnoy.id, timedelta(hours=1), monday, last
                        )
                        times[current].append(time.perf_counter() - begin)
                        found[current] = len(proposals)
                        db.session.rollback()
            finally:
                finding.trial = counted
    medians = {label: statistics.median(values) for label, values in times.items()}
    print(
        f"\nslot finder, 1 h at Fresnoy Mackellerie from {monday:%d/%m/%Y}"
        f" (median of {FINDER_ROUNDS}):"
    )
    for label in windows:
        print(
            f"  {label:8}: {medians[label] * 1000:7.1f} ms, {found[label]} proposals,"
            f" {trials[label]} trial bookings"
        )
    ratio = medians["3 months"] / medians["1 week"]
    print(
        f"ratio finder 3 months ÷ 1 week: {ratio:.2f} (goal ≤ {FINDER_GOAL}):"
        f" {'OK' if ratio <= FINDER_GOAL else 'SLOWER'}"
    )
    return ratio <= FINDER_GOAL


def main() -> int:
    started = time.perf_counter()
    _admin, redis_url = urls_from_environment()
    with bench_app(DATABASE) as (urls, app), tempfile.TemporaryDirectory() as tmp:
        user_id, events, occurrences = build_feed_officer(app)
        print(
            f"officer's calendar: {events} event rows, {occurrences} occurrences over three years"
            f" ({time.perf_counter() - started:.0f} s to book through the operations)"
        )
        if "--finder" in sys.argv[1:]:
            return 0 if finder(app) else 1
        port, ensemble_server, secret, calendar_id, user_id = start_ensemble(app, urls, redis_url)
        radicale_port, radicale_server = start_radicale(Path(tmp))
        try:
            status = run(port, secret, calendar_id, user_id, radicale_port, Path(tmp))
        finally:
            for process in (ensemble_server, radicale_server):
                process.terminate()
                process.wait(timeout=30)
        return status if finder(app) else 1


def run(
    port: int, secret: str, calendar_id: int, user_id: int, radicale_port: int, radicale_folder
) -> int:
    ensemble = Dav(port, OFFICER, secret)
    radicale = Dav(radicale_port, RADICALE_USER, RADICALE_PASSWORD)
    ours = f"/dav/{user_id}/agenda-{calendar_id}/"
    theirs = f"/{RADICALE_USER}/agenda/"

    # Radicale holds the very objects Ensemble serves.
    status, everything = ensemble("REPORT", ours, query_body(date(1990, 1, 1), date(2100, 1, 1)))
    assert status == 207, status
    objects = _objects(everything)
    assert radicale("MKCALENDAR", theirs)[0] == 201
    # Written into its storage folder (one .ics file per object, as its PUT
    # writes them) while no request runs: 1,500 PUTs would take minutes.
    collection = radicale_folder / "collections" / "collection-root" / RADICALE_USER / "agenda"
    for href, ical in objects:
        (collection / href.rsplit("/", 1)[-1]).write_bytes(ical)
    print(f"Radicale holds the same {len(objects)} objects")
    first = date.today().replace(day=1) + timedelta(days=32)
    month = (first.replace(day=1), (first.replace(day=1) + timedelta(days=32)).replace(day=1))
    body = query_body(*month)
    # Loading Radicale read every object from Ensemble: forget what that built.
    from ensemble import redis_store

    store = redis_store.client(os.environ["REDIS_URL"])
    built = list(store.scan_iter(match=f"{NAMESPACE}:caldav-object:*", count=1000))
    if built:
        store.delete(*built)
    # The first query of each server builds what it keeps (Ensemble: objects' text in
    # Redis under their ETag; Radicale: its item cache): timed apart, for information.
    cold = {
        label: server.timed("REPORT", path, body)[0]
        for label, server, path in (("ensemble", ensemble, ours), ("radicale", radicale, theirs))
    }
    # The event renamed before each sync: a one-off event of that month.
    answered = {
        name: _objects(server("REPORT", path, body)[1])
        for name, server, path in (("ensemble", ensemble, ours), ("radicale", radicale, theirs))
    }
    # (Every object carries the VTIMEZONE's yearly rules: look for the event's own.)
    single = next((h, ical) for h, ical in answered["ensemble"] if b"RRULE:FREQ=WEEKLY" not in ical)
    name = single[0].rsplit("/", 1)[-1]
    tokens = {
        "ensemble": _token(ensemble("REPORT", ours, sync_body(""))[1]),
        "radicale": _token(radicale("REPORT", theirs, sync_body(""))[1]),
    }
    query = {"ensemble": [], "radicale": []}
    sync = {"ensemble": [], "radicale": []}
    changed: dict[str, set[int]] = {"ensemble": set(), "radicale": set()}
    for n in range(ROUNDS):
        for label, server, path in (("ensemble", ensemble, ours), ("radicale", radicale, theirs)):
            elapsed, status, _ = server.timed("REPORT", path, body, Depth="1")
            assert status == 207, (label, status)
            query[label].append(elapsed)
            renamed = re.sub(rb"SUMMARY:[^\r\n]*", f"SUMMARY:Rendez-vous {n}".encode(), single[1])
            status, _ = server("PUT", path + name, renamed, **{"Content-Type": "text/calendar"})
            assert status in (201, 204), (label, status)
            elapsed, status, data = server.timed("REPORT", path, sync_body(tokens[label]))
            assert status == 207, (label, status)
            sync[label].append(elapsed)
            changed[label].add(len([h for h in _hrefs(data) if h.endswith(".ics")]))
            tokens[label] = _token(data)

    medians = {
        kind: {label: statistics.median(values) for label, values in times.items()}
        for kind, times in (("query", query), ("sync", sync))
    }
    print(f"\ntime-range calendar-query over {month[0]:%B %Y} (median of {ROUNDS}):")
    for label in ("ensemble", "radicale"):
        print(
            f"  {label:8}: {medians['query'][label] * 1000:7.1f} ms, {len(answered[label])} objects"
        )
    print(
        f"  (first query, building what each keeps: ensemble {cold['ensemble'] * 1000:.1f} ms,"
        f" radicale {cold['radicale'] * 1000:.1f} ms; one object is renamed between rounds)"
    )
    print(f"sync-collection after one change (median of {ROUNDS}):")
    for label in ("ensemble", "radicale"):
        print(
            f"  {label:8}: {medians['sync'][label] * 1000:7.1f} ms,"
            f" changed objects reported per sync: {sorted(changed[label])}"
        )
    ok = True
    for kind, label in (("query", "calendar-query, one month"), ("sync", "sync-collection")):
        ratio = medians[kind]["ensemble"] / medians[kind]["radicale"]
        ok &= ratio <= 1
        print(
            f"ratio Ensemble ÷ Radicale, {label}: {ratio:.2f} (goal ≤ 1):"
            f" {'OK' if ratio <= 1 else 'SLOWER'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
