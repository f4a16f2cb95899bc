"""The platform mailer: console in the demo, SMTP when configured, memory in tests.

Requests never talk to the mail server: they queue a Celery task once their
transaction has committed (`send_after_commit`, or `queue` from code that
already runs after the commit), and a worker delivers it, retrying while the
server refuses. An SMTP outage therefore never turns a request into an error
page, and never makes one answer differ from another.
"""

from __future__ import annotations

import logging
import smtplib
import sys
from email.message import EmailMessage

from celery import shared_task
from flask import current_app
from sqlalchemy.orm import Session

DELIVER = "ensemble.mail.deliver"
log = logging.getLogger(__name__)


def outbox() -> list[EmailMessage]:
    """Messages kept by the memory backend (tests)."""
    return current_app.extensions.setdefault("ensemble_outbox", [])


def send(to: str, subject: str, body: str) -> EmailMessage:
    """Deliver now, through the configured backend (workers and scripts only)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)

    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(message)
    elif backend == "smtp":
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        print(
            f"\n----- courriel -----\nÀ : {to}\nObjet : {subject}\n\n{body}\n--------------------",
            file=sys.stdout,
            flush=True,
        )
    return message


@shared_task(
    name=DELIVER,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=10,
)
def deliver(to: str, subject: str, body: str) -> None:
    """The worker's side: send one message, retried with a growing wait on failure."""
    send(to, subject, body)


def queue(to: str, subject: str, body: str) -> None:
    """Hand a message to the workers now (the caller's transaction is committed)."""
    from ensemble.celery_app import send_task

    send_task(DELIVER, to, subject, body)


def send_after_commit(session: Session, to: str, subject: str, body: str) -> None:
    """Hand a message to the workers once `session` commits (never if it rolls back)."""
    from ensemble.celery_app import enqueue_after_commit

    enqueue_after_commit(session, DELIVER, to, subject, body)
