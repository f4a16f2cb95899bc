"""Platform housekeeping tasks."""

from __future__ import annotations

import time

from celery import shared_task
from flask import current_app

from ensemble import redis_urls
from ensemble.celery_app import periodic, without_overlap


@shared_task(name="ensemble.heartbeat")
@without_overlap("heartbeat")
def heartbeat() -> float:
    """Lets /sante tell whether worker and beat are alive."""
    now = time.time()
    redis_urls.client(current_app.config["REDIS_URL"]).set("ensemble:worker:heartbeat", now, ex=600)
    return now


periodic("heartbeat-every-minute", 60.0, "ensemble.heartbeat")
