"""Alerts: a metric series that dropped below its control limit, one row per breach
(metric, scope, grain, period) — the unique key makes raising the same breach twice a
no-op. Later work (the closed loop) routes them by ``status``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select

from cxm.store.database import Database
from cxm.store.tables import Alert

ALERT_STATUSES = ("open", "acknowledged", "closed")


ALERTS: Table = Alert.__table__  # type: ignore[assignment]


def insert_new_alerts(db: Database, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the breaches not raised before (by their unique key); return how many were new."""
    if not rows:
        return 0
    with db.write(lock_key="alerts") as conn:
        existing = {
            (r.metric, r.scope_key, r.grain, r.period)
            for r in conn.execute(
                select(ALERTS.c.metric, ALERTS.c.scope_key, ALERTS.c.grain, ALERTS.c.period)
            )
        }
        fresh = [
            r
            for r in rows
            if (r["metric"], r["scope_key"], r["grain"], r["period"]) not in existing
        ]
        if fresh:
            conn.execute(ALERTS.insert(), fresh)
    return len(fresh)


def select_alerts(
    db: Database, *, status: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Newest first (by period, then id)."""
    query = select(ALERTS).order_by(ALERTS.c.period.desc(), ALERTS.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(ALERTS.c.status == status)
    with db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def set_alert_status(db: Database, alert_id: int, status: str, now: datetime) -> bool:
    with db.write(lock_key="alerts") as conn:
        result = conn.execute(
            ALERTS.update().where(ALERTS.c.id == alert_id).values(status=status, updated_at=now)
        )
        return bool(result.rowcount)
