"""Large batches into SQLite are copied from a staged file (``store.sqlite_stage``), small
ones bound row by row: both must store exactly the same rows, updates and blanks included."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxm.services import ingest
from cxm.services.demo import write_demo_source
from cxm.services.runtime import Runtime, open_runtime
from cxm.store import bulk
from cxm.store.tables import Base
from settings_helpers import make_settings

KINDS = ("employees", "customers", "interactions", "responses")


def load(
    data_dir: Path, files: dict[str, list[Path]], changes: dict[str, Path]
) -> tuple[Runtime, list[str]]:
    """The store after importing ``files`` then ``changes``, and the rejects of the changes."""
    rt = open_runtime(make_settings(data_dir))
    for kind in KINDS:
        ingest.import_files(rt, kind, files[kind], refresh_mirror=False, analyse_comments=False)
    rejects = []
    for kind, path in changes.items():
        report = data_dir / f"{kind}.rejects.txt"
        summary = ingest.import_file(
            rt, kind, path, rejects_path=report, refresh_mirror=False, analyse_comments=False
        )
        assert summary.updated > 0 and summary.rejected > 0
        rejects.append(report.read_text(encoding="utf-8"))
    return rt, rejects


def dump(rt: Runtime, table: str) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        rows = conn.execute(Base.metadata.tables[table].select().order_by("id")).mappings()
        return [{k: v for k, v in row.items() if k != "updated_at"} for row in rows]


def changed_files(files: dict[str, list[Path]], tmp_path: Path) -> dict[str, Path]:
    """A second file per kind: a third of the rows again, with blanks, other scores, a
    repeated external id and a bad row."""
    out = {}
    for kind in ("customers", "responses"):
        rows = pq.read_table(files[kind][0]).slice(0, 3_000).to_pylist()
        for i, row in enumerate(rows):
            if kind == "customers":
                row["segment"] = None if i % 2 else row["segment"]  # a blank keeps the value
                row["name"] = f"Nowe imię {i}"
            else:
                row["nps"] = (i * 7) % 11
                row["comment"] = None
        rows.append({**rows[5], "external_id": rows[5]["external_id"]})  # repeated in the batch
        bad = dict(rows[6])
        bad["external_id"] = "bad-1"
        bad["segment"] = "no-such-segment"
        rows.append(bad)
        if kind == "responses":  # a reference to nothing
            rows.append({**rows[7], "external_id": "bad-2", "customer_external_id": "C-none"})
        path = tmp_path / f"{kind}-again.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
        out[kind] = path
    return out


def test_staged_writes_store_what_row_by_row_writes_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_runtime(make_settings(tmp_path / "gen"))
    files = write_demo_source(first.taxonomy, tmp_path / "source", size="small", seed=3).files
    first.close()
    changes = changed_files(files, tmp_path)

    monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", 10**9)
    by_rows, rejects = load(tmp_path / "rows", files, changes)
    monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", 1)
    staged, staged_rejects = load(tmp_path / "staged", files, changes)
    try:
        assert "no customer with this external id" in rejects[1]
        assert staged_rejects == rejects
        for table in KINDS:
            expected = dump(by_rows, table)
            assert len(expected) > 200
            assert dump(staged, table) == expected, table
        assert not list((tmp_path / "staged").glob(".stage-*")), "scratch files left behind"
    finally:
        by_rows.close()
        staged.close()


def test_an_import_removes_scratch_files_a_killed_import_left(
    sqlite_runtime: Runtime, tmp_path: Path
) -> None:
    directory = sqlite_runtime.settings.data_dir
    left = directory / ".stage-0123.sqlite3"
    live = directory / ".stage-4567.sqlite3"
    for path in (left, live):
        path.write_bytes(b"x")
    hours_ago = time.time() - 2 * 3_600
    os.utime(left, (hours_ago, hours_ago))
    rows = tmp_path / "customers.csv"
    rows.write_text("external_id,name\nC1,Anna\n", encoding="utf-8")

    ingest.import_file(sqlite_runtime, "customers", rows, refresh_mirror=False)

    assert not left.exists()
    assert live.exists()  # may belong to an import running in another process


def test_an_interrupted_import_leaves_no_scratch_file_and_keeps_what_it_wrote(
    tmp_path: Path,
) -> None:
    rt = open_runtime(make_settings(tmp_path / "data", import_batch_size=2_500))
    rows = tmp_path / "customers.csv"
    lines = [f"C{i:05d},Klient {i}" for i in range(20_000)]
    rows.write_text("external_id,name\n" + "\n".join(lines) + "\n", encoding="utf-8")
    seen: list[int] = []

    def interrupt(done: int, _total: int | None) -> None:
        seen.append(done)
        if len(seen) == 2:  # by now later batches are prepared and staged in the threads
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            ingest.import_file(rt, "customers", rows, on_progress=interrupt, refresh_mirror=False)
        assert not list((tmp_path / "data").glob(".stage-*")), "scratch files left behind"
        assert bulk.count_rows(rt.db, "customers") == 5_000
    finally:
        rt.close()
