"""A database of its own for the consolidation tests (they commit), the
reference computation they compare with, and a real Celery worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from conftest import ROOT

# Independent of the consolidation's SQL: one plain GROUP BY per level, over the
# same sources (validated figures, validated declarations, cooperation staging).
REFERENCE_BASE = """
    SELECT v.federation_id, v.year, v.indicator_code AS code, v.breakdown_key AS bk,
           left(c.postcode, 2) AS dep, c.city, v.value
    FROM reporting_values v, reporting_declarations d, centres c
    WHERE d.id = v.declaration_id AND d.status = 'validated' AND c.id = v.centre_id
    UNION ALL
    SELECT d.federation_id, d.year, '_declarations', '', left(c.postcode, 2), c.city, 1
    FROM reporting_declarations d, centres c WHERE d.status = 'validated' AND c.id = d.centre_id
    UNION ALL
    SELECT k.federation_id, k.year, k.code, '', left(c.postcode, 2), c.city, k.value
    FROM reporting_cooperation k, centres c WHERE c.id = k.centre_id
"""
REFERENCE = f"""
    SELECT federation_id, year, code, bk, '*', '*', sum(value), count(*), max(value)
    FROM ({REFERENCE_BASE}) b GROUP BY federation_id, year, code, bk
    UNION ALL
    SELECT federation_id, year, code, bk, dep, '*', sum(value), count(*), max(value)
    FROM ({REFERENCE_BASE}) b GROUP BY federation_id, year, code, bk, dep
    UNION ALL
    SELECT federation_id, year, code, bk, dep, city, sum(value), count(*), max(value)
    FROM ({REFERENCE_BASE}) b GROUP BY federation_id, year, code, bk, dep, city
"""
STORED = """
    SELECT federation_id, year, indicator_code, breakdown_key, departement, city,
           total, centres, max_centre FROM reporting_aggregates
"""


def reference(admin: Engine) -> set[tuple]:
    with admin.connect() as conn:
        return {tuple(r) for r in conn.execute(text(REFERENCE))}


def stored(admin: Engine) -> set[tuple]:
    """The consolidated cells; fails if any key is stored twice (no unique index
    guards it: one row per key must hold by construction)."""
    with admin.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(STORED))]
    keys = [r[:6] for r in rows]
    assert len(set(keys)) == len(keys), "a consolidated cell is stored twice"
    return set(rows)


def scalar(admin: Engine, sql: str, **params):
    with admin.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def execute(admin: Engine, sql: str, **params) -> None:
    with admin.begin() as conn:
        conn.execute(text(sql), params)


@dataclass
class Clone:
    urls: object
    admin: Engine  # superuser on the clone: sets up data, bypasses RLS
    reporting: Engine
    runtime: Engine

    def dispose(self) -> None:
        for engine in (self.admin, self.reporting, self.runtime):
            engine.dispose()


def make_clone(servers, name: str) -> Clone:
    from conftest import clone_database

    urls = clone_database(servers, name)
    database = make_url(urls.runtime).database
    admin_url = make_url(servers["admin_url"]).set(
        drivername="postgresql+psycopg", database=database
    )
    return Clone(
        urls,
        create_engine(admin_url),
        create_engine(urls.reporting),
        create_engine(urls.runtime),
    )


class Worker:
    """`celery -A workers worker` as a separate process on the clone's database."""

    def __init__(self, clone: Clone, **env: str):
        environment = {**os.environ, **clone.urls.as_env(), **env}
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), str(ROOT / "platform"), environment.get("PYTHONPATH", "")]
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                os.environ["CELERY_QUEUE"],
                "-l",
                "warning",
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition: Callable[[], bool], timeout: float = 60, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False
