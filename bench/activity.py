"""Benchmark: the workers' pre-fill of every centre's yearly declaration at
national scale — 2,300 centres × 4 actions × 48 weekly sessions (441,600
recorded sessions) and 5,000,000 attendance rows (registered people ticked),
generated in SQL with generate_series.

Prints, measured in one run (medians of three interleaved runs):
- the full pre-fill (ensemble.activity.prefill.refresh_every_centre, as the
  nightly task runs it: reporting role, one statement for every centre) ÷ the
  bare GROUP BY over the same rows (the different people per centre and line
  and the participations per centre and line, superuser, no RLS, result
  fetched) — goal ≤ 1.5;
- the incremental pre-fill after one session's attendance (prefill.refresh of
  one centre on the runtime role, under that centre's context, as the task
  enqueued by recording runs it) ÷ the full one — goal ≤ 0.02;
- peak memory (ru_maxrss) of a worker process running the nightly task
  (refresh_all_prefills) — goal < 1 GiB.

Measured once (see the README), on a machine shared with other work: full
pre-fill 11.5 s, bare GROUP BY 17.0 s: ratio 0.67; incremental 65.5 ms ÷ full
0.0057; worker peak memory 176 MiB. Before the pre-fill read the attendance
once (see prefill.py): bare 5.1 s, the pre-fill's SELECT without RLS 141 s, the
full refresh through RLS (runtime role, a context naming the 2,300 centres)
not finished after 7 minutes.

Runs on an embedded PostgreSQL of its own (no role of a shared server is
touched) unless DATABASE_ADMIN_URL is set; REDIS_URL defaults to the local one.

    .venv/bin/python bench/activity.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

DATABASE = "ensemble_bench_activity"
CENTRES = 2300
ACTIONS = 4
SESSIONS = 48
ROWS = 5_000_000
YEAR = 2025
ROOT = Path(__file__).resolve().parents[1]

BARE = """
SELECT a.centre_id, a.people_indicator, count(DISTINCT pr.participant_id), sum(s.participants)
FROM activity_presences pr
JOIN activity_sessions s ON s.id = pr.session_id
JOIN activity_actions a ON a.id = s.action_id
WHERE s.recorded_at IS NOT NULL
  AND s.starts_at >= '2025-01-01 00:00+01' AND s.starts_at < '2026-01-01 00:00+01'
GROUP BY a.centre_id, a.people_indicator
"""

WORKER = """
import resource, sys
from ensemble import create_app
from ensemble.activity.tasks import refresh_all_prefills
app = create_app({"ENSEMBLE_ENV": "test", "TESTING": True, "MAIL_BACKEND": "memory"})
with app.app_context():
    stored = refresh_all_prefills.run(int(sys.argv[1]))
print(stored, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def generate(owner_url: str) -> int:
    """Actions, sessions, people and presences for every centre (superuser)."""
    per_session = ROWS // (CENTRES * ACTIONS * SESSIONS) + 1
    people = 60
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK checks while loading
        conn.execute(
            "INSERT INTO activity_actions (centre_id, name, sector, public, place,"
            " participations_indicator, people_indicator, days_indicator)"
            " SELECT c.id, 'Action ' || n, 'parentalite', '', '',"
            " NULL, CASE n % 2 WHEN 0 THEN 'pa.enfants' ELSE 'pa.adultes' END,"
            " CASE WHEN n = 1 THEN 'pa.jours_accueil' END"
            f" FROM centres c, generate_series(1, {ACTIONS}) AS n"
        )
        conn.execute(
            "INSERT INTO activity_sessions (centre_id, action_id, starts_at, ends_at,"
            " recorded_at, participants, women, men, volunteers, volunteer_hours)"
            " SELECT a.centre_id, a.id,"
            " timestamptz '2025-01-06 09:00+01' + (w * 7 + a.id % 5) * interval '1 day',"
            " timestamptz '2025-01-06 12:00+01' + (w * 7 + a.id % 5) * interval '1 day',"
            f" now(), {per_session + 2}, {per_session // 2}, {per_session // 2}, 1, 2.5"
            f" FROM activity_actions a, generate_series(0, {SESSIONS - 1}) AS w"
        )
        conn.execute(
            "INSERT INTO activity_participants (centre_id, display_name, birth_year, age_band,"
            " sex, consent)"
            " SELECT a.centre_id, 'P', 1950 + (a.id + n) % 70, '',"
            " CASE n % 2 WHEN 0 THEN 'femmes' ELSE 'hommes' END, true"
            f" FROM activity_actions a, generate_series(1, {people}) AS n"
        )
        conn.execute(
            "INSERT INTO activity_registrations (centre_id, action_id, participant_id)"
            " SELECT a.centre_id, a.id, p.id FROM activity_actions a"
            " JOIN LATERAL (SELECT id FROM activity_participants p WHERE p.centre_id = a.centre_id"
            f" ORDER BY id OFFSET (a.id % {ACTIONS}) * {people} LIMIT {people}) p ON true"
        )
        # Each session ticks `per_session` of its action's people, by rotation,
        # until ROWS presences exist.
        conn.execute(
            "INSERT INTO activity_presences (centre_id, session_id, participant_id)"
            " SELECT s.centre_id, s.id, r.participant_id FROM ("
            "   SELECT s.*, row_number() OVER (ORDER BY s.id) AS rn FROM activity_sessions s) s"
            " JOIN LATERAL (SELECT participant_id FROM activity_registrations r"
            "   WHERE r.action_id = s.action_id ORDER BY participant_id"
            f"   OFFSET (s.rn * 7) % {people - per_session} LIMIT {per_session}) r ON true"
            f" WHERE (s.rn - 1) * {per_session} < {ROWS}"
        )
        conn.execute("SET session_replication_role = origin")
        conn.execute("ANALYZE")
        return conn.execute("SELECT count(*) FROM activity_presences").fetchone()[0]


def main() -> None:
    tmp = tempfile.TemporaryDirectory(prefix="ensemble-bench-activity-")
    embedded = None
    if not os.environ.get("DATABASE_ADMIN_URL"):
        from ensemble.devstack.embedded import start_postgres

        embedded = start_postgres(Path(tmp.name) / "pg")
        os.environ["DATABASE_ADMIN_URL"] = embedded.admin_url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

    from network import add_centres, bench_app

    from ensemble.activity import prefill
    from ensemble.devstack.bootstrap import _libpq
    from ensemble.extensions import db
    from ensemble.tenancy import context

    try:
        with bench_app(DATABASE, demo=False) as (urls, app):
            # Loading and the bare GROUP BY run as the superuser (no RLS); the
            # pre-fill runs as the workers do, on the runtime role.
            owner = make_conninfo(_libpq(os.environ["DATABASE_ADMIN_URL"]), dbname=DATABASE)
            with psycopg.connect(owner, autocommit=True) as conn:
                add_centres(conn, CENTRES)
            started = time.perf_counter()
            rows = generate(owner)
            print(f"{rows:,} attendance rows generated in {time.perf_counter() - started:.0f} s")

            with app.app_context():
                with psycopg.connect(owner) as conn:
                    # The centre whose session was just recorded.
                    one = conn.execute(
                        "SELECT centre_id FROM activity_presences ORDER BY id DESC LIMIT 1"
                    ).fetchone()[0]

                def full() -> float:
                    start = time.perf_counter()
                    with db.engines["reporting"].begin() as connection:
                        prefill.refresh_every_centre(connection, YEAR)
                    return time.perf_counter() - start

                def incremental() -> float:
                    start = time.perf_counter()
                    with context.using(context.system_context(centre_ids=[one]), db.session):
                        prefill.refresh(db.session, [one], YEAR)
                    db.session.commit()
                    return time.perf_counter() - start

                def bare() -> float:
                    start = time.perf_counter()
                    with psycopg.connect(owner) as conn:
                        conn.execute(BARE).fetchall()
                    return time.perf_counter() - start

                full()  # warm the caches once
                fulls, bares, incs = [], [], []
                for _ in range(3):
                    bares.append(bare())
                    fulls.append(full())
                    incs.append(incremental())
            f, b, i = (statistics.median(x) for x in (fulls, bares, incs))
            print(
                f"full pre-fill {f * 1000:.0f} ms, bare GROUP BY {b * 1000:.0f} ms:"
                f" ratio {f / b:.2f} (goal ≤ 1.5)"
            )
            print(f"incremental (one centre) {i * 1000:.1f} ms ÷ full: {i / f:.4f} (goal ≤ 0.02)")

            env = {**os.environ, **urls.as_env(), "PYTHONPATH": str(ROOT / "platform")}
            out = subprocess.run(
                [sys.executable, "-c", WORKER, str(YEAR)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout.split()
            stored, peak_kib = int(out[-2]), int(out[-1])
            print(
                f"worker: {stored:,} figures stored, peak memory"
                f" {peak_kib / 1024:.0f} MiB (goal < 1024 MiB)"
            )
    finally:
        if embedded is not None:
            embedded.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
