"""The Parquet mirror: incremental refresh, replaced updates, monthly partitions, atomic
visibility for concurrent readers, status and lag."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxm.services import mirror
from cxm.services.runtime import Runtime
from cxm.store import mirror as mirror_store
from factories import customer_rows, insert_responses, insert_rows, response_rows, update_rows


def read_table(mirror_dir: Path, table: str, manifest: dict | None = None) -> pa.Table:
    """What a reader sees: exactly the files the manifest lists."""
    manifest = manifest or json.loads((mirror_dir / "manifest.json").read_text())
    files = sorted(manifest["tables"][table]["files"])
    if not files:
        return pq.read_table(mirror_dir / manifest["schema_files"][table])
    return pa.concat_tables(pq.read_table(mirror_dir / f) for f in files)


@pytest.fixture
def mirror_dir(runtime: Runtime) -> Path:
    return runtime.settings.mirror_dir


def test_refresh_copies_only_new_rows_when_run_again(runtime: Runtime, mirror_dir: Path) -> None:
    insert_responses(runtime, response_rows(300, prefix="a"))
    first = mirror.refresh_mirror(runtime).table("responses")
    assert (first.rows, first.watermark, first.lag) == (300, 300, 0)
    files_before = set(
        json.loads((mirror_dir / "manifest.json").read_text())["tables"]["responses"]["files"]
    )

    insert_responses(runtime, response_rows(50, prefix="b", seed=2))
    status = mirror.refresh_mirror(runtime).table("responses")

    assert (status.rows, status.watermark) == (350, 350)
    files_after = set(
        json.loads((mirror_dir / "manifest.json").read_text())["tables"]["responses"]["files"]
    )
    assert files_before <= files_after  # old files untouched: nothing was rewritten
    ids = read_table(mirror_dir, "responses").column("external_id").to_pylist()
    assert sorted(ids) == sorted([f"a{i}" for i in range(300)] + [f"b{i}" for i in range(50)])


def test_updated_row_replaces_old_copy_when_reimported(runtime: Runtime, mirror_dir: Path) -> None:
    insert_responses(runtime, response_rows(200))
    mirror.refresh_mirror(runtime)
    update_rows(runtime, "responses", {"r7": {"nps": 0, "comment": "zmiana"}, "r8": {"csat": 1}})

    mirror.refresh_mirror(runtime)

    data = read_table(mirror_dir, "responses").to_pylist()
    assert len(data) == 200
    r7 = [row for row in data if row["external_id"] == "r7"]
    assert len(r7) == 1 and r7[0]["nps"] == 0 and r7[0]["comment"] == "zmiana"
    assert [row["csat"] for row in data if row["external_id"] == "r8"] == [1]


def test_row_leaves_old_partition_when_its_month_changes(
    runtime: Runtime, mirror_dir: Path
) -> None:
    rows = response_rows(40, start=datetime(2025, 3, 1), days=20)
    insert_responses(runtime, rows)
    mirror.refresh_mirror(runtime)
    update_rows(runtime, "responses", {"r0": {"responded_at": datetime(2024, 1, 15, 8, 0)}})

    mirror.refresh_mirror(runtime)

    manifest = json.loads((mirror_dir / "manifest.json").read_text())
    files = manifest["tables"]["responses"]["files"]
    months = {f.split("/")[1] for f in files}
    assert months == {"month=2024-01", "month=2025-03"}
    march = (
        pa.concat_tables(pq.read_table(mirror_dir / f) for f in files if "month=2025-03" in f)
        .column("external_id")
        .to_pylist()
    )
    assert "r0" not in march and len(march) == 39
    january = pq.read_table(mirror_dir / next(f for f in files if "month=2024-01" in f))
    assert january.column("external_id").to_pylist() == ["r0"]


def test_partitions_follow_month_of_responded_at(runtime: Runtime, mirror_dir: Path) -> None:
    insert_responses(runtime, response_rows(500, start=datetime(2024, 11, 1), days=120))
    mirror.refresh_mirror(runtime)
    for path in (mirror_dir / "responses").glob("month=*/*.parquet"):
        month = path.parent.name.removeprefix("month=")
        times = pq.read_table(path, columns=["responded_at"]).column("responded_at").to_pylist()
        assert {t.strftime("%Y-%m") for t in times} == {month}


def test_day_columns_hold_the_day_of_each_time_when_mirrored(
    runtime: Runtime, mirror_dir: Path
) -> None:
    insert_responses(runtime, response_rows(300, start=datetime(2024, 12, 30), days=5))
    mirror.refresh_mirror(runtime)
    data = read_table(mirror_dir, "responses").select(["responded_at", "responded_on"])
    assert data.schema.field("responded_on").type == pa.date32()
    pairs = zip(data["responded_at"].to_pylist(), data["responded_on"].to_pylist(), strict=True)
    assert all(day == at.date() for at, day in pairs)
    schema = pq.read_schema(mirror_dir / "responses" / "schema.parquet")
    assert "responded_on" in schema.names  # an empty table reads with the same columns


def test_row_groups_are_whole_when_partitions_arrive_interleaved(
    runtime: Runtime, mirror_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small sizes stand for the real ones: chunks of 50 rows spread over four months are
    # flushed every 100 rows, so each month's file receives row groups of about 25 rows
    monkeypatch.setattr(mirror_store, "CHUNK_ROWS", 50)
    monkeypatch.setattr(mirror_store, "FLUSH_ROWS", 100)
    monkeypatch.setattr(mirror_store, "ROW_GROUP_ROWS", 200)
    rows = response_rows(1_200, start=datetime(2025, 1, 1), days=120)
    insert_responses(runtime, rows)

    mirror.refresh_mirror(runtime)

    files = sorted((mirror_dir / "responses").glob("month=*/*.parquet"))
    assert len(files) >= 4
    for path in files:
        sizes = [g.num_rows for g in iter_row_groups(path)]
        assert all(size == 200 for size in sizes[:-1]) and 0 < sizes[-1] <= 200, sizes
    ids = read_table(mirror_dir, "responses").column("external_id").to_pylist()
    assert sorted(ids) == sorted(row["external_id"] for row in rows)
    assert not list(mirror_dir.rglob(".tmp-*"))  # the spilled rows are gone


def iter_row_groups(path: Path) -> list[pq.RowGroupMetaData]:
    meta = pq.ParquetFile(path).metadata
    return [meta.row_group(i) for i in range(meta.num_row_groups)]


def test_mirror_of_an_older_layout_is_rebuilt_and_its_files_kept_for_readers(
    runtime: Runtime, mirror_dir: Path
) -> None:
    insert_responses(runtime, response_rows(120))
    mirror.refresh_mirror(runtime)
    manifest = json.loads((mirror_dir / "manifest.json").read_text())
    old_files = set(manifest["tables"]["responses"]["files"])
    manifest["version"] = mirror_store.MIRROR_FORMAT - 1
    (mirror_dir / "manifest.json").write_text(json.dumps(manifest))

    status = mirror.refresh_mirror(runtime).table("responses")

    rebuilt = json.loads((mirror_dir / "manifest.json").read_text())
    assert rebuilt["version"] == mirror_store.MIRROR_FORMAT
    assert status.rows == 120 and status.lag == 0
    assert not old_files & set(rebuilt["tables"]["responses"]["files"])
    assert old_files <= {rel for rel, _ in rebuilt["garbage"]}  # readers of the old manifest
    assert all((mirror_dir / rel).exists() for rel in old_files)
    assert read_table(mirror_dir, "responses").num_rows == 120


def test_customers_mirror_keeps_types_and_json_when_refreshed(
    runtime: Runtime, mirror_dir: Path
) -> None:
    insert_rows(runtime, "customers", customer_rows(10))
    mirror.refresh_mirror(runtime)
    data = {r["external_id"]: r for r in read_table(mirror_dir, "customers").to_pylist()}
    assert data["c0"]["consent_email"] is True and data["c1"]["consent_email"] is False
    assert json.loads(data["c0"]["attributes"]) == {"city": "Kraków"}
    assert data["c1"]["attributes"] is None
    assert data["c3"]["created_at"] == datetime(2024, 1, 4)


def test_status_reports_lag_until_refreshed(runtime: Runtime) -> None:
    assert mirror.mirror_status(runtime).built is False
    insert_responses(runtime, response_rows(20))
    mirror.refresh_mirror(runtime)
    insert_responses(runtime, response_rows(5, prefix="z"))

    status = mirror.mirror_status(runtime)

    assert status.built and status.table("responses").lag == 5
    assert status.table("responses").age_seconds is not None
    assert status.table("responses").age_seconds < 60
    rollup = status.table("response_rollups")  # behind by its source's lag, counted once
    assert (rollup.rollup_of, rollup.lag, status.lag) == ("responses", 5, 5)
    assert rollup.rows > 0 and rollup.watermark == status.table("responses").watermark
    refreshed = mirror.refresh_mirror(runtime)
    assert refreshed.lag == 0 and refreshed.table("response_rollups").lag == 0
    assert refreshed.to_dict()["tables"][-1]["rollup_of"] == "interactions"


def test_progress_counts_the_copied_changes_then_the_rows_the_rollups_and_paths_read(
    runtime: Runtime,
) -> None:
    insert_responses(runtime, response_rows(30))
    calls: list[tuple[int, int]] = []
    mirror.refresh_mirror(runtime, on_progress=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert done == sorted(done) and all(d <= t for d, t in calls)
    assert calls[-1][0] == calls[-1][1] == 30 + 30  # the responses, then read by their rollup
    assert {t for _, t in calls} == {60}  # the rollup's part is planned from the start

    insert_responses(runtime, response_rows(4, prefix="n"))
    calls.clear()
    mirror.refresh_mirror(runtime, on_progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (4 + 4, 4 + 4)  # an added file rolls up alone, not its whole month

    update_rows(runtime, "responses", {"n0": {"nps": 0}})
    calls.clear()
    mirror.refresh_mirror(runtime, on_progress=lambda done, total: calls.append((done, total)))
    assert calls[0][1] == 1 + 1 and calls[-1][0] == calls[-1][1] > 2  # its month, read whole

    insert_rows(runtime, "customers", customer_rows(2))
    interactions = [
        {"external_id": f"i{i}", "customer_id": 1 + i % 2, "touchpoint": "call",
         "occurred_at": datetime(2025, 1, 1 + i)}
        for i in range(10)
    ]  # fmt: skip
    insert_rows(runtime, "interactions", interactions[:8])
    calls.clear()
    mirror.refresh_mirror(runtime, on_progress=lambda done, total: calls.append((done, total)))
    # customers, interactions, their rollup, then every interaction read by the paths
    assert {t for _, t in calls} == {2 + 8 + 8 + 8} and calls[-1][0] == 26
    insert_rows(runtime, "interactions", interactions[8:])
    calls.clear()
    mirror.refresh_mirror(runtime, on_progress=lambda done, total: calls.append((done, total)))
    assert {t for _, t in calls} == {2 + 2 + 10} and calls[-1][0] == 14


def test_ensure_fresh_refreshes_only_when_old_and_behind(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    insert_responses(rt, response_rows(10))
    mirror.ensure_fresh(rt)  # never built: builds
    assert mirror.mirror_status(rt).table("responses").rows == 10
    insert_responses(rt, response_rows(3, prefix="n"))
    mirror.ensure_fresh(rt)  # young: left as is
    assert mirror.mirror_status(rt).table("responses").lag == 3
    rt.settings.mirror_max_age_seconds = 0
    mirror.ensure_fresh(rt)
    assert mirror.mirror_status(rt).table("responses").lag == 0


def test_compaction_merges_small_files_when_many_refreshes(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    for k in range(mirror_store.COMPACT_AFTER_FILES + 2):
        insert_responses(rt, response_rows(5, prefix=f"k{k}_", start=datetime(2025, 5, 1), days=5))
        mirror.refresh_mirror(rt)
    status = mirror.mirror_status(rt).table("responses")
    assert status.rows == 5 * (mirror_store.COMPACT_AFTER_FILES + 2)
    assert status.files <= mirror_store.COMPACT_AFTER_FILES
    assert read_table(rt.settings.mirror_dir, "responses").num_rows == status.rows
    files = (rt.settings.mirror_dir / "responses").glob("month=*/*.parquet")
    assert max(len(iter_row_groups(path)) for path in files) == 1  # one group, not one per file


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_concurrent_reader_never_sees_partial_mirror(
    sqlite_runtime: Runtime, stop: threading.Event
) -> None:
    rt = sqlite_runtime
    insert_responses(rt, response_rows(1000, prefix="base"))
    mirror.refresh_mirror(rt)
    seen: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                manifest = json.loads((rt.settings.mirror_dir / "manifest.json").read_text())
                state = manifest["tables"]["responses"]
                table = read_table(rt.settings.mirror_dir, "responses", manifest)
                assert table.num_rows == state["rows"]
                assert table.column("external_id").null_count == 0
                seen.append(table.num_rows)
            except BaseException as exc:
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    for k in range(6):
        insert_responses(rt, response_rows(700, prefix=f"w{k}_", seed=k))
        update_rows(rt, "responses", {f"base{k}": {"nps": k}})
        mirror.refresh_mirror(rt)
    stop.set()
    thread.join(10)
    assert not errors, errors[0]
    assert seen and all(n in {1000 + 700 * k for k in range(7)} for n in seen)
