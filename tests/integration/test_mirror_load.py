"""An import into SQLite copies its rows into the mirror as it commits them
(``store.mirror.Load``); the mirror must come out exactly as when the refresh after the import
reads the rows back from the store: new rows, updates, a row updated twice by one load, and
another writer changing the table in the middle of a load."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxm.services import ingest, mirror
from cxm.services.demo import write_demo_source
from cxm.services.runtime import Runtime, open_runtime
from cxm.store import bulk
from cxm.store import mirror as mirror_store
from cxm.store.tables import MIRRORED_TABLES
from settings_helpers import make_settings

KINDS = ("employees", "customers", "interactions", "responses")
TABLES = (*MIRRORED_TABLES, *mirror_store.DERIVED_TABLES)
Step = tuple[str, Path, Callable[[Runtime], None] | None]


def canonical(mirror_dir: Path, table: str) -> pa.Table:
    """A mirrored table's rows in one order, without the time of the write."""
    manifest = json.loads((mirror_dir / "manifest.json").read_text())
    files = sorted(manifest["tables"][table]["files"]) or [manifest["schema_files"][table]]
    data = pa.concat_tables(pq.read_table(mirror_dir / f) for f in files)
    data = data.drop_columns([c for c in ("updated_at",) if c in data.column_names])
    return data.sort_by([(c, "ascending") for c in data.column_names])


def mirrored_times(mirror_dir: Path, table: str) -> dict[int, datetime]:
    manifest = json.loads((mirror_dir / "manifest.json").read_text())
    data = pa.concat_tables(
        pq.read_table(mirror_dir / f, columns=["id", "updated_at"])
        for f in manifest["tables"][table]["files"]
    )
    return dict(zip(data["id"].to_pylist(), data["updated_at"].to_pylist(), strict=True))


def run(data_dir: Path, steps: list[Step], *, along: bool) -> Runtime:
    """The store after importing each step's file (in batches of 1,000 rows); ``along``: with
    the mirror copied during each import, else refreshed from the store after it. A step's
    callback runs once, after the first batch is written."""
    rt = open_runtime(make_settings(data_dir, import_batch_size=1_000))
    for kind, path, between in steps:
        pending = [between] if between is not None else []

        def after_batch(_done: int, _total: int | None, pending: Any = pending) -> None:
            while pending:
                pending.pop()(rt)

        if along:
            ingest.import_files(rt, kind, [path], on_progress=after_batch, analyse_comments=False)
        else:
            ingest.import_files(
                rt, kind, [path], on_progress=after_batch, refresh_mirror=False,
                analyse_comments=False,
            )  # fmt: skip
            mirror.refresh_mirror(rt)
    return rt


def again(
    source: Path, target: Path, rows: int, change: Callable[[int, dict[str, Any]], None]
) -> Path:
    data = pq.read_table(source).slice(0, rows).to_pylist()
    for i, row in enumerate(data):
        change(i, row)
    pq.write_table(pa.Table.from_pylist(data), target)
    return target


def other_writer(rt: Runtime) -> None:
    """Another writer in the middle of a load: a new response, and an update of a response
    the load wrote in its first batch."""
    for external_id, nps in (("api-1", 4), ("R-gap", 1)):
        bulk.save_response(
            rt.db,
            {
                "external_id": external_id,
                "source": "api",
                "responded_at": datetime(2025, 3, 1),
                "nps": nps,
            },
        )


@pytest.fixture
def stream_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int, int]]]:
    """Every read of changes from the store: (table, low, high)."""
    calls: list[tuple[str, int, int]] = []
    original = mirror_store._stream_changes

    def spy(db: Any, table: Any, schema: Any, low: int, high: int) -> Iterator[pa.Table]:
        calls.append((table.name, low, high))
        return original(db, table, schema, low, high)

    monkeypatch.setattr(mirror_store, "_stream_changes", spy)
    yield calls


def test_copies_made_during_imports_equal_copies_read_back_after_them(
    tmp_path: Path, stream_calls: list[tuple[str, int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # row groups small enough that partitions are encoded while a load goes on, also in the
    # loads whose copies are given up
    monkeypatch.setattr(mirror_store, "FLUSH_ROWS", 500)
    monkeypatch.setattr(mirror_store, "ROW_GROUP_ROWS", 700)
    gen = open_runtime(make_settings(tmp_path / "gen"))
    files = write_demo_source(gen.taxonomy, tmp_path / "source", size="small", seed=5).files
    gen.close()
    responses = files["responses"][0]

    def rescore(i: int, row: dict[str, Any]) -> None:
        row["nps"] = (i * 7) % 11
        row["comment"] = None
        if i % 3 == 0:
            row["external_id"] += "-new"  # new rows among the updates

    def twice(i: int, row: dict[str, Any]) -> None:
        if i == 1_500:  # the first row again, in the second batch
            row["external_id"] = "R-twice"
        if i == 0:
            row["external_id"] = "R-twice"
            row["nps"] = 0

    def renamed(i: int, row: dict[str, Any]) -> None:
        row["external_id"] = "R-gap" if i == 0 else row["external_id"] + "-gap"

    steps: list[Step] = [(kind, files[kind][0], None) for kind in KINDS]
    steps += [
        ("responses", again(responses, tmp_path / "rescored.parquet", 2_500, rescore), None),
        ("responses", again(responses, tmp_path / "twice.parquet", 2_000, twice), None),
        ("responses", again(responses, tmp_path / "gap.parquet", 3_000, renamed), other_writer),
    ]
    read_back = run(tmp_path / "read-back", steps, along=False)
    stream_calls.clear()
    along = run(tmp_path / "along", steps, along=True)
    try:
        for table in TABLES:
            expected = canonical(read_back.settings.mirror_dir, table)
            assert expected.num_rows > 0 or table == "comment_analyses", table
            assert canonical(along.settings.mirror_dir, table).equals(expected), table
        # the time of each write is the store's own
        with along.db.read() as conn:
            stored = conn.exec_driver_sql("SELECT id, updated_at FROM responses").all()
        copied = mirrored_times(along.settings.mirror_dir, "responses")
        assert copied == {i: datetime.fromisoformat(t) for i, t in stored}
        # the first import of every kind was copied along, never read back; batches that
        # updated rows were read back one by one
        assert not [call for call in stream_calls if call[0] in KINDS and call[1] == 0]
        assert any(t == "responses" and high - low <= 1_000 for t, low, high in stream_calls)
    finally:
        read_back.close()
        along.close()
