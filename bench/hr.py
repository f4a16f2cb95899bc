"""Benchmark: the HR manager's view across her two employers, in a network of
2,300 centres with 50,000 staff records.

Prints, measured in one run: the statements each view sends, the median time of
her cross-employer view (/rh/, both employers) and of her single-employer view
(/rh/?employeur=iciela), and their ratio (goal: at most 3×). The bounded number
of statements is also a test (tests/hr/test_operations.py, tests/hr/test_http.py).

    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 python bench/hr.py

Data is generated with COPY through the admin (superuser) connection, due items
included (computed with ensemble.hr.rules, as the app would). The database
`ensemble_bench_hr` is dropped at the end.
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import psycopg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from network import CENTRES, add_centres, bench_app, copy_rows  # noqa: E402

from ensemble.devstack.bootstrap import _libpq  # noqa: E402

DATABASE = "ensemble_bench_hr"
STAFF = 50_000
RUNS = 15
HR_MANAGER = "marion.delattre@rh.demo"
CONTRACTS = ["cdi"] * 6 + ["cdd", "cdd", "cddi", "apprenticeship", "assisted"]


def generate(admin_url: str) -> None:
    """The network around the demo: centres, employers and their staff registers."""
    from ensemble.hr.models import Category, ContractType, HealthFollowUp
    from ensemble.hr.rules import due_dates

    rng = random.Random(2026)
    today = date.today()
    with psycopg.connect(_libpq(admin_url)) as conn:
        add_centres(conn, CENTRES)
        centres = conn.execute("SELECT id, employer_id FROM centres").fetchall()
        demo_staff = conn.execute("SELECT count(*) FROM hr_staff_members").fetchone()[0]
        people = []
        for n in range(STAFF - demo_staff):
            centre_id, employer_id = centres[n % len(centres)]
            contract = rng.choice(CONTRACTS)
            start = today - timedelta(days=rng.randint(0, 9000))
            end = None
            if contract != "cdi":
                end = start + timedelta(days=rng.randint(60, 900))
            person = SimpleNamespace(
                employer_id=employer_id,
                centre_id=centre_id,
                last_name=f"Nom{n}",
                first_name="Prénom",
                job_title="Animateur",
                category=Category.EMPLOYEE,
                contract_type=ContractType(contract),
                start_date=start,
                end_date=end,
                trial_renewed=False,
                fte=Decimal("0.8"),
                health_follow_up=HealthFollowUp.STANDARD,
                last_health_visit_on=start + timedelta(days=rng.randint(0, 90)),
                last_review_on=None,
                last_career_review_on=None,
            )
            people.append(person)
        copy_rows(
            conn,
            "hr_staff_members",
            [
                "employer_id",
                "last_name",
                "first_name",
                "email",
                "job_title",
                "category",
                "contract_type",
                "start_date",
                "end_date",
                "trial_renewed",
                "fte",
                "alisfa_job",
                "health_follow_up",
                "last_health_visit_on",
                "created_at",
            ],
            (
                (
                    p.employer_id,
                    p.last_name,
                    p.first_name,
                    "",
                    p.job_title,
                    p.category.value,
                    p.contract_type.value,
                    p.start_date,
                    p.end_date,
                    False,
                    p.fte,
                    "Animateur",
                    p.health_follow_up.value,
                    p.last_health_visit_on,
                    "now",
                )
                for p in people
            ),
        )
        ids = conn.execute(
            "SELECT id FROM hr_staff_members WHERE last_name LIKE 'Nom%%' ORDER BY id"
        ).fetchall()
        for person, (person_id,) in zip(people, ids, strict=True):
            person.id = person_id
        copy_rows(
            conn,
            "hr_staff_centres",
            ["employer_id", "staff_member_id", "centre_id"],
            ((p.employer_id, p.id, p.centre_id) for p in people),
        )
        copy_rows(
            conn,
            "hr_due_items",
            ["employer_id", "staff_member_id", "kind", "reference", "due_on"],
            (
                (p.employer_id, p.id, d.kind.value, d.reference, d.due_on)
                for p in people
                for d in due_dates(p, [], today)
            ),
        )
        conn.execute("ANALYZE")
        conn.commit()


def measure(app) -> dict:
    from ensemble.extensions import db

    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    signed = client.post(
        "/connexion",
        data={"email": HR_MANAGER, "password": "ensemble-demo", "csrf_token": token},
    )
    assert signed.status_code == 302, signed.status_code
    views = {"cross": "/rh/", "single": "/rh/?employeur=iciela"}
    statements: dict[str, list[str]] = {}
    with app.app_context():
        engine = db.engine
    current: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ARG001
        if "set_config(" not in statement:
            current.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    timings: dict[str, list[float]] = {name: [] for name in views}
    for name, url in views.items():  # warm up, and count statements
        current.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        statements[name] = list(current)
    event.remove(engine, "before_cursor_execute", count)
    for _ in range(RUNS):
        for name, url in views.items():
            started = time.perf_counter()
            client.get(url)
            timings[name].append(time.perf_counter() - started)
    staff_rows = {}
    for name, url in views.items():
        html = client.get(url).get_data(as_text=True)
        staff_rows[name] = html.count("/rh/personnel/")
    return {
        "statements": {k: len(v) for k, v in statements.items()},
        "median": {k: statistics.median(v) for k, v in timings.items()},
        "links": staff_rows,
    }


def main() -> int:
    started = time.perf_counter()
    with bench_app(DATABASE, LOGIN_FAILURE_LIMIT_PER_IP="10000 per hour") as (urls, app):
        generate(urls.admin)
        with psycopg.connect(_libpq(urls.admin)) as conn:
            centres, staff, items = conn.execute(
                "SELECT (SELECT count(*) FROM centres), (SELECT count(*) FROM hr_staff_members),"
                " (SELECT count(*) FROM hr_due_items)"
            ).fetchone()
        print(f"network: {centres} centres, {staff} staff records, {items} due items")
        print(f"set-up: {time.perf_counter() - started:.1f} s")
        result = measure(app)
        cross, single = result["median"]["cross"], result["median"]["single"]
        print(
            f"statements per view: cross-employer {result['statements']['cross']},"
            f" single-employer {result['statements']['single']}"
        )
        print(f"person links shown: {result['links']}")
        print(
            f"median over {RUNS} runs: cross-employer {cross * 1000:.1f} ms,"
            f" single-employer {single * 1000:.1f} ms"
        )
        ratio = cross / single
        print(
            f"ratio cross / single: {ratio:.2f}× (goal ≤ 3×): {'OK' if ratio <= 3 else 'TOO SLOW'}"
        )
        return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
