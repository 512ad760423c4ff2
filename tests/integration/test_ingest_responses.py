"""The single-response fast path and large loads, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import inspect, text

from cxm.domain.errors import NotFound, UnknownReference, ValidationFailed
from cxm.services.ingest import get_response, import_file, import_records, ingest_response
from cxm.services.ingest.enrichment import ReferenceCache
from cxm.services.runtime import Runtime
from cxm.store import bulk


@pytest.fixture
def with_interaction(runtime: Runtime) -> Runtime:
    import_records(runtime, "customers", [{"external_id": "C1", "lifecycle_stage": "at_risk"}])
    import_records(
        runtime,
        "employees",
        [
            {"external_id": "E1", "name": "Ewa", "department": "complaints", "role": "specialist"},
        ],
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
                "process": "retention",
            }
        ],
    )
    return runtime


def test_ingest_response_creates_then_updates(with_interaction: Runtime) -> None:
    rt = with_interaction
    record = {
        "external_id": "X1",
        "interaction_external_id": "I1",
        "nps": 2,
        "responded_at": "2025-02-02T08:00:00-05:00",
        "answers": {"wait": "long"},
    }
    first = ingest_response(rt, record)
    assert first["created"] is True
    second = ingest_response(rt, {**record, "nps": 4, "source": "survey"})
    assert (second["id"], second["created"]) == (first["id"], False)
    stored = get_response(rt, "X1")
    assert (stored["nps"], stored["source"], stored["answers"]) == (4, "survey", {"wait": "long"})
    assert stored["responded_at"] == "2025-02-02T13:00:00"
    assert (stored["process"], stored["lifecycle_stage"], stored["department"]) == (
        "retention",
        "at_risk",
        "sales",
    )
    assert (stored["customer_external_id"], stored["employee_external_id"]) == ("C1", "E1")
    with rt.db.read() as conn:
        seqs = conn.execute(text("SELECT change_seq FROM responses")).scalars().all()
    assert seqs == [2]  # the update took a new change_seq: the mirror sees it


def test_ingest_response_refuses_before_writing(with_interaction: Runtime) -> None:
    rt = with_interaction
    with pytest.raises(UnknownReference) as unknown:
        ingest_response(
            rt,
            {
                "external_id": "X2",
                "customer_external_id": "C404",
                "csat": 3,
                "responded_at": "2025-02-02",
            },
        )
    assert unknown.value.field == "customer_external_id"
    with pytest.raises(ValidationFailed) as invalid:
        ingest_response(rt, {"external_id": "X2", "ces": 9, "responded_at": "2025-02-02"})
    assert invalid.value.field == "ces" and "between 1 and 7" in invalid.value.message
    with pytest.raises(NotFound):
        get_response(rt, "X2")


def test_large_load_rebuilds_deferred_indexes(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 10)
    runtime.settings.import_batch_size = 7
    path = tmp_path / "r.parquet"
    pq.write_table(
        pa.table(
            {
                "external_id": [f"R{i}" for i in range(50)],
                "responded_at": pa.array(list(range(50)), pa.timestamp("s")),
                "csat": pa.array([1 + i % 5 for i in range(50)], pa.int16()),
            }
        ),
        path,
    )
    summary = import_file(runtime, "responses", path, refresh_mirror=False)
    assert (summary.inserted, summary.rejected) == (50, 0)
    with runtime.db.read() as conn:
        names = {ix["name"] for ix in inspect(conn).get_indexes("responses")}
    assert set(bulk.DEFERRABLE_INDEXES["responses"]) <= names


def test_import_restores_indexes_a_crashed_load_left_dropped(
    sqlite_runtime: Runtime, tmp_path: Path
) -> None:
    rt = sqlite_runtime
    with rt.db.write() as conn:
        conn.exec_driver_sql("DROP INDEX ix_responses_responded_at")
    path = tmp_path / "r.jsonl"
    path.write_text('{"external_id": "R1", "responded_at": "2025-01-01", "nps": 1}\n')
    import_file(rt, "responses", path, refresh_mirror=False)
    with rt.db.read() as conn:
        names = {ix["name"] for ix in inspect(conn).get_indexes("responses")}
    assert "ix_responses_responded_at" in names


def test_reference_cache_answers_every_key_when_it_overflows(runtime: Runtime) -> None:
    import_records(runtime, "customers", [{"external_id": f"C{i}"} for i in range(6)])
    cache = ReferenceCache(limit=3)
    seen: dict[str, int] = {}
    for keys in (["C0", "C1"], ["C0", "C2", "C3"], ["C1", "C4", "C5", "C9"], ["C0", "C5"]):
        found = cache.lookup(runtime, "customers", keys)
        assert sorted(found) == sorted(k for k in keys if k != "C9")
        for key, row in found.items():
            assert seen.setdefault(key, row[0]) == row[0]
