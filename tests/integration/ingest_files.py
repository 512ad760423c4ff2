"""Helpers of the ingestion tests: write the same records as CSV, JSONL or Parquet."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

CUSTOMERS = [
    {
        "external_id": "C1",
        "name": "Anna Kowalska",
        "email": "anna@example.pl",
        "language": "pl",
        "segment": "family",
        "lifecycle_stage": "active",
        "consent_survey": "tak",
        "city": "Kraków",
    },
    {
        "external_id": "C2",
        "name": "John Smith",
        "email": "john@example.com",
        "language": "en",
        "segment": "premium",
        "lifecycle_stage": "loyal",
        "consent_survey": "no",
        "city": "Gdańsk",
    },
]
INTERACTIONS = [
    {
        "external_id": "I1",
        "customer_external_id": "C1",
        "occurred_at": "2025-03-01T10:00:00+01:00",
        "touchpoint": "telesales",
        "channel": "call_center",
        "product": "tv",
        "duration_seconds": "300",
    },
    {
        "external_id": "I2",
        "customer_external_id": "C2",
        "occurred_at": "2025-03-02 09:30:00",
        "touchpoint": "store_sale",
        "channel": "store",
        "department": "retention",
    },
]
RESPONSES = [
    {
        "external_id": "R1",
        "interaction_external_id": "I1",
        "responded_at": "2025-03-02T12:00:00Z",
        "nps": "9",
        "csat": "5",
        "comment": "Szybko i konkretnie",
        "q_speed": "4",
    },
    {
        "external_id": "R2",
        "customer_external_id": "C2",
        "responded_at": "2025-03-03",
        "nps": "3",
        "touchpoint": "online_order",
        "channel": "website",
    },
    {
        "external_id": "R3",
        "interaction_external_id": "I2",
        "responded_at": "2025-03-04T08:00:00",
        "ces": "6",
        "channel": "chat",
    },
]


def write_records(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write records in the format the file name says (.csv, .jsonl, .parquet, .csv.gz)."""
    columns = list(dict.fromkeys(k for r in records for k in r))
    name = path.name
    if name.endswith((".csv", ".csv.gz")):
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(records)
    elif name.endswith((".jsonl", ".ndjson")):
        with path.open("w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif name.endswith(".parquet"):
        table = pa.table({c: [r.get(c) for r in records] for c in columns})
        pq.write_table(table, path)
    else:
        raise ValueError(name)
    return path
