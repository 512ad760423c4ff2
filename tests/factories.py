"""Test data: experience rows written straight into the store with SQLAlchemy Core, with
``change_seq`` and ``updated_at`` set as the real write paths set them."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from cxm.services.runtime import Runtime
from cxm.store.tables import Base

DIMENSION_COLUMNS = (
    "journey",
    "stage",
    "touchpoint",
    "channel",
    "product",
    "department",
    "process",
    "transaction_type",
    "segment",
    "lifecycle_stage",
)


def insert_rows(rt: Runtime, table_name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows in one write transaction, numbering their change_seq consecutively."""
    if not rows:
        return
    table = Base.metadata.tables[table_name]
    now = datetime(2030, 1, 1)
    with rt.db.write(lock_key=table_name) as conn:
        seq = rt.db.next_change_seq(conn, table_name)
        payload = [{"updated_at": now, **row, "change_seq": seq + i} for i, row in enumerate(rows)]
        conn.execute(table.insert(), payload)


def update_rows(rt: Runtime, table_name: str, changes: Mapping[str, Mapping[str, Any]]) -> None:
    """Update rows by external id (as a re-import does): each gets a new change_seq."""
    table = Base.metadata.tables[table_name]
    with rt.db.write(lock_key=table_name) as conn:
        seq = rt.db.next_change_seq(conn, table_name)
        for i, (external_id, values) in enumerate(changes.items()):
            conn.execute(
                update(table)
                .where(table.c.external_id == external_id)
                .values(**values, change_seq=seq + i, updated_at=datetime(2030, 1, 2))
            )


def response_rows(
    n: int,
    *,
    seed: int = 1,
    start: datetime = datetime(2024, 11, 1),
    days: int = 180,
    vocab: Mapping[str, Sequence[str]] | None = None,
    prefix: str = "r",
    comment_share: float = 0.2,
) -> list[dict[str, Any]]:
    """``n`` plausible responses spread over ``days`` from ``start``; every metric is
    sometimes missing so that per-metric counts differ."""
    rng = random.Random(seed)
    vocab = vocab or default_vocab()
    rows = []
    for i in range(n):
        row: dict[str, Any] = {
            "external_id": f"{prefix}{i}",
            "source": rng.choice(("survey", "api", "import", "review")),
            "responded_at": start + timedelta(seconds=rng.randrange(days * 86_400)),
            "nps": rng.choice((None, *range(11), 9, 10, 10)),
            "csat": rng.choice((None, 1, 2, 3, 4, 4, 5, 5)),
            "ces": rng.choice((None, *range(1, 8))),
            "language": rng.choice(("pl", "pl", "en")),
            "comment": "ok" if rng.random() < comment_share else None,
            "answers": {"q1": rng.randrange(5)} if rng.random() < 0.3 else None,
        }
        for dim, values in vocab.items():
            row[dim] = rng.choice(values)
        rows.append(row)
    return rows


def default_vocab() -> dict[str, tuple[str | None, ...]]:
    return {
        "segment": ("young", "family", "senior", "business"),
        "channel": ("web", "phone", "branch"),
        "department": ("sales", "support", "billing"),
        "touchpoint": ("login", "checkout", "call", None),
        "product": ("basic", "premium"),
    }


def insert_responses(rt: Runtime, rows: Iterable[Mapping[str, Any]], batch: int = 5000) -> None:
    chunk: list[Mapping[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            insert_rows(rt, "responses", chunk)
            chunk = []
    insert_rows(rt, "responses", chunk)


def customer_rows(n: int, *, prefix: str = "c") -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"{prefix}{i}",
            "name": f"Klient {i}",
            "segment": ("young", "family", "senior")[i % 3],
            "consent_email": i % 2 == 0,
            "attributes": {"city": "Kraków"} if i % 4 == 0 else None,
            "created_at": datetime(2024, 1, 1) + timedelta(days=i % 300),
        }
        for i in range(n)
    ]


# --- Added by the web helper: data with known numbers for dashboard and access tests -------


def seed_departments(rt: Runtime) -> None:
    """60 promoters in customer service and 40 detractors in billing, spread over 2025:
    NPS is +20 overall, +100 for customer service and −100 for billing."""
    start = datetime(2025, 1, 1)
    rows = []
    for i in range(100):
        department, nps, segment, journey, touchpoint = (
            ("customer_service", 10, "family", "get_help", "hotline")
            if i < 60
            else ("billing", 0, "senior", "use", "invoice")
        )
        rows.append(
            {
                "external_id": f"w{i}",
                "source": "survey",
                "responded_at": start + timedelta(days=(i * 3) % 360),
                "nps": nps,
                "csat": 5 if nps == 10 else 2,
                "ces": 2 if nps == 10 else 6,
                "language": "pl",
                "journey": journey,
                "touchpoint": touchpoint,
                "department": department,
                "segment": segment,
                "channel": "call_center",
            }
        )
    insert_responses(rt, rows)
