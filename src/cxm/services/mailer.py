"""Sending e-mail over SMTP (stdlib smtplib) with the settings' server and sender.

Callers keep their own record of what was sent (an outbox, an invitation's ``sent_at``) so
that a retry after a crash never sends twice; this module only delivers one message."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import make_msgid

from cxm.config import Settings


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def build_message(settings: Settings, email: Email) -> EmailMessage:
    # long unbreakable header values (List-Unsubscribe URLs) stay plain text, not RFC 2047
    # encoded words that mail clients would not recognise as a URL; RFC 5322 allows 998
    message = EmailMessage(policy=default_policy.clone(max_line_length=998))
    message["From"] = settings.mail_from
    message["To"] = email.to
    message["Subject"] = email.subject
    # A caller's own Message-ID (an outbox's stable one) replaces the generated one.
    own_id = next((v for k, v in email.headers if k.lower() == "message-id"), None)
    message["Message-ID"] = own_id or make_msgid(domain="cxm")
    for name, value in email.headers:
        if name.lower() != "message-id":
            message[name] = value
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    return message


def send_email(settings: Settings, email: Email, *, timeout: float = 30.0) -> str:
    """Deliver one message; returns its Message-ID. Raises OSError/SMTPException on failure."""
    message = build_message(settings, email)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(message)
    return str(message["Message-ID"])
