"""How the mirror splits a chunk of rows into its partition files, and which changed
customers it remembers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from cxm.store import mirror
from cxm.store.mirror import _split_by_partition, arrow_schema
from cxm.store.tables import Base


def test_rows_go_to_their_month_in_their_order_and_timeless_rows_to_none() -> None:
    times = [datetime(2025, 3, 9), datetime(2024, 12, 1), None, datetime(2025, 3, 1)]
    chunk = pa.table({"id": [1, 2, 3, 4], "at": pa.array(times, pa.timestamp("us"))})

    parts = {key: part.column("id").to_pylist() for key, part in _split_by_partition(chunk, "at")}

    assert parts == {"month=2024-12": [2], "month=2025-03": [1, 4], "month=none": [3]}


def test_ids_go_to_buckets_and_rows_without_an_id_to_none() -> None:
    chunk = pa.table({"customer_id": [25, 3, None, 12, 7], "n": [0, 1, 2, 3, 4]})

    parts = {
        key: part.column("n").to_pylist()
        for key, part in _split_by_partition(chunk, "customer_id", 10)
    }

    assert parts == {"bucket=00000": [1, 4], "bucket=00001": [3], "bucket=00002": [0]}


def test_a_chunk_of_one_partition_is_passed_on_whole() -> None:
    chunk = pa.table({"id": [5, 9, 7]})

    [(key, part)] = list(_split_by_partition(chunk, "id", 100))

    assert key == "bucket=00000" and part is chunk


def interactions_of(customers: list[int]) -> pa.Table:
    schema = arrow_schema(Base.metadata.tables["interactions"])
    n = len(customers)
    given = {
        "id": pa.array(range(1, n + 1), pa.int64()),
        "customer_id": pa.array(customers, pa.int64()),
        "occurred_at": pa.array([datetime(2025, 1, 1)] * n, pa.timestamp("us")),
    }
    return pa.table([given.get(f.name, pa.nulls(n, f.type)) for f in schema], schema=schema)


@pytest.mark.parametrize(
    ("chunks", "every", "kept"),
    [
        ([[1, 2, 2], [1, 2], [2, 1], [1]], False, [1, 2]),  # repeats collapse past the bound
        ([[1, 2], [3, 4], [5], [6, 7]], True, []),  # more than the bound: everyone
    ],
)
def test_copies_stop_listing_changed_customers_once_everyone_is_rebuilt(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunks: list[list[int]],
    every: bool,
    kept: list[int],
) -> None:
    monkeypatch.setattr(mirror, "REBUILD_CUSTOMERS", 3)
    schema = arrow_schema(Base.metadata.tables["interactions"])
    copies = mirror._NewCopies(tmp_path, "interactions", schema, 0)
    try:
        for customers in chunks:
            copies.add(interactions_of(customers))
        assert copies.every_customer is every
        assert sorted(set(np.concatenate([[], *copies.customers]).astype(int))) == kept
    finally:
        copies.abort()
