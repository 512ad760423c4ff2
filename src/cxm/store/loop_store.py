"""Core access to the loop tables: table handles, watermarks, and inserting rows that must
appear exactly once (cases, outbox messages) keyed by their idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from cxm.store import loop_tables as lt

RULES: Table = lt.LoopAlertRule.__table__  # type: ignore[assignment]
ROUTING: Table = lt.LoopRoutingRule.__table__  # type: ignore[assignment]
CASES: Table = lt.LoopCase.__table__  # type: ignore[assignment]
EVENTS: Table = lt.LoopCaseEvent.__table__  # type: ignore[assignment]
COMPLAINTS: Table = lt.LoopComplaint.__table__  # type: ignore[assignment]
STANDARDS: Table = lt.LoopStandard.__table__  # type: ignore[assignment]
RESULTS: Table = lt.LoopStandardResult.__table__  # type: ignore[assignment]
WEBHOOKS: Table = lt.LoopWebhook.__table__  # type: ignore[assignment]
OUTBOX: Table = lt.LoopOutbox.__table__  # type: ignore[assignment]
DELIVERIES: Table = lt.LoopDelivery.__table__  # type: ignore[assignment]
WATERMARKS: Table = lt.LoopWatermark.__table__  # type: ignore[assignment]


def get_watermark(conn: Connection, name: str) -> int:
    value = conn.execute(select(WATERMARKS.c.value).where(WATERMARKS.c.name == name)).scalar()
    return int(value or 0)


def set_watermark(conn: Connection, name: str, value: int, now: datetime) -> None:
    updated = conn.execute(
        WATERMARKS.update().where(WATERMARKS.c.name == name).values(value=value, updated_at=now)
    )
    if not updated.rowcount:
        conn.execute(WATERMARKS.insert().values(name=name, value=value, updated_at=now))


def existing_keys(conn: Connection, table: Table, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    column = table.c.idempotency_key
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert the rows whose idempotency key is new; return key → id of the inserted ones."""
    if not rows:
        return {}
    keys = [r["idempotency_key"] for r in rows]
    seen = existing_keys(conn, table, keys)
    fresh = [r for r in rows if r["idempotency_key"] not in seen]
    if not fresh:
        return {}
    conn.execute(table.insert(), fresh)
    fresh_keys = [r["idempotency_key"] for r in fresh]
    ids: dict[str, int] = {}
    for start in range(0, len(fresh_keys), 500):
        chunk = fresh_keys[start : start + 500]
        for key, row_id in conn.execute(
            select(table.c.idempotency_key, table.c.id).where(table.c.idempotency_key.in_(chunk))
        ):
            ids[key] = int(row_id)
    return ids


def case_row(conn: Connection, case_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(CASES).where(CASES.c.id == case_id)).first()
    return dict(row._mapping) if row is not None else None
