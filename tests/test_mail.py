"""The mailer's SMTP backend, against a real SMTP server on the loopback."""

from __future__ import annotations

import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from ensemble import mail


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_smtp_backend_delivers_a_french_message(app, smtp_server):
    port, inbox = smtp_server
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False
    )
    try:
        with app.app_context():
            mail.send("claire.vasseur@alma.demo", "Réinitialisation", "Bonjour Claire, voici…")
    finally:
        app.config.update(saved)
    assert len(inbox.messages) == 1
    received = inbox.messages[0]
    assert received["To"] == "claire.vasseur@alma.demo"
    assert str(make_header(decode_header(received["Subject"]))) == "Réinitialisation"
    assert "voici" in received.get_payload(decode=True).decode("utf-8")
