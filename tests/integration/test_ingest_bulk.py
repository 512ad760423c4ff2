"""Large loads of several files: the bulk mode spans the whole command, foreign keys are
checked by the load itself, and what the looked-up references fill in is unchanged."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import inspect

from cxm.domain.errors import MalformedFile
from cxm.services.ingest import import_files, import_records
from cxm.services.runtime import Runtime
from cxm.store import bulk


def index_names(rt: Runtime) -> set[str]:
    with rt.db.read() as conn:
        return {ix["name"] for ix in inspect(conn).get_indexes("responses")}


def count(rt: Runtime, table: str) -> int:
    return bulk.count_rows(rt.db, table)


def response_file(path: Path, ids: range, customers: list[str | None]) -> Path:
    pq.write_table(
        pa.table(
            {
                "external_id": [f"R{i}" for i in ids],
                "customer_external_id": pa.array(
                    [customers[i % len(customers)] for i in ids], pa.string()
                ),
                "responded_at": pa.array(list(ids), pa.timestamp("s")),
                "nps": pa.array([i % 11 for i in ids], pa.int16()),
            }
        ),
        path,
    )
    return path


@pytest.fixture
def small_bulk(monkeypatch: pytest.MonkeyPatch, sqlite_runtime: Runtime) -> Runtime:
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 10)
    sqlite_runtime.settings.import_batch_size = 10
    import_records(
        sqlite_runtime,
        "customers",
        [{"external_id": "C1", "segment": "senior"}, {"external_id": "C2", "segment": "young"}],
    )
    return sqlite_runtime


def test_bulk_mode_spans_every_file_of_the_command(small_bulk: Runtime, tmp_path: Path) -> None:
    rt = small_bulk
    paths = [
        response_file(tmp_path / f"r{n}.parquet", range(n * 30, n * 30 + 30), ["C1"])
        for n in range(3)
    ]
    seen: list[bool] = []
    summaries = import_files(
        rt,
        "responses",
        paths,
        refresh_mirror=False,
        on_progress=lambda *_: seen.append("ix_responses_responded_at" in index_names(rt)),
    )
    # each file alone would be under 10 % of the table by the third one; together they defer
    assert [s.inserted for s in summaries] == [30, 30, 30]
    assert [s.source for s in summaries] == [str(p) for p in paths]
    assert len(seen) == 9 and not any(seen)
    assert set(bulk.DEFERRABLE_INDEXES["responses"]) <= index_names(rt)
    assert rt.db.foreign_keys is True
    with rt.db.write() as conn:  # the indexes' sorting settings are the writer's no longer
        pragmas = [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("cache_size", "threads")]
    assert pragmas == [-65536, 0]
    again = import_files(rt, "responses", paths[:1], refresh_mirror=False)
    assert (again[0].inserted, again[0].updated) == (0, 30)
    assert count(rt, "responses") == 90


def test_one_malformed_file_stops_the_command_before_any_write(
    small_bulk: Runtime, tmp_path: Path
) -> None:
    good = response_file(tmp_path / "good.parquet", range(30), ["C1"])
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(MalformedFile):
        import_files(small_bulk, "responses", [good, bad], refresh_mirror=False)
    assert count(small_bulk, "responses") == 0


def test_bulk_load_checks_references_only_after_another_connection_wrote(
    small_bulk: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = small_bulk
    checks: list[str] = []
    real = bulk._check_references

    def counting(conn: Any, table_name: str, *args: Any) -> None:
        checks.append(table_name)
        real(conn, table_name, *args)

    monkeypatch.setattr(bulk, "_check_references", counting)
    path = response_file(tmp_path / "r.parquet", range(40), ["C1", "C2"])
    import_files(rt, "responses", [path], refresh_mirror=False)
    assert checks == []  # nothing else wrote: the looked-up ids still exist

    # batches are looked up ahead of their write, in another thread: the delete waits until
    # the second batch holds C2's id, so that batch, not a later lookup, meets the delete
    looked_up = threading.Semaphore(0)
    real_lookup = bulk.lookup_columns

    def lookup(*args: Any) -> Any:
        found = real_lookup(*args)
        looked_up.release()
        return found

    monkeypatch.setattr(bulk, "lookup_columns", lookup)

    def delete_c2_elsewhere(*_: Any) -> None:
        assert looked_up.acquire(timeout=30) and looked_up.acquire(timeout=30)
        # another process (foreign keys off, as sqlite3 opens by default) deletes a
        # customer whose id the next batch already holds
        con = sqlite3.connect(rt.settings.data_dir / "cxm.sqlite3")
        con.execute("DELETE FROM customers WHERE external_id = 'C2'")
        con.commit()
        con.close()

    later = response_file(tmp_path / "later.parquet", range(100, 140), ["C1", "C2"])
    calls = iter([delete_c2_elsewhere])
    with pytest.raises(bulk.MissingReference):
        import_files(
            rt,
            "responses",
            [later],
            refresh_mirror=False,
            on_progress=lambda *a: next(calls, lambda *_: None)(*a),
        )
    assert checks  # the batch after the foreign commit was checked and refused
    assert count(rt, "responses") == 40 + 10  # the batches before it stand
    with rt.db.read() as conn:
        dangling = conn.exec_driver_sql(
            "SELECT count(*) FROM responses r LEFT JOIN customers c ON c.id = r.customer_id "
            "WHERE r.external_id IN ('R110', 'R111', 'R113', 'R115', 'R117', 'R119', 'R121') "
            "AND c.id IS NULL"
        ).scalar_one()
    assert dangling == 0
    assert rt.db.foreign_keys is True
    assert set(bulk.DEFERRABLE_INDEXES["responses"]) <= index_names(rt)


def test_references_fill_only_what_a_row_leaves_blank(runtime: Runtime, tmp_path: Path) -> None:
    import_records(runtime, "customers", [{"external_id": "C1", "segment": "senior"}])
    import_records(
        runtime,
        "employees",
        [{"external_id": "E1", "name": "Ewa", "department": "complaints", "role": "specialist"}],
    )
    import_records(
        runtime,
        "interactions",
        [
            {
                "external_id": "I1",
                "customer_external_id": "C1",
                "occurred_at": "2025-02-01",
                "touchpoint": "telesales",
                "employee_external_id": "E1",
                "channel": "call_center",
            }
        ],
    )
    path = tmp_path / "r.parquet"
    pq.write_table(
        pa.table(
            {
                "external_id": ["A", "B"],
                "interaction_external_id": ["I1", "I1"],
                "customer_external_id": pa.array([None, None], pa.string()),
                "responded_at": pa.array([1, 2], pa.timestamp("s")),
                "nps": pa.array([1, 2], pa.int16()),
                "touchpoint": ["store_sale", "store_sale"],
                "channel": ["chat", "chat"],
                "segment": ["young", "young"],
            }
        ),
        path,
    )
    import_files(runtime, "responses", [path], refresh_mirror=False)
    with runtime.db.read() as conn:
        got = conn.exec_driver_sql(
            "SELECT r.touchpoint, r.journey, r.channel, r.segment, r.customer_id = i.customer_id,"
            " r.employee_id = i.employee_id, r.interaction_id = i.id"
            " FROM responses r, interactions i ORDER BY r.external_id"
        ).all()
    assert [tuple(r) for r in got] == [("store_sale", "buy", "chat", "young", 1, 1, 1)] * 2


def test_each_row_of_a_batch_inherits_only_what_it_leaves_blank(
    runtime: Runtime, tmp_path: Path
) -> None:
    """One batch mixes rows that inherit from their interaction with rows that name
    everything, one interaction named by both kinds of row; an unknown interaction is
    rejected."""
    import_records(runtime, "customers", [{"external_id": "C1"}, {"external_id": "C2"}])
    import_records(
        runtime,
        "employees",
        [
            {"external_id": e, "name": e, "department": "complaints", "role": "specialist"}
            for e in ("E1", "E2", "E3")
        ],
    )
    import_records(
        runtime,
        "interactions",
        [
            {
                "external_id": i,
                "customer_external_id": c,
                "occurred_at": "2025-02-01",
                "touchpoint": "telesales",
                "employee_external_id": e,
                "channel": ch,
            }
            for i, c, e, ch in (
                ("I1", "C1", "E1", "call_center"),
                ("I2", "C2", "E1", "call_center"),
                ("I3", "C2", "E3", "chat"),
            )
        ],
    )
    path = tmp_path / "r.parquet"
    pq.write_table(
        pa.table(
            {
                "external_id": ["A", "B", "C", "D", "E"],
                "interaction_external_id": ["I1", "I1", "I2", "I3", "I9"],
                "customer_external_id": ["C1", "C1", "C2", "C2", "C1"],
                "employee_external_id": [None, "E2", "E2", None, "E2"],
                "responded_at": pa.array([1, 2, 3, 4, 5], pa.timestamp("s")),
                "nps": pa.array([1, 2, 3, 4, 5], pa.int16()),
                "touchpoint": ["store_sale"] * 5,
                "channel": ["email", "email", "email", None, "email"],
                **{
                    name: [value] * 5
                    for name, value in (
                        ("product", "mobile_postpaid"),
                        ("department", "retention"),
                        ("process", "retention"),
                        ("transaction_type", "cancellation"),
                        ("segment", "young"),
                        ("lifecycle_stage", "churned"),
                    )
                },
            }
        ),
        path,
    )
    summary = import_files(runtime, "responses", [path], refresh_mirror=False)[0]
    assert (summary.inserted, [r.line for r in summary.rejects]) == (4, [5])
    with runtime.db.read() as conn:
        got = conn.exec_driver_sql(
            "SELECT r.external_id, i.external_id, e.external_id, r.channel FROM responses r"
            " JOIN interactions i ON i.id = r.interaction_id"
            " JOIN employees e ON e.id = r.employee_id ORDER BY r.external_id"
        ).all()
    assert [tuple(r) for r in got] == [
        ("A", "I1", "E1", "email"),
        ("B", "I1", "E2", "email"),
        ("C", "I2", "E2", "email"),
        ("D", "I3", "E3", "chat"),
    ]
