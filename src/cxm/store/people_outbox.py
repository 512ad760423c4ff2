"""The people area's e-mail outbox: enqueue once per key, claim, mark sent or failed.

A message is claimed in one short transaction (so two workers never send it at the same
time), sent outside any transaction, then marked sent. A crash after sending and before
marking leaves it claimed; it is retried after ``STALE_CLAIM`` with the same Message-ID,
so a receiving server or client can drop the duplicate; nothing is ever lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, or_, select, update

from cxm.store.database import Database
from cxm.store.tables import Base

OUTBOX = Base.metadata.tables["people_outbox"]
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Outgoing:
    id: int
    key: str
    recipient: str
    subject: str
    body: str


def enqueue(
    conn: Connection, key: str, recipient: str, subject: str, body: str, now: datetime
) -> bool:
    """Add a message unless one with ``key`` exists; True when added."""
    exists = conn.execute(select(OUTBOX.c.id).where(OUTBOX.c.key == key)).first()
    if exists is not None:
        return False
    conn.execute(
        OUTBOX.insert().values(
            key=key,
            recipient=recipient,
            subject=subject[:300],
            body=body,
            created_at=now,
            attempts=0,
        )
    )
    return True


def claim(db: Database, now: datetime, limit: int = 100) -> list[Outgoing]:
    """Claim unsent messages (never claimed, or claimed longer ago than STALE_CLAIM)."""
    ready = and_(
        OUTBOX.c.sent_at.is_(None),
        OUTBOX.c.attempts < MAX_ATTEMPTS,
        or_(OUTBOX.c.claimed_at.is_(None), OUTBOX.c.claimed_at < now - STALE_CLAIM),
    )
    with db.write(lock_key="people_outbox") as conn:
        rows = conn.execute(select(OUTBOX).where(ready).order_by(OUTBOX.c.id).limit(limit)).all()
        ids = [r.id for r in rows]
        if ids:
            conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(ids))
                .values(claimed_at=now, attempts=OUTBOX.c.attempts + 1)
            )
    return [Outgoing(r.id, r.key, r.recipient, r.subject, r.body) for r in rows]


def mark_sent(db: Database, message_id: int, now: datetime) -> None:
    with db.write() as conn:
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id).values(sent_at=now))


def mark_failed(db: Database, message_id: int, error: str) -> None:
    """Release the claim so the next run retries (until MAX_ATTEMPTS)."""
    with db.write() as conn:
        conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == message_id)
            .values(claimed_at=None, last_error=error[:500])
        )


def counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        rows = conn.execute(select(OUTBOX.c.sent_at, OUTBOX.c.attempts)).all()
    sent = sum(1 for r in rows if r.sent_at is not None)
    failed = sum(1 for r in rows if r.sent_at is None and r.attempts >= MAX_ATTEMPTS)
    return {"sent": sent, "pending": len(rows) - sent - failed, "failed": failed}
