"""How the mirror splits a chunk of rows into its partition files."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from cxm.store.mirror import _split_by_partition


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
