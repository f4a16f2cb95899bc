"""Shared set-up for the benchmarks: a network the size of France's (about
2,300 centres) around the demo network, generated with COPY through the admin
connection."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg

from ensemble.devstack import bootstrap
from ensemble.devstack.bootstrap import DatabaseUrls, _libpq

CENTRES = 2300


def copy_rows(conn: psycopg.Connection, table: str, columns: list[str], rows: Iterable) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def add_centres(conn: psycopg.Connection, total: int = CENTRES) -> int:
    """Employers and centres (in a federation of their own) until the platform
    holds `total` centres. Returns the new federation's id."""
    federation = conn.execute(
        "INSERT INTO federations (slug, name, territory) VALUES"
        " ('bench', 'Fédération du banc d’essai', 'France') RETURNING id"
    ).fetchone()[0]
    existing = conn.execute("SELECT count(*) FROM centres").fetchone()[0]
    employers_needed = max(1, (total - existing) * 2 // 3)
    copy_rows(
        conn,
        "employers",
        ["slug", "name", "kind", "city"],
        (
            (f"bench-employer-{i}", f"Association {i}", "association", "Ville")
            for i in range(employers_needed)
        ),
    )
    employer_ids = [
        r[0] for r in conn.execute("SELECT id FROM employers WHERE slug LIKE 'bench-employer-%'")
    ]
    copy_rows(
        conn,
        "centres",
        ["slug", "name", "employer_id", "federation_id", "address", "postcode", "city"],
        (
            (
                f"bench-centre-{i}",
                f"Centre social {i}",
                employer_ids[i % len(employer_ids)],
                federation,
                "",
                "59000",
                "Ville",
            )
            for i in range(total - existing)
        ),
    )
    return federation


def urls_from_environment() -> tuple[str, str]:
    admin_url = os.environ.get("DATABASE_ADMIN_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not admin_url or not redis_url:
        print("Set DATABASE_ADMIN_URL and REDIS_URL.", file=sys.stderr)
        raise SystemExit(2)
    return admin_url, redis_url


@contextmanager
def bench_database(admin_url: str, name: str) -> Iterator[DatabaseUrls]:
    """A fresh database with the roles, dropped at the end whatever happens."""
    urls = bootstrap.bootstrap(admin_url, name, recreate=True)
    try:
        yield urls
    finally:
        with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def bench_app(name: str, *, demo: bool = True, **config) -> Iterator[tuple[DatabaseUrls, object]]:
    """A fresh database `name`, migrated (with the demo network when `demo`), and
    an app on it; the database is dropped at the end whatever happens."""
    from flask_migrate import upgrade

    from ensemble import create_app
    from ensemble.extensions import db

    admin_url, _ = urls_from_environment()
    with bench_database(admin_url, name) as urls:
        os.environ.update(urls.as_env())
        os.environ.setdefault("REDIS_NAMESPACE", name.replace("_", "-"))
        # Tasks a benchmark queues (after its commits) stay in a queue of its own, which
        # no worker of a running Ensemble takes; it is emptied at the end.
        queue = os.environ.setdefault("CELERY_QUEUE", name.replace("_", "-"))
        app = create_app(
            {"ENSEMBLE_ENV": "test", "TESTING": True, "MAIL_BACKEND": "memory", **config}
        )
        try:
            with app.app_context():
                upgrade()
                if demo:
                    from tenants.demo import load

                    load()
            yield urls, app
        finally:
            with app.app_context():
                db.engine.dispose()
                from ensemble import redis_store

                redis_store.current().delete(queue)
