"""The demo runner: links name the port served, a dying child is restarted (with a
growing wait and a log line) instead of stopping the platform."""

from __future__ import annotations

import sys
import time

import pytest

from ensemble.devstack import runner
from ensemble.devstack.runner import Child, Supervisor


def _run_until(supervisor: Supervisor, condition, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.tick()
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_child_that_dies_is_restarted_with_a_growing_wait(tmp_path):
    marker = tmp_path / "starts"
    # Dies at once, three times; the fourth start stays up.
    script = (
        "import pathlib, sys, time\n"
        f"p = pathlib.Path({str(marker)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n))\n"
        "sys.exit(3) if n < 4 else time.sleep(60)\n"
    )
    lines: list[str] = []
    steady = Child("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    flaky = Child("flaky", [sys.executable, "-c", script])
    supervisor = Supervisor(
        [steady, flaky], cwd=tmp_path, first_delay=0.1, max_delay=0.4, log=lines.append
    )
    supervisor.start_all()
    steady_pid = steady.process.pid
    try:
        assert _run_until(supervisor, lambda: flaky.restarts == 3 and flaky.restart_at is None)
        time.sleep(0.3)
        supervisor.tick()
        assert flaky.process.poll() is None, "the fourth start stays up"
    finally:
        supervisor.stop_all(timeout=5)
    assert marker.read_text() == "4"
    # The other child was never touched.
    assert steady.process.pid == steady_pid and steady.restarts == 0
    deaths = [line for line in lines if "s’est arrêté" in line]
    assert len(deaths) == 3 and all("« flaky »" in d and "code 3" in d for d in deaths)
    waits = [float(d.split("redémarrage dans ")[1].split(" s")[0]) for d in deaths]
    assert waits == [0.1, 0.2, 0.4]


def test_the_wait_is_capped_and_resets_after_a_stable_run(tmp_path):
    child = Child("c", [sys.executable, "-c", "raise SystemExit(1)"])
    supervisor = Supervisor(
        [child], cwd=tmp_path, first_delay=0.05, max_delay=0.1, stable_after=0.5, log=[].append
    )
    supervisor.start_all()
    try:
        assert _run_until(supervisor, lambda: child.restarts >= 4)
        assert child.delay == pytest.approx(0.1)
        # A run longer than stable_after starts again from the first wait.
        child.argv = [sys.executable, "-c", "import time; time.sleep(0.7)"]
        spawned = child.restarts + 1  # the next start runs the new command
        assert _run_until(supervisor, lambda: child.restarts == spawned)
        assert _run_until(supervisor, lambda: child.restart_at is not None, timeout=10)
        assert child.delay == pytest.approx(0.05)
    finally:
        supervisor.stop_all(timeout=5)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:5102"),
        ("0.0.0.0", "http://127.0.0.1:5102"),  # noqa: S104
        ("::1", "http://[::1]:5102"),
        ("demo.local", "http://demo.local:5102"),
    ],
)
def test_public_url_names_the_port_served(host, expected):
    assert runner.public_url(host, 5102) == expected


def test_start_sets_public_url_to_the_served_port_unless_set(monkeypatch):
    seen = {}

    def stop_here():
        import os

        seen["url"] = os.environ["PUBLIC_URL"]
        raise RuntimeError("stop")

    monkeypatch.setattr(runner, "prepare_environment", stop_here)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError):
        runner.start("127.0.0.1", 5102)
    assert seen["url"] == "http://127.0.0.1:5102"
    monkeypatch.setenv("PUBLIC_URL", "https://ensemble.example.org")
    with pytest.raises(RuntimeError):
        runner.start("127.0.0.1", 5102)
    assert seen["url"] == "https://ensemble.example.org"


def test_a_superuser_database_url_is_taken_as_an_admin_url_never_served(
    servers, monkeypatch, capsys
):
    from sqlalchemy.engine import make_url

    from ensemble.config import ROLES
    from ensemble.tenancy import guard

    from conftest import TEST_DB

    superuser = make_url(servers["admin_url"]).set(drivername="postgresql+psycopg")
    monkeypatch.setenv("DATABASE_URL", superuser.render_as_string(hide_password=False))
    monkeypatch.delenv("DATABASE_ADMIN_URL", raising=False)
    for key in ("DATABASE_OWNER_URL", "DATABASE_REPORTING_URL"):
        monkeypatch.delenv(key, raising=False)
    started = runner.prepare_environment(database=f"{TEST_DB}_runner")
    assert started == []  # nothing embedded: the given server is used
    import os

    assert make_url(os.environ["DATABASE_URL"]).username == ROLES.runtime
    assert make_url(os.environ["DATABASE_URL"]).database == f"{TEST_DB}_runner"
    assert guard.check("DATABASE_URL", os.environ["DATABASE_URL"]).name == ROLES.runtime
    assert "utilise comme DATABASE_ADMIN_URL" in capsys.readouterr().out
