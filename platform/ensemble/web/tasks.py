"""Platform housekeeping tasks."""

from __future__ import annotations

import os
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


# Read at import, as the beat schedule is built before any app exists.
HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", 60))
periodic("heartbeat-every-minute", HEARTBEAT_SECONDS, "ensemble.heartbeat")
