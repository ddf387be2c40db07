"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port): Django's SMTP backend
talks to it as to a centre's mail server, and the test reads what arrived."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from django.test import override_settings


class Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp(test, inbox: Inbox | None = None) -> tuple[Inbox, int]:
    """Start a server for the test (stopped at its clean-up); returns its inbox and port."""
    inbox = inbox or Inbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    test.addCleanup(server.stop)
    return inbox, port


def smtp_settings(port: int, **extra):
    values = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_TIMEOUT": 10,
    }
    return override_settings(**{**values, **extra})
