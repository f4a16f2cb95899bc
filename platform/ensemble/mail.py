"""The platform mailer: console in the demo, SMTP when configured, memory in tests."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app


def outbox() -> list[EmailMessage]:
    """Messages kept by the memory backend (tests)."""
    return current_app.extensions.setdefault("ensemble_outbox", [])


def send(to: str, subject: str, body: str) -> EmailMessage:
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
