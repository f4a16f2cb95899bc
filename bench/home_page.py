"""Benchmark: the home pages of the four roles against the framework's ceiling.

Starts the app under gunicorn against PostgreSQL with a network of 2,300
centres and prints, measured in one run, the requests per second of a bare
endpoint of the same app (/_ping, which touches neither the database nor
Redis) and of the four home pages that answer « what needs me today? »:

- the director's centre home (/c/alma/), once as configured (page cache on:
  goal ≥ 0.35 of the bare endpoint) and once with the page cache off;
- the officer's and the HR manager's landing pages (/, several places each)
  and the analyst's federation home (/f/nord/), page cache off.

Goal for each page with the page cache off (PAGE_CACHE_SECONDS=0, what a
person gets after any change): ≥ 0.25 of the bare endpoint. The bounded
number of SQL statements of each page, the same on two network sizes, is a
test (tests/test_tenancy_http.py).

    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 python bench/home_page.py

The load comes from wrk (Debian package `wrk`) when installed, otherwise from
Python client processes, which are heavier and so flatter the ratio (the
loader used is printed). Both endpoints are measured in alternating rounds so
that noise from other work on the machine hits them alike. The bounded number
of SQL statements of the home page is a test (tests/test_tenancy_http.py).
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from network import add_centres, bench_database, urls_from_environment  # noqa: E402

from ensemble.devstack.bootstrap import _libpq  # noqa: E402

DATABASE = "ensemble_bench_home"
DIRECTOR = "claire.vasseur@alma.demo"
HOME = "/c/alma/"
# (who, which page) of the four roles, measured with the page cache off.
HOMES = {
    "director, centre home /c/alma/": (DIRECTOR, HOME),
    "officer, landing page /": ("hugo.carpentier@alma.demo", "/"),
    "HR manager, landing page /": ("marion.delattre@rh.demo", "/"),
    "analyst, federation home /f/nord/": ("paul.verhaeghe@federation-nord.demo", "/f/nord/"),
}
UNCACHED_GOAL = 0.25
CACHED_GOAL = 0.35
PING = "/_ping"
# gunicorn sync workers, as gunicorn advises: 2 × cores + 1 (a worker waiting on
# PostgreSQL leaves its core to another).
WORKERS = 2 * (os.cpu_count() or 1) + 1
CLIENTS = 2 * WORKERS
ROUND_SECONDS = 5.0
ROUNDS = 3
COOKIE = "ensemble_session"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, cookie: str = "", body: str = ""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    data = response.read().decode()
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    conn.close()
    new_cookie = jar[COOKIE].value if COOKIE in jar else cookie
    return response.status, data, new_cookie


def sign_in(port: int, email: str = DIRECTOR, home: str = HOME) -> str:
    from urllib.parse import urlencode

    status, page, cookie = _request(port, "GET", "/connexion")
    assert status == 200, status
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    form = urlencode({"email": email, "password": "ensemble-demo", "csrf_token": token})
    status, _, cookie = _request(port, "POST", "/connexion", cookie, form)
    assert status == 302, f"sign-in answered {status}"
    # Keep the cookie of the first page: it carries the session's CSRF secret.
    status, page, cookie = _request(port, "GET", home, cookie)
    assert status == 200 and "Ce qui vous attend" in page, (email, status)
    return cookie


def _hammer(args: tuple[int, str, str, float]) -> int:
    """One client: requests back to back for `seconds`; returns how many got a 200."""
    port, path, cookie, seconds = args
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    done = 0
    deadline = time.perf_counter() + seconds
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.perf_counter() < deadline:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        done += 1
    conn.close()
    return done


def requests_per_second(pool, port: int, path: str, cookie: str) -> float:
    if shutil.which("wrk"):
        return _wrk(port, path, cookie)
    started = time.perf_counter()
    counts = pool.map(_hammer, [(port, path, cookie, ROUND_SECONDS)] * CLIENTS)
    return sum(counts) / (time.perf_counter() - started)


def _wrk(port: int, path: str, cookie: str) -> float:
    out = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(CLIENTS),
            "--duration",
            f"{ROUND_SECONDS:.0f}s",
            "--header",
            f"Cookie: {COOKIE}={cookie}" if cookie else "X-Bench: anonymous",
            f"http://127.0.0.1:{port}{path}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"{path}: errors under load\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped during start-up")
        try:
            if _request(port, "GET", PING)[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer")


def main() -> int:
    admin_url, redis_url = urls_from_environment()
    from flask_migrate import upgrade

    from ensemble import create_app

    with bench_database(admin_url, DATABASE) as urls:
        env = {
            **os.environ,
            **urls.as_env(),
            "REDIS_URL": redis_url,
            "REDIS_NAMESPACE": "ensemble-bench-home",
            "ENSEMBLE_ENV": "production",
            "SECRET_KEY": "bench-only-secret",
            "MAIL_BACKEND": "memory",
            # Required in production; the Host the clients send is 127.0.0.1.
            "PUBLIC_URL": "http://127.0.0.1",
        }
        os.environ.update(env)
        app = create_app({"ENSEMBLE_ENV": "test"})
        with app.app_context():
            from tenants.demo import load

            upgrade()
            load()
            from ensemble.extensions import db

            db.engine.dispose()
        with psycopg.connect(_libpq(urls.admin)) as conn:
            add_centres(conn)
            conn.execute("ANALYZE")
            centres = conn.execute("SELECT count(*) FROM centres").fetchone()[0]
        print(f"network: {centres} centres")
        # Two servers of the same app: as configured (page cache on), and with the
        # page cache off, to show what rendering the page costs.
        servers = {"cached": _start(env, {}), "uncached": _start(env, {"PAGE_CACHE_SECONDS": "0"})}
        try:
            for port, process in servers.values():
                _wait_until_up(port, process)
            cached_port, uncached_port = servers["cached"][0], servers["uncached"][0]
            loader = "wrk" if shutil.which("wrk") else "Python client processes"
            print(
                f"gunicorn: {WORKERS} sync workers; load: {loader}, {CLIENTS} connections,"
                f" {ROUNDS} alternating rounds of {ROUND_SECONDS:.0f} s per measure"
            )
            # The bare endpoint is asked without the cookie: with it, even /_ping
            # would load the signed-in person.
            measures = {
                "bare endpoint /_ping": (cached_port, PING, ""),
                "director, centre home, page cache on": (
                    cached_port,
                    HOME,
                    sign_in(cached_port),
                ),
            }
            for name, (email, path) in HOMES.items():
                measures[f"{name}, page cache off"] = (
                    uncached_port,
                    path,
                    sign_in(uncached_port, email, path),
                )
            results: dict[str, list[float]] = {name: [] for name in measures}
            with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
                for port, path, cookie in measures.values():  # warm up every worker
                    requests_per_second(pool, port, path, cookie)
                for _ in range(ROUNDS):
                    for name, (port, path, cookie) in measures.items():
                        results[name].append(requests_per_second(pool, port, path, cookie))
            mean = {name: sum(values) / ROUNDS for name, values in results.items()}
            for name, values in results.items():
                rounds = ", ".join(f"{r:.0f}" for r in values)
                print(f"{name}: {mean[name]:.0f} requests/s  (rounds: {rounds})")
            bare = mean.pop("bare endpoint /_ping")
            failed = 0
            for name, value in mean.items():
                goal = CACHED_GOAL if "page cache on" in name else UNCACHED_GOAL
                ratio = value / bare
                verdict = "OK" if ratio >= goal else "BELOW GOAL"
                failed += ratio < goal
                print(f"ratio {name} / bare: {ratio:.2f} (goal ≥ {goal}): {verdict}")
            return 1 if failed else 0
        finally:
            for _, process in servers.values():
                process.terminate()
                process.wait(timeout=30)


def _start(env: dict, extra: dict) -> tuple[int, subprocess.Popen]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "ensemble.wsgi:app",
        ],
        env={**env, **extra},
    )
    return port, process


if __name__ == "__main__":
    sys.exit(main())
