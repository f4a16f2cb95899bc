"""Fail closed: the web app, the Celery worker and beat refuse to start on a
connection that would bypass row-level security, and say which variable to fix,
in French and English. Each process is started for real with a superuser URL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from ensemble.config import ConfigurationError
from ensemble.devstack.bootstrap import _libpq
from ensemble.tenancy import guard

from conftest import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as(url: str, username: str, password: str | None = None) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql+psycopg", username=username, password=password)
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="module")
def superuser_url(servers, database) -> str:
    """The test database, reached as the server's superuser."""
    return (
        make_url(servers["admin_url"])
        .set(drivername="postgresql+psycopg", database=make_url(database.runtime).database)
        .render_as_string(hide_password=False)
    )


PROCESSES = {
    "web (demo server)": lambda port: [
        sys.executable,
        "-m",
        "ensemble.devstack.webserver",
        "--port",
        str(port),
    ],
    "web (gunicorn)": lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "ensemble.wsgi:app",
    ],
    "worker": lambda port: [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers",
        "worker",
        "--pool=solo",
    ],
    "beat": lambda port: [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers",
        "beat",
        f"--schedule=/tmp/ensemble-beat-{uuid.uuid4().hex}",
    ],
}


def _run(argv: list[str], env: dict[str, str], timeout: float = 90) -> tuple[int | None, str]:
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return None, output
    return process.returncode, output


@pytest.mark.no_db_rollback
@pytest.mark.parametrize("name", list(PROCESSES))
def test_each_process_refuses_a_superuser_database_url(name, superuser_url):
    env = {**os.environ, "DATABASE_URL": superuser_url}
    env.pop("DATABASE_REPORTING_URL", None)
    code, output = _run(PROCESSES[name](_free_port()), env)
    assert code is not None, f"{name} kept running as a superuser:\n{output[-2000:]}"
    assert code != 0
    assert "Refus de démarrer : DATABASE_URL se connecte en tant que" in output, output[-2000:]
    assert "superutilisateur" in output and "Refusing to start: DATABASE_URL" in output


@pytest.mark.no_db_rollback
def test_the_worker_refuses_a_reporting_url_that_may_write_tenant_tables(database):
    # The runtime role given as the reporting role: it may write every tenant table.
    env = {**os.environ, "DATABASE_REPORTING_URL": database.runtime}
    env["DATABASE_URL"] = (  # the same role, spelt differently: the check does not skip it
        make_url(database.runtime)
        .update_query_dict({"application_name": "ensemble"})
        .render_as_string(hide_password=False)
    )
    code, output = _run(PROCESSES["worker"](0), env)
    assert code not in (None, 0), output[-2000:]
    assert "DATABASE_REPORTING_URL" in output and "hors consolidation" in output


@pytest.mark.no_db_rollback
def test_gunicorn_serves_with_the_runtime_role_and_names_no_version():
    port = _free_port()
    process = subprocess.Popen(
        PROCESSES["web (gunicorn)"](port),
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion") as answer:
                    servers = answer.headers.get_all("Server")
                    nosniff = answer.headers.get("X-Content-Type-Options")
                break
            except OSError:
                assert process.poll() is None, "gunicorn stopped"
                assert time.monotonic() < deadline, "gunicorn never answered"
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(20)
    assert servers == ["gunicorn"] and nosniff == "nosniff"


# --- The checks themselves, on roles made for the purpose -----------------------------


@pytest.fixture
def scratch_roles(servers, database):
    """A role with BYPASSRLS, and one that is merely a member of it (cluster-wide
    objects: unique names, dropped at the end)."""
    suffix = uuid.uuid4().hex[:8]
    bypass, member = f"ensemble_test_bypass_{suffix}", f"ensemble_test_member_{suffix}"
    database_name = make_url(database.runtime).database
    with psycopg.connect(_libpq(servers["admin_url"]), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {bypass} NOLOGIN BYPASSRLS")
        conn.execute(f"CREATE ROLE {member} LOGIN PASSWORD 'x' NOBYPASSRLS IN ROLE {bypass}")
        conn.execute(f"CREATE ROLE {member}_direct LOGIN PASSWORD 'x' BYPASSRLS")
        for role in (member, f"{member}_direct"):
            conn.execute(f'GRANT CONNECT ON DATABASE "{database_name}" TO {role}')
    try:
        yield {
            "member": _as(database.runtime, member, "x"),
            "direct": _as(database.runtime, f"{member}_direct", "x"),
            "bypass_role": bypass,
        }
    finally:
        with psycopg.connect(_libpq(servers["admin_url"]), autocommit=True) as conn:
            for role in (member, f"{member}_direct"):
                conn.execute(f'REVOKE CONNECT ON DATABASE "{database_name}" FROM {role}')
                conn.execute(f"DROP ROLE {role}")
            conn.execute(f"DROP ROLE {bypass}")


def test_bypass_directly_or_by_membership_is_refused(scratch_roles):
    with pytest.raises(guard.UnsafeDatabaseRole, match="BYPASSRLS"):
        guard.check("DATABASE_URL", scratch_roles["direct"])
    with pytest.raises(guard.UnsafeDatabaseRole, match=scratch_roles["bypass_role"]):
        guard.check("DATABASE_URL", scratch_roles["member"])


def test_a_role_that_owns_the_tables_is_refused(database):
    with pytest.raises(guard.UnsafeDatabaseRole, match=r"(?s)possède des tables .*owns tables"):
        guard.check("DATABASE_URL", database.owner)


def test_the_intended_roles_pass(database):
    assert guard.check("DATABASE_URL", database.runtime).name == "ensemble_app"
    facts = guard.check("DATABASE_REPORTING_URL", database.reporting, reporting=True)
    # What the reporting role may write is exactly the documented list.
    assert set(facts.writable_tables) == guard.REPORTING_WRITABLE


def test_an_unreachable_database_names_the_variable():
    url = "postgresql+psycopg://nobody:x@127.0.0.1:1/none"
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        guard.check("DATABASE_URL", url)
