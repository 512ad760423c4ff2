"""A real SMTP server's inbox for tests (aiosmtpd on loopback) and a free-port helper."""

from __future__ import annotations

import email
import socket
from email.message import Message
from typing import Any


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpInbox:
    """What a real aiosmtpd server on loopback received; ``port`` is where it listens."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Message] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"
