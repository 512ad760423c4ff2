"""The mirror's two ways of reading SQLite: large copies go through the ADBC driver in a child
process (``store.sqlite_export``), small ones through ``sqlite3``; both must give the same
files, whatever the rows hold (nulls before text, booleans, JSON, fractions, times)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxm.services import mirror
from cxm.services.runtime import Runtime
from cxm.store import mirror as mirror_store
from cxm.store import sqlite_export
from cxm.store.tables import MIRRORED_TABLES
from factories import customer_rows, insert_responses, insert_rows, response_rows, update_rows


def mirrored(mirror_dir: Path, table: str) -> pa.Table:
    manifest = json.loads((mirror_dir / "manifest.json").read_text())
    files = sorted(manifest["tables"][table]["files"]) or [manifest["schema_files"][table]]
    data = pa.concat_tables(pq.read_table(mirror_dir / f) for f in files)
    return data.sort_by("id")


def fill(rt: Runtime) -> None:
    customers = customer_rows(400)
    for row in customers[:250]:  # the first rows' JSON and booleans are all null
        row["attributes"] = None
    insert_rows(rt, "customers", customers)
    rows = response_rows(3_000, comment_share=0.05)
    for row in rows[:2_000]:  # the driver infers types from a batch of nulls otherwise
        row["comment"] = row["answers"] = row["touchpoint"] = None
    rows[2_500]["comment"] = 'Zażółć gęślą jaźń — 100 % "cytat"'
    insert_responses(rt, rows)
    insert_rows(
        rt,
        "interactions",
        [
            {
                "external_id": f"i{i}",
                "occurred_at": datetime(2025, 1, 1 + i % 28, 8, i % 60, 5, 123456),
                "touchpoint": "login",
                "duration_seconds": None if i < 1_500 else i / 7,
                "monetary_value": 12 if i % 2 else 12.25,
            }
            for i in range(2_000)
        ],
    )


def test_child_process_copy_equals_the_cursor_copy(
    sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runtime = sqlite_runtime
    fill(runtime)
    mirror_dir = runtime.settings.mirror_dir
    monkeypatch.setattr(mirror_store, "EXPORT_MIN_CHANGES", 10**9)
    mirror.refresh_mirror(runtime)
    by_cursor = tmp_path / "by-cursor"
    shutil.copytree(mirror_dir, by_cursor)
    shutil.rmtree(mirror_dir)

    monkeypatch.setattr(mirror_store, "EXPORT_MIN_CHANGES", 1)
    monkeypatch.setattr(mirror_store, "CHUNK_ROWS", 500)  # batches of nulls come first
    mirror.refresh_mirror(runtime)

    for table in MIRRORED_TABLES:
        expected = mirrored(by_cursor, table)
        assert expected.num_rows > 0 or table not in ("customers", "responses", "interactions")
        assert mirrored(mirror_dir, table).equals(expected), table
    # an update after the copy goes the same way (old copy retired, new one written)
    update_rows(runtime, "responses", {"r3": {"nps": 0, "comment": "nowy"}})
    mirror.refresh_mirror(runtime)
    r3 = mirrored(mirror_dir, "responses").filter(pa.compute.equal(pa.compute.field("id"), 4))
    assert r3.select(["nps", "comment"]).to_pylist() == [{"nps": 0, "comment": "nowy"}]


def test_export_failure_names_the_database_and_the_cause(sqlite_runtime: Runtime) -> None:
    database = sqlite_runtime.db.sqlite_path
    assert database is not None
    query = sqlite_export.typed_query([("id", "INTEGER")], "no_such_table", "1", "id")
    with pytest.raises(sqlite_export.ExportFailed, match=r"cxm.*no_such_table"):
        list(sqlite_export.stream(database, query, ["id"], 100))
