"""Importing files into the system of record, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_files import CUSTOMERS, INTERACTIONS, RESPONSES, write_records
from sqlalchemy import text

from cxm.domain.errors import MalformedFile
from cxm.services import mirror
from cxm.services.ingest import import_file, import_files, import_records, recent_imports
from cxm.services.runtime import Runtime


def rows(rt: Runtime, sql: str) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        return [dict(r) for r in conn.execute(text(sql)).mappings()]


def count(rt: Runtime, table: str) -> int:
    return int(rows(rt, f"SELECT count(*) AS n FROM {table}")[0]["n"])


def load_all(rt: Runtime, folder: Path, ext: str = "csv") -> None:
    for kind, records in (
        ("customers", CUSTOMERS),
        ("interactions", INTERACTIONS),
        ("responses", RESPONSES),
    ):
        summary = import_file(rt, kind, write_records(folder / f"{kind}.{ext}", records))
        assert summary.exit_code == 0, summary.rejects


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet", "csv.gz"])
def test_import_lands_every_row_in_each_format(runtime: Runtime, tmp_path: Path, ext: str) -> None:
    load_all(runtime, tmp_path, ext)
    assert (count(runtime, "customers"), count(runtime, "interactions")) == (2, 2)
    got = rows(
        runtime,
        "SELECT external_id, nps, csat, ces, source, answers FROM responses ORDER BY external_id",
    )
    assert [(r["external_id"], r["nps"], r["csat"], r["ces"], r["source"]) for r in got] == [
        ("R1", 9, 5, None, "import"),
        ("R2", 3, None, None, "import"),
        ("R3", None, None, 6, "import"),
    ]
    answers = got[0]["answers"]
    assert (json.loads(answers) if isinstance(answers, str) else answers) == {"speed": 4}


def test_the_mirror_refresh_after_an_import_reports_its_progress(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = write_records(tmp_path / "customers.csv", CUSTOMERS)
    calls: list[tuple[int, int]] = []
    import_files(runtime, "customers", [path], on_mirror_progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (len(CUSTOMERS), len(CUSTOMERS))
    assert mirror.mirror_status(runtime).table("customers").rows == len(CUSTOMERS)


def test_dimensions_are_inherited_customer_to_interaction_to_response(
    runtime: Runtime, tmp_path: Path
) -> None:
    load_all(runtime, tmp_path)
    interactions = {r["external_id"]: r for r in rows(runtime, "SELECT * FROM interactions")}
    i1 = interactions["I1"]
    # journey/stage/department from the touch-point; segment/lifecycle from the customer
    assert (i1["journey"], i1["stage"], i1["department"]) == ("buy", "purchase", "sales")
    assert (i1["segment"], i1["lifecycle_stage"]) == ("family", "active")
    assert str(i1["occurred_at"]).startswith("2025-03-01 09:00:00")  # +01:00 → UTC
    assert interactions["I2"]["department"] == "retention"  # given beats the default
    responses = {r["external_id"]: r for r in rows(runtime, "SELECT * FROM responses")}
    r1, r2, r3 = responses["R1"], responses["R2"], responses["R3"]
    assert r1["customer_id"] == i1["customer_id"] and r1["interaction_id"] == i1["id"]
    assert (r1["touchpoint"], r1["channel"], r1["product"], r1["segment"]) == (
        "telesales",
        "call_center",
        "tv",
        "family",
    )
    assert (r2["journey"], r2["touchpoint"], r2["segment"], r2["lifecycle_stage"]) == (
        "buy",
        "online_order",
        "premium",
        "loyal",
    )
    assert r2["interaction_id"] is None
    # own value wins over the interaction's; the rest comes from the interaction
    assert (r3["channel"], r3["touchpoint"], r3["department"]) == (
        "chat",
        "store_sale",
        "retention",
    )


def test_reimport_updates_and_never_duplicates(runtime: Runtime, tmp_path: Path) -> None:
    load_all(runtime, tmp_path)
    seq_before = rows(runtime, "SELECT max(change_seq) AS s FROM responses")[0]["s"]
    changed = [dict(r) for r in RESPONSES]
    changed[1]["nps"] = "10"
    changed.append(
        {
            "external_id": "R4",
            "customer_external_id": "C1",
            "responded_at": "2025-03-05",
            "csat": "2",
        }
    )
    summary = import_file(runtime, "responses", write_records(tmp_path / "again.csv", changed))
    assert (summary.inserted, summary.updated, summary.rejected) == (1, 3, 0)
    assert count(runtime, "responses") == 4
    r2 = rows(runtime, "SELECT nps, change_seq FROM responses WHERE external_id = 'R2'")[0]
    assert r2["nps"] == 10 and r2["change_seq"] > seq_before
    seqs = [r["change_seq"] for r in rows(runtime, "SELECT change_seq FROM responses")]
    assert len(set(seqs)) == 4


def test_customer_reimport_keeps_columns_the_file_lacks(runtime: Runtime, tmp_path: Path) -> None:
    import_file(runtime, "customers", write_records(tmp_path / "c.csv", CUSTOMERS))
    import_file(
        runtime,
        "customers",
        write_records(tmp_path / "c2.csv", [{"external_id": "C1", "segment": "senior"}]),
    )
    c1 = rows(runtime, "SELECT * FROM customers WHERE external_id = 'C1'")[0]
    assert (c1["segment"], c1["name"], c1["email"]) == (
        "senior",
        "Anna Kowalska",
        "anna@example.pl",
    )
    assert bool(c1["consent_survey"]) is True
    attributes = c1["attributes"]
    assert (json.loads(attributes) if isinstance(attributes, str) else attributes) == {
        "city": "Kraków"
    }


def test_master_data_blanks_never_erase_but_events_are_replaced(
    runtime: Runtime, tmp_path: Path
) -> None:
    import_file(runtime, "customers", write_records(tmp_path / "c.csv", CUSTOMERS))
    created = rows(runtime, "SELECT created_at FROM customers WHERE external_id = 'C2'")
    path = tmp_path / "c2.jsonl"
    path.write_text(
        '{"external_id": "C1", "segment": "", "email": "nowy@example.pl"}\n'
        '{"external_id": "C2", "lifecycle_stage": "at_risk"}\n',
        encoding="utf-8",
    )
    summary = import_file(runtime, "customers", path)
    assert (summary.inserted, summary.updated) == (0, 2)
    got = {r["external_id"]: r for r in rows(runtime, "SELECT * FROM customers")}
    assert (got["C1"]["segment"], got["C1"]["email"]) == ("family", "nowy@example.pl")
    assert (got["C2"]["email"], got["C2"]["lifecycle_stage"]) == ("john@example.com", "at_risk")
    assert got["C2"]["created_at"] == created[0]["created_at"]


def test_bad_rows_are_rejected_with_line_and_field_and_good_rows_land(
    runtime: Runtime, tmp_path: Path
) -> None:
    import_file(runtime, "customers", write_records(tmp_path / "c.csv", CUSTOMERS))
    path = tmp_path / "responses.csv"
    path.write_text(
        "external_id,customer_external_id,responded_at,nps,csat,comment\n"
        'G1,C1,2025-03-01,9,5,"Dobrze,\nale drogo"\n'  # lines 2-3: quoted newline
        "B1,C1,2025-03-01,11,5,\n"  # line 4: nps out of range
        "B2,C9,2025-13-01,7,,\n"  # line 5: unknown customer and a bad date
        "G2,C2,2025-03-02T10:00:00+02:00,0,,\n"  # line 6
        "B3,C1,2025-03-02,,,\n",  # line 7: no content at all
        encoding="utf-8",
    )
    summary = import_file(runtime, "responses", path)
    assert (summary.rows_read, summary.inserted, summary.rejected) == (5, 2, 3)
    assert summary.exit_code == 2
    assert summary.rejects_path == tmp_path / "responses.csv.rejects.txt"
    lines = summary.rejects_path.read_text(encoding="utf-8").splitlines()
    assert lines == [
        f"{path}:4:nps: must be between 0 and 10 (value '11')",
        f"{path}:5:responded_at: is not an ISO 8601 date or timestamp (value '2025-13-01')",
        f"{path}:5:customer_external_id: no customer with this external id (value 'C9')",
        f"{path}:7:nps: a response needs at least one of nps, csat, ces, comment or answers",
    ]
    kept = rows(runtime, "SELECT external_id, comment FROM responses ORDER BY external_id")
    assert kept == [
        {"external_id": "G1", "comment": "Dobrze,\nale drogo"},
        {"external_id": "G2", "comment": None},
    ]


def test_jsonl_line_that_is_not_json_is_a_rejected_row(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "employees.jsonl"
    path.write_text(
        '{"external_id": "E1", "name": "Ewa", "department": "billing", "role": "agent"}\n'
        "{oops\n"
        "\n"
        '{"external_id": "E2", "name": "Olek", "department": "nowhere", "role": "agent"}\n'
        '["not", "an", "object"]\n',
        encoding="utf-8",
    )
    summary = import_file(runtime, "employees", path, rejects_path=tmp_path / "out" / "rej.txt")
    assert (summary.inserted, summary.rejected, summary.exit_code) == (1, 3, 2)
    text_ = (tmp_path / "out" / "rej.txt").read_text(encoding="utf-8")
    assert f"{path}:2:*: is not JSON" in text_
    assert (
        f"{path}:4:department: is not a department key of the taxonomy (value 'nowhere')" in text_
    )
    assert f"{path}:5:*: is not a JSON object" in text_


def test_parquet_rejects_name_the_row_number(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "r.parquet"
    pq.write_table(
        pa.table(
            {
                "external_id": ["P1", "P2", "P3"],
                "responded_at": pa.array([1, 2, 3], pa.timestamp("s")),
                "nps": pa.array([5, -1, 7], pa.int8()),
                "touchpoint": ["telesales", "telesales", "no_such_place"],
            }
        ),
        path,
    )
    summary = import_file(runtime, "responses", path)
    assert (summary.inserted, summary.rejected) == (1, 2)
    assert [(r.line, r.field) for r in summary.rejects] == [(2, "nps"), (3, "touchpoint")]


def test_bad_encoding_fails_up_front_and_writes_nothing(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    good = "".join(f"C{i},Klient {i}\n" for i in range(5000))
    path.write_bytes(b"external_id,name\n" + good.encode() + b"C9,Zaj\xeaczkowski\n")
    with pytest.raises(MalformedFile) as info:
        import_file(runtime, "customers", path)
    assert str(path) in info.value.message and "line 5002" in info.value.message
    assert count(runtime, "customers") == 0 and count(runtime, "import_runs") == 0
    assert not (tmp_path / "customers.csv.rejects.txt").exists()


def test_missing_required_column_fails_up_front(runtime: Runtime, tmp_path: Path) -> None:
    path = write_records(tmp_path / "i.parquet", [{"external_id": "I1", "touchpoint": "telesales"}])
    with pytest.raises(MalformedFile) as info:
        import_file(runtime, "interactions", path)
    assert "missing required column(s): occurred_at" in info.value.message
    assert info.value.field == "occurred_at"
    assert count(runtime, "interactions") == 0 and count(runtime, "import_runs") == 0


def test_unreadable_or_unknown_files_fail_up_front(runtime: Runtime, tmp_path: Path) -> None:
    broken = tmp_path / "r.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    unknown = tmp_path / "r.xlsx"
    unknown.write_bytes(b"x")
    for path in (broken, unknown, tmp_path / "missing.csv"):
        with pytest.raises(MalformedFile) as info:
            import_file(runtime, "responses", path)
        assert str(path) in info.value.message
    assert count(runtime, "import_runs") == 0


def test_batches_are_bounded_and_each_commits(runtime: Runtime, tmp_path: Path) -> None:
    runtime.settings.import_batch_size = 3
    records = [{"external_id": f"C{i}", "segment": "young"} for i in range(10)]
    path = write_records(tmp_path / "c.jsonl", records)
    progress: list[tuple[int, int | None]] = []
    summary = import_file(
        runtime, "customers", path, on_progress=lambda d, t: progress.append((d, t))
    )
    assert summary.inserted == 10 and len(progress) == 4  # 3 + 3 + 3 + 1
    assert progress[-1] == (path.stat().st_size, path.stat().st_size)
    stamps = {r["updated_at"] for r in rows(runtime, "SELECT updated_at FROM customers")}
    assert len(stamps) == 4  # one transaction per batch
    seqs = sorted(r["change_seq"] for r in rows(runtime, "SELECT change_seq FROM customers"))
    assert seqs == list(range(1, 11))


def test_import_records_reports_rejects_by_position(runtime: Runtime) -> None:
    import_records(runtime, "customers", CUSTOMERS)
    summary = import_records(
        runtime,
        "responses",
        [
            {
                "external_id": "A1",
                "customer_external_id": "C1",
                "responded_at": "2025-01-01",
                "nps": 8,
            },
            "not an object",
            {"external_id": "A2", "responded_at": "2025-01-01", "csat": 9},
        ],
    )
    assert (summary.inserted, summary.rejected) == (1, 2)
    assert [(r.line, r.field) for r in summary.rejects] == [(2, "*"), (3, "csat")]
    stored = rows(runtime, "SELECT source, segment FROM responses")
    assert stored == [{"source": "api", "segment": "family"}]
    runs = recent_imports(runtime)
    assert [(r.kind, r.status, r.rejected) for r in runs[:2]] == [
        ("responses", "partial", 2),
        ("customers", "completed", 0),
    ]


def test_all_rows_rejected_writes_nothing_and_exits_one(runtime: Runtime, tmp_path: Path) -> None:
    path = write_records(
        tmp_path / "e.csv",
        [
            {"external_id": "E1", "name": "A", "department": "billing", "role": "wizard"},
        ],
    )
    summary = import_file(runtime, "employees", path)
    assert (summary.exit_code, summary.status) == (1, "rejected")
    assert count(runtime, "employees") == 0
