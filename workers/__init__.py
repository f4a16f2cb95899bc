"""Celery entry point: `celery -A workers worker` and `celery -A workers beat`."""

from workers import resilience

# Before the app exists: the worker must survive a broker restart (see resilience).
resilience.apply()

from ensemble import create_app  # noqa: E402

flask_app = create_app()
celery = flask_app.extensions["celery"]

__all__ = ["celery", "flask_app"]
