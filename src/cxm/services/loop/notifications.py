"""Notifications of the loop: e-mail and webhooks through an outbox.

Writing: :func:`enqueue_event` adds outbox rows (one per subscribed webhook, one per e-mail
recipient) inside the caller's transaction, keyed ``<event key>:<target>`` so the same event
is never queued twice. Delivering: :func:`dispatch_notifications` takes due rows, counts the
attempt (committed before sending), sends, and marks the row delivered — a crash between
sending and marking re-sends at most that one message with the same ``Message-ID`` /
``X-Cxm-Delivery`` id, so receivers can drop the repeat. Failures retry with exponential
back-off; after :data:`MAX_ATTEMPTS` the row is dead and an admin may replay it.

Webhook signature: ``X-Cxm-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``
with the webhook's secret, ``X-Cxm-Timestamp`` the Unix time of the attempt."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from cxm.domain.errors import CxmError, NotFound, ValidationFailed
from cxm.services import mailer
from cxm.services.loop.clock import utc_now
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 30.0
WEBHOOK_TIMEOUT = 10.0
#: A published survey with this key is the recontact survey of follow-up e-mails; without
#: one, the e-mail links to the loop's own one-question page.
RECONTACT_SURVEY_KEY = "recontact"
RECONTACT_PLACEHOLDER = "{recontact_link}"
EVENTS = (
    "case.opened",
    "case.status_changed",
    "case.escalated",
    "case.assigned",
    "complaint.acknowledged",
    "complaint.responded",
    "case.follow_up",
    "standard.breached",
)


@dataclass(frozen=True)
class DispatchRun:
    attempted: int
    delivered: int
    failed: int
    dead: int


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff(attempt: int) -> timedelta:
    """Wait after the ``attempt``-th failure: 30 s, 1 min, 2 min, 4 min, …"""
    return timedelta(seconds=BACKOFF_SECONDS * 2 ** max(attempt - 1, 0))


# --- writing (inside the caller's transaction) -------------------------------------------
def load_hooks(conn: Connection) -> list[Any]:
    """The active webhooks (read once per transaction by batch writers)."""
    return list(conn.execute(select(ls.WEBHOOKS).where(ls.WEBHOOKS.c.active.is_(True))))


def build_messages(
    hooks: Iterable[Any],
    *,
    event: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
    emails: Iterable[tuple[str, str, str]] = (),
    case_id: int | None = None,
) -> list[dict[str, Any]]:
    """Outbox rows of one event: one per subscribed webhook, one per e-mail recipient."""
    rows: list[dict[str, Any]] = []
    body = {"event": event, "id": key, "occurred_at": now.isoformat(), "data": payload}
    for hook in hooks:
        wanted = {e.strip() for e in hook.events.split(",")}
        if "*" in wanted or event in wanted:
            rows.append(
                _row(f"{key}:webhook:{hook.id}", "webhook", event, hook.url, body, now, case_id)
                | {"webhook_id": hook.id}
            )
    for address, subject, text in emails:
        if address:
            mail = {"to": address, "subject": subject, "text": text, "event": event}
            rows.append(_row(f"{key}:email:{address}", "email", event, address, mail, now, case_id))
    return rows


def enqueue_event(
    conn: Connection,
    *,
    event: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
    emails: Iterable[tuple[str, str, str]] = (),
    case_id: int | None = None,
) -> int:
    """Queue ``event`` for every active webhook subscribed to it and the e-mails given as
    (address, subject, text), inside the caller's transaction; returns how many were new."""
    rows = build_messages(load_hooks(conn), event=event, key=key, payload=payload, now=now,
                          emails=emails, case_id=case_id)  # fmt: skip
    return len(ls.insert_new(conn, ls.OUTBOX, rows))


def _row(
    key: str,
    channel: str,
    event: str,
    target: str,
    payload: dict[str, Any],
    now: datetime,
    case_id: int | None,
) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "channel": channel,
        "event": event,
        "target": target,
        "webhook_id": None,
        "case_id": case_id,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "created_at": now,
        "delivered_at": None,
    }


# --- delivering ------------------------------------------------------------------------------
def dispatch_notifications(
    rt: Runtime, *, now: datetime | None = None, limit: int = 500
) -> DispatchRun:
    """Deliver every due outbox message (one at a time, each in its own transactions)."""
    now = now or utc_now()
    with rt.db.read() as conn:
        due = [
            dict(r._mapping)
            for r in conn.execute(
                select(ls.OUTBOX)
                .where(ls.OUTBOX.c.status == "pending", ls.OUTBOX.c.next_attempt_at <= now)
                .order_by(ls.OUTBOX.c.id)
                .limit(limit)
            )
        ]
        secrets_by_hook = {
            r.id: r.secret for r in conn.execute(select(ls.WEBHOOKS.c.id, ls.WEBHOOKS.c.secret))
        }
    delivered = failed = dead = 0
    for message in due:
        attempt = message["attempts"] + 1
        with rt.db.write() as conn:
            # count the attempt before sending: a crash right after still shows it
            claimed = conn.execute(
                ls.OUTBOX.update()
                .where(
                    ls.OUTBOX.c.id == message["id"],
                    ls.OUTBOX.c.status == "pending",
                    ls.OUTBOX.c.attempts == message["attempts"],
                )
                .values(attempts=attempt)
            ).rowcount
        if not claimed:
            continue
        message = _resolve_recontact_link(rt, message)
        ok, code, error = _deliver(rt, message, secrets_by_hook.get(message["webhook_id"]))
        with rt.db.write() as conn:
            conn.execute(
                ls.DELIVERIES.insert().values(
                    outbox_id=message["id"],
                    attempt=attempt,
                    at=now,
                    ok=ok,
                    status_code=code,
                    error=error,
                )
            )
            if ok:
                values: dict[str, Any] = {"status": "delivered", "delivered_at": now}
                delivered += 1
            elif attempt >= MAX_ATTEMPTS:
                values = {"status": "dead", "last_error": error}
                dead += 1
            else:
                values = {"next_attempt_at": now + backoff(attempt), "last_error": error}
                failed += 1
            conn.execute(ls.OUTBOX.update().where(ls.OUTBOX.c.id == message["id"]).values(values))
    return DispatchRun(len(due), delivered, failed, dead)


def _resolve_recontact_link(rt: Runtime, message: dict[str, Any]) -> dict[str, Any]:
    """Put the recontact link into a follow-up e-mail once, before its first sending: an
    invitation of the survey service's ``recontact`` survey when one is published, else
    the loop's own page. Stored in the outbox row, so a retry sends the same link."""
    payload = message["payload"]
    recontact = payload.get("recontact")
    if message["channel"] != "email" or not recontact or "link" in recontact:
        return message
    link = recontact["fallback_link"]
    try:
        from cxm.services.surveys import invitations

        invitation = invitations.invite(
            rt, recontact["survey"], customer_external_id=recontact["customer_external_id"],
            email=payload["to"], language=recontact.get("language"), channel="link",
        )  # fmt: skip
        link = str(invitation["link"])
    except (CxmError, ImportError):  # no published recontact survey: the loop's own page
        pass
    payload = payload | {
        "text": payload["text"].replace(RECONTACT_PLACEHOLDER, link),
        "recontact": recontact | {"link": link},
    }
    with rt.db.write() as conn:
        conn.execute(
            ls.OUTBOX.update().where(ls.OUTBOX.c.id == message["id"]).values(payload=payload)
        )
    return message | {"payload": payload}


def _deliver(
    rt: Runtime, message: dict[str, Any], secret: str | None
) -> tuple[bool, int | None, str | None]:
    if message["channel"] == "email":
        mail = message["payload"]
        email = mailer.Email(
            to=mail["to"],
            subject=mail["subject"],
            text=mail["text"],
            headers=(
                ("X-Cxm-Event", mail["event"]),
                ("X-Cxm-Delivery", message["idempotency_key"]),
            ),
        )
        try:
            _send_email(rt, email, message["idempotency_key"])
        except (OSError, smtplib.SMTPException) as exc:
            return False, None, f"{type(exc).__name__}: {exc}"[:500]
        return True, 250, None
    body = json.dumps(message["payload"], sort_keys=True, default=str).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        message["target"],
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "cxm-webhooks/1",
            "X-Cxm-Event": message["event"],
            "X-Cxm-Delivery": message["idempotency_key"],
            "X-Cxm-Timestamp": stamp,
            "X-Cxm-Signature": sign(secret or "", stamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as answer:
            code = int(answer.status)
    except urllib.error.HTTPError as exc:
        return False, int(exc.code), f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return False, None, f"{type(exc).__name__}: {exc}"[:500]
    return 200 <= code < 300, code, None if 200 <= code < 300 else f"HTTP {code}"


def _send_email(rt: Runtime, email: mailer.Email, key: str) -> None:
    message = mailer.build_message(rt.settings, email)
    # a stable Message-ID: a re-send after a crash is recognisably the same message
    del message["Message-ID"]
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@cxm>"
    settings = rt.settings
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30.0) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(message)


# --- administration --------------------------------------------------------------------------
def list_outbox(
    rt: Runtime, *, status: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    query = select(ls.OUTBOX).order_by(ls.OUTBOX.c.id.desc()).limit(limit)
    if status is not None:
        if status not in ("pending", "delivered", "dead"):
            raise ValidationFailed(f"unknown status '{status}'", field="status")
        query = query.where(ls.OUTBOX.c.status == status)
    with rt.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def list_deliveries(rt: Runtime, *, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        select(ls.DELIVERIES, ls.OUTBOX.c.channel, ls.OUTBOX.c.event, ls.OUTBOX.c.target)
        .join(ls.OUTBOX, ls.OUTBOX.c.id == ls.DELIVERIES.c.outbox_id)
        .order_by(ls.DELIVERIES.c.id.desc())
        .limit(limit)
    )
    with rt.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def outbox_counts(rt: Runtime) -> dict[str, int]:
    with rt.db.read() as conn:
        rows = conn.execute(
            select(ls.OUTBOX.c.status, func.count()).group_by(ls.OUTBOX.c.status)
        ).all()
    return {str(s): int(n) for s, n in rows}


def replay_dead(
    rt: Runtime, ids: Iterable[int] | None = None, *, now: datetime | None = None
) -> int:
    """Queue dead messages again (all, or the given ids) with a fresh set of attempts."""
    now = now or utc_now()
    query = ls.OUTBOX.update().where(ls.OUTBOX.c.status == "dead")
    if ids is not None:
        id_list = list(ids)
        if not id_list:
            return 0
        query = query.where(ls.OUTBOX.c.id.in_(id_list))
    with rt.db.write() as conn:
        count = conn.execute(
            query.values(status="pending", attempts=0, next_attempt_at=now)
        ).rowcount
    return int(count or 0)


def add_webhook(
    rt: Runtime,
    name: str,
    url: str,
    *,
    events: str = "*",
    secret: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Register a webhook; returns it with its secret (shown once)."""
    if not url.startswith(("http://", "https://")):
        raise ValidationFailed("a webhook URL starts with http:// or https://", field="url")
    for event in (e.strip() for e in events.split(",")):
        if event != "*" and event not in EVENTS:
            raise ValidationFailed(f"unknown event '{event}' ({', '.join(EVENTS)})", field="events")
    secret = secret or secrets.token_urlsafe(32)
    now = now or utc_now()
    with rt.db.write() as conn:
        result = conn.execute(
            ls.WEBHOOKS.insert().values(
                name=name, url=url, secret=secret, events=events, active=True, created_at=now
            )
        )
        hook_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return {"id": hook_id, "name": name, "url": url, "events": events, "secret": secret}


def list_webhooks(rt: Runtime) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        rows = conn.execute(select(ls.WEBHOOKS).order_by(ls.WEBHOOKS.c.id)).all()
    return [
        {k: v for k, v in dict(r._mapping).items() if k != "secret"} | {"secret": "•••"}
        for r in rows
    ]


def remove_webhook(rt: Runtime, hook_id: int) -> None:
    with rt.db.write() as conn:
        if not conn.execute(
            ls.WEBHOOKS.update().where(ls.WEBHOOKS.c.id == hook_id).values(active=False)
        ).rowcount:
            raise NotFound(f"no webhook {hook_id}")
