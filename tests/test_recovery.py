"""Processes that recover: the Celery worker and beat keep working across a Redis
restart (an embedded Redis killed and started again under them), including the
two cases that killed the worker before workers/resilience.py: a task running
when Redis goes away, and a pool process killed just before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis as redis_py
from recovery_support import RestartableRedis

from ensemble import redis_store

from conftest import NAMESPACE, ROOT, clone_database

pytestmark = pytest.mark.no_db_rollback


class Platform:
    """Worker (and beat) processes on an embedded Redis and a database of their own."""

    def __init__(self, servers, tmp_path: Path, **env: str):
        self.redis = RestartableRedis(tmp_path)
        self.namespace = f"{NAMESPACE}-recovery-{uuid.uuid4().hex[:6]}"
        urls = clone_database(servers, f"recovery_{uuid.uuid4().hex[:6]}")
        self.env = {
            **os.environ,
            **urls.as_env(),
            "REDIS_URL": self.redis.url,
            "REDIS_NAMESPACE": self.namespace,
            "CELERY_QUEUE": self.namespace,
            **env,
        }
        self.tmp_path = tmp_path
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        log = (self.tmp_path / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", *argv, "--loglevel=INFO"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self.processes[name]

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")[-4000:]

    def send(self, task: str, **kwargs) -> None:
        """Publish from a fresh client (the test's own connection died with Redis too)."""
        from celery import Celery

        broker = redis_store.for_celery(self.redis.url)
        client = Celery(broker=broker, backend=broker)
        try:
            client.send_task(task, kwargs=kwargs, queue=self.namespace)
        finally:
            client.close()

    def heartbeat(self) -> float:
        client = redis_py.Redis(unix_socket_path=self.redis.socket)
        try:
            value = client.get(f"{self.namespace}:worker:heartbeat")
        except redis_py.RedisError:
            return 0.0
        finally:
            client.close()
        return float(value) if value else 0.0

    def wait_for_heartbeat_after(self, instant: float, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.heartbeat() > instant:
                return True
            time.sleep(0.3)
        return False

    def pool_children(self, name: str) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.processes[name].pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT)  # cold: do not wait for the paused task
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.redis.stop()


@pytest.fixture
def platform(servers, database, tmp_path):
    made: list[Platform] = []

    def make(**env: str) -> Platform:
        made.append(Platform(servers, tmp_path, **env))
        return made[-1]

    yield make
    for each in made:
        each.stop()


def _ready(platform_: Platform) -> None:
    started = time.time()
    platform_.send("ensemble.heartbeat")
    assert platform_.wait_for_heartbeat_after(started), platform_.log("worker")


@pytest.mark.parametrize("kill_pool_process", [False, True], ids=["task-running", "pool-killed"])
def test_the_worker_runs_tasks_sent_after_a_redis_restart(platform, kill_pool_process):
    p = platform(REPORTING_PAUSE_BEFORE_COMMIT="15")
    worker = p.start("worker", "worker", "--pool=prefork", "--concurrency=2")
    _ready(p)
    # A task in flight (acks_late: its message is unacknowledged) when Redis goes away.
    p.send("ensemble.reporting.consolidate", full=True)
    time.sleep(3)
    if kill_pool_process:
        for pid in p.pool_children("worker"):
            os.kill(pid, signal.SIGKILL)
    p.redis.restart()
    restarted = time.time()
    time.sleep(2)
    p.send("ensemble.heartbeat")
    assert p.wait_for_heartbeat_after(restarted), p.log("worker")
    assert worker.poll() is None, p.log("worker")
    assert "Unrecoverable error" not in p.log("worker")


def test_beat_and_worker_carry_on_after_a_redis_restart_that_lost_everything(platform):
    p = platform(WORKER_HEARTBEAT_SECONDS="1")
    worker = p.start("worker", "worker", "--pool=prefork", "--concurrency=1")
    beat = p.start("beat", "beat", f"--schedule={p.tmp_path / 'beat-schedule'}")
    assert p.wait_for_heartbeat_after(time.time()), p.log("beat") + p.log("worker")
    p.redis.restart(keep_data=False)
    restarted = time.time()
    # Nobody sends anything now: beat must publish again, the worker must run it.
    assert p.wait_for_heartbeat_after(restarted), p.log("beat") + p.log("worker")
    assert worker.poll() is None and beat.poll() is None


def test_a_descriptor_set_to_none_is_skipped_not_fatal():
    """Fix 2 of workers/resilience.py, on the function it changes: Kombu names a
    dead process's descriptor None; registering it again must not stop the worker."""
    from celery.concurrency import asynpool
    from kombu.utils.compat import fileno

    from workers import resilience

    resilience.apply()
    registered = []
    asynpool.iterate_file_descriptors_safely(
        [None, 7], None, lambda fd: registered.append(fileno(fd))
    )
    assert registered == [7]
