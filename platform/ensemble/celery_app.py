"""Celery, wired to Flask as in Flask's own example: every task runs inside the
app context, starts with no tenant visible, and commits once on success."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

from celery import Celery, Task
from flask import Flask

from ensemble import redis_store
from ensemble.discovery import capability_modules
from ensemble.extensions import db
from ensemble.tenancy import context

# Periodic tasks register here, next to their function (see `periodic`).
BEAT_SCHEDULE: dict[str, dict] = {}


def periodic(name: str, schedule: float, task_name: str) -> None:
    BEAT_SCHEDULE[name] = {"task": task_name, "schedule": schedule}


def celery_init_app(app: Flask) -> Celery[Any]:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                token = context.activate(context.ANONYMOUS)
                try:
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    context.restore(token)

    broker = redis_store.for_celery(app.config["REDIS_URL"])
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker,
        result_backend=broker,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        timezone="Europe/Paris",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        beat_schedule=BEAT_SCHEDULE,
        task_default_queue=app.config["CELERY_QUEUE"],
        include=capability_modules("tasks"),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


@contextlib.contextmanager
def single_flight(name: str, timeout: int = 3600) -> Iterator[bool]:
    """Yields True to the one run holding the lock, False to an overlapping run."""
    lock = redis_store.current().lock(redis_store.key("lock", name), timeout=timeout)
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(Exception):
                lock.release()


def without_overlap(name: str) -> Callable:
    """Decorator for periodic task bodies: a run that overlaps the previous one is skipped."""

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            with single_flight(name) as acquired:
                if not acquired:
                    return None
                return fn(*args, **kwargs)

        return inner

    return wrap
