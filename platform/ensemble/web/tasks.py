"""Platform housekeeping tasks."""

from __future__ import annotations

import time

from celery import shared_task

from ensemble import redis_store
from ensemble.celery_app import periodic, without_overlap


@shared_task(name="ensemble.heartbeat")
@without_overlap("heartbeat")
def heartbeat() -> float:
    """Lets /sante tell whether worker and beat are alive."""
    now = time.time()
    redis_store.current().set(redis_store.key("worker", "heartbeat"), now, ex=600)
    return now


periodic("heartbeat-every-minute", 60.0, "ensemble.heartbeat")
