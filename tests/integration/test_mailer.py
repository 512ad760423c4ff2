"""Real e-mail to an aiosmtpd server on loopback."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from cxm.config import Settings
from cxm.services.mailer import Email, send_email


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[_Inbox, int]]:
    inbox, port = _Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_send_email_delivers_text_and_html_in_polish(
    smtp_inbox: tuple[_Inbox, int], settings: Settings
) -> None:
    inbox, port = smtp_inbox
    cfg = settings.model_copy(update={"smtp_port": port, "mail_from": "cxm <cx@firma.pl>"})
    message_id = send_email(
        cfg,
        Email(
            to="klient@example.com",
            subject="Jak oceniasz wizytę?",
            text="Dziękujemy!",
            html="<p>Dziękujemy!</p>",
        ),
    )
    assert len(inbox.messages) == 1
    got = inbox.messages[0]
    assert got["Message-ID"] == message_id
    assert got["To"] == "klient@example.com"
    assert str(email.header.make_header(email.header.decode_header(got["Subject"]))) == (
        "Jak oceniasz wizytę?"
    )
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in got.walk()
        if not p.is_multipart()
    }
    assert "Dziękujemy!" in parts["text/plain"] and "<p>" in parts["text/html"]


def test_send_email_unreachable_server_raises(settings: Settings) -> None:
    cfg = settings.model_copy(update={"smtp_port": _free_port()})
    with pytest.raises(OSError):
        send_email(cfg, Email(to="a@example.com", subject="x", text="y"), timeout=2)
