"""Celery, wired to Flask as in Flask's own example: every task runs inside the
app context, starts with no tenant visible, and commits once on success."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from ensemble import redis_store
from ensemble.discovery import capability_modules
from ensemble.extensions import db
from ensemble.tenancy import context

# Periodic tasks register here, next to their function (see `periodic`).
BEAT_SCHEDULE: dict[str, dict] = {}
PENDING = "ensemble_tasks_after_commit"
log = logging.getLogger(__name__)


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
        include=["ensemble.mail", *capability_modules("tasks")],
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def send_task(name: str, *args, **kwargs) -> bool:
    """Publish task `name` now. A broker that does not answer is logged, not raised:
    callers run after their commit, when an error page would be a lie."""
    try:
        current_app.extensions["celery"].send_task(name, args=args, kwargs=kwargs)
    except Exception:  # noqa: BLE001 - the broker is down; the caller's work is saved
        log.exception("Tâche %s non publiée (broker indisponible)", name)
        return False
    return True


def enqueue_after_commit(session: Session | scoped_session, name: str, *args, **kwargs) -> None:
    """Publish task `name` once `session` commits; never if it rolls back. The same
    task with the same arguments is published once per commit, however many times
    the transaction asked for it (recording forty sessions of one centre asks for
    its pre-fill forty times: one refresh after the commit does it all)."""
    target = session() if isinstance(session, scoped_session) else session
    pending = target.info.setdefault(PENDING, [])
    if (name, args, kwargs) not in pending:
        pending.append((name, args, kwargs))


def _publish_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending or not has_app_context():
        return
    for name, args, kwargs in pending:
        send_task(name, *args, **kwargs)


def _forget_after_rollback(session: Session, previous_transaction=None) -> None:  # noqa: ARG001
    session.info.pop(PENDING, None)


def install(session_class: type[Session]) -> None:
    if not event.contains(session_class, "after_commit", _publish_after_commit):
        event.listen(session_class, "after_commit", _publish_after_commit)
        event.listen(session_class, "after_soft_rollback", _forget_after_rollback)


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
