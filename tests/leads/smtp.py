"""A real SMTP server on a free localhost port, for delivery tests."""

import socket
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from django.test import override_settings


def smtp_to_port(port: int, **extra):
    """Settings that send Django's mail over SMTP to a local `port` (plus `extra`)."""
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
        **extra,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    def __init__(self, refuse: tuple[str, ...] = ()):
        self.messages = []
        self.refuse = {address.lower() for address in refuse}

    async def handle_RCPT(  # noqa: N802
        self, server, session, envelope, address, rcpt_options
    ):
        if address.lower() in self.refuse:
            return f"550 No mailbox for {address}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(
            (
                envelope.rcpt_tos,
                message_from_bytes(envelope.content, policy=policy.SMTP),
            )
        )
        return "250 Message accepted"


@contextmanager
def smtp_server(port: int, *, refuse: tuple[str, ...] = ()):
    """Accept mail on `port`, refusing the recipients in `refuse`."""
    inbox = Inbox(refuse)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
