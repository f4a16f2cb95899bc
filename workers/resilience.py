"""Two fixes to Celery and Kombu (5.7) so that a worker survives a broker restart.

Both failures were reproduced here, and tests/test_recovery.py reproduces them
(it kills an embedded Redis under a running worker and starts it again): with
these fixes removed, its worker tests fail. Each fix is applied only while the
installed version still has the flaw it fixes (`apply` checks first).

1. A channel left over from the lost connection. When Redis goes away, the
   consumer tears the connection down (its `collect()` drops the transport's
   client), then the old channel is used again: closed a second time, it tries
   to put its unacknowledged message back (our tasks are `acks_late`), or a
   rejection queued before the loss (a pool process killed mid-task) runs
   against it. Either way Kombu reads `self.connection.client` on a connection
   that is gone and raises AttributeError (« Unrecoverable error:
   AttributeError("'NoneType' object has no attribute 'hostname'") »), which
   no caller expects, and the worker exits. The fix raises what every caller
   does expect there, a Redis ConnectionError: the close is abandoned, the
   message stays in Redis' unacked index and is delivered again after
   `visibility_timeout` (tasks are idempotent), the consumer reconnects.

2. A dead pool process registered again. After a pool process was killed, a
   reconnection registers the pool with the event loop again, dead process
   included, whose sentinel descriptor is already None: Kombu raises
   ValueError('file descriptor is None'), which Celery's
   `iterate_file_descriptors_safely` does not catch (Kombu's own comment says
   it should), and the worker exits. Such a descriptor is skipped, like the
   stale ones that function already skips.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)
_APPLIED = False


def _stale_channel_raises_a_connection_error() -> None:
    import redis
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._connparams
    if getattr(original, "_ensemble_patched", False):
        return

    @functools.wraps(original)
    def _connparams(self, asynchronous=False):
        connection = self.connection
        if connection is None or connection.client is None:
            # Raised where every caller expects a broken connection, and handles it.
            raise redis.exceptions.ConnectionError(
                "Canal Redis fermé avec sa connexion (redémarrage du broker)."
            )
        return original(self, asynchronous=asynchronous)

    _connparams._ensemble_patched = True
    kombu_redis.Channel._connparams = _connparams


def _skip_descriptors_that_are_none() -> None:
    from celery.concurrency import asynpool

    original = asynpool.iterate_file_descriptors_safely
    if getattr(original, "_ensemble_patched", False):
        return

    @functools.wraps(original)
    def iterate_file_descriptors_safely(fds_iter, source_data, hub_method, *args, **kwargs):
        fds = list(fds_iter)
        live = [fd for fd in fds if fd is not None]
        if len(live) != len(fds) and source_data is not None:
            for fd in fds:
                if fd is None:
                    _discard(source_data, fd)
        return original(live, source_data, hub_method, *args, **kwargs)

    iterate_file_descriptors_safely._ensemble_patched = True
    asynpool.iterate_file_descriptors_safely = iterate_file_descriptors_safely


def _discard(source, fd) -> None:
    if hasattr(source, "remove"):
        while fd in source:
            source.remove(fd)
    elif hasattr(source, "pop"):
        source.pop(fd, None)


def apply() -> None:
    """Install the fixes still needed by the installed versions (idempotent).
    Called by the `workers` entry point."""
    global _APPLIED
    if _APPLIED:
        return
    if _stale_channel_fails_with_attribute_error():
        _stale_channel_raises_a_connection_error()
    if _none_descriptor_escapes():
        _skip_descriptors_that_are_none()
    _APPLIED = True


def _stale_channel_fails_with_attribute_error() -> bool:
    import inspect

    from kombu.transport import redis as kombu_redis

    source = inspect.getsource(kombu_redis.Channel._connparams)
    return "conninfo = self.connection.client" in source


def _none_descriptor_escapes() -> bool:
    """Whether Celery still lets Kombu's ValueError for a None descriptor through."""
    from celery.concurrency import asynpool
    from kombu.utils.compat import fileno

    try:
        asynpool.iterate_file_descriptors_safely([None], None, fileno)
    except ValueError:
        return True
    return False
