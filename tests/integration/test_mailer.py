"""Real e-mail to an aiosmtpd server on loopback."""

from __future__ import annotations

import email

import pytest

from cxm.config import Settings
from cxm.services.mailer import Email, send_email
from mail_helpers import SmtpInbox, free_port


def test_send_email_delivers_text_and_html_in_polish(
    smtp_inbox: SmtpInbox, settings: Settings
) -> None:
    inbox, port = smtp_inbox, smtp_inbox.port
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
    cfg = settings.model_copy(update={"smtp_port": free_port()})
    with pytest.raises(OSError):
        send_email(cfg, Email(to="a@example.com", subject="x", text="y"), timeout=2)
