"""Looking up many external ids at once (``bulk.lookup_columns``): on SQLite the keys travel
as one JSON array and the rows come back aggregated; whatever the keys hold, the answer must
be the one the plain ``IN`` queries give."""

from __future__ import annotations

import pyarrow as pa

from cxm.services.runtime import Runtime
from cxm.store import bulk
from factories import customer_rows, insert_rows

ODD_KEYS = [
    'C"quoted"',
    "C\\back\\slash",
    "C,comma",
    "Zażółć gęślą jaźń",
    "C\ttab",
    "C\x01control",
    "emoji 😀",
    "C-plain",
]


def test_sqlite_json_lookup_equals_the_in_queries(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    insert_rows(
        rt,
        "customers",
        [
            {**row, "external_id": key, "segment": None if i % 3 == 0 else f"s{i}"}
            for i, (key, row) in enumerate(zip(ODD_KEYS, customer_rows(len(ODD_KEYS)), strict=True))
        ],
    )
    wanted = [*ODD_KEYS[::2], "missing", 'also "missing"']
    expected = bulk.lookup_rows(rt.db, "customers", wanted, ("id", "segment", "lifecycle_stage"))

    for keys in (wanted, [k for k in wanted if "\x01" not in k and "\t" not in k]):
        found, (ids, segments, stages) = bulk.lookup_columns(
            rt.db, "customers", pa.array(keys), ("id", "segment", "lifecycle_stage")
        )
        got = dict(
            zip(
                found.to_pylist(),
                zip(ids.to_pylist(), segments.to_pylist(), stages.to_pylist(), strict=True),
                strict=True,
            )
        )
        assert got == {k: v for k, v in expected.items() if k in keys}
        assert ids.type == pa.int64() and segments.type == pa.string()

    none, columns = bulk.lookup_columns(rt.db, "customers", pa.array(["nobody"]), ("id",))
    assert len(none) == 0 and len(columns[0]) == 0
