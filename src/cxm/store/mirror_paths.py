"""Every customer's first steps, kept by the mirror so that common paths need no sorting.

For each customer, path level (touch-point, stage) and scope (all journeys: ``journey`` null;
or each journey the customer used), the first ``MAX_PATH_STEPS`` distinct consecutive steps
of their interactions in time order, the interaction id breaking ties: the definition of
``cxm.analytics.paths``, computed when the mirror is refreshed instead of by every query.
Ordering tens of millions of interactions per customer is what makes a path query slow;
counting the paths of this table is a group-by over one row per customer.

The rows are kept in files per bucket of customers (``customer_id // BUCKET_IDS``). A refresh
recomputes the customers whose interactions it copied or removed, and rewrites their buckets;
a mirror without the table computes every customer. DuckDB orders the interactions, within a
memory limit, spilling to a temporary directory beside the table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from cxm.domain.journeys import MAX_PATH_STEPS

STEP_COLUMNS = tuple(f"s{i}" for i in range(1, MAX_PATH_STEPS + 1))
PATHS_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.int64(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("journey", pa.string()),
        *(pa.field(name, pa.string()) for name in STEP_COLUMNS),
    ]
)
MEMORY_LIMIT = "1GB"
BATCH_ROWS = 262_144
LEVELS = ("touchpoint", "stage")


def customer_paths(
    interaction_files: list[Path], customers: np.ndarray | None, spill_dir: Path
) -> Iterator[pa.RecordBatch]:
    """The path rows (``PATHS_SCHEMA``) of ``customers`` (every customer when None) from the
    mirrored interaction files, a batch at a time."""
    if not interaction_files:
        return
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill_dir)})
    try:
        chosen = ""
        if customers is not None:
            con.register("chosen", pa.table({"cid": pa.array(customers, pa.int64())}))
            chosen = "AND customer_id IN (SELECT cid FROM chosen)"
        listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in interaction_files)
        # all journeys (journey null), then each journey on its own
        scopes = [
            f"SELECT cid, '{level}' AS level, {journey} AS journey, ts, iid, {level} AS step "
            f"FROM t WHERE {level} IS NOT NULL{extra}"
            for level in LEVELS
            for journey, extra in (("NULL::VARCHAR", ""), ("journey", " AND journey IS NOT NULL"))
        ]
        window = "PARTITION BY cid, level, journey ORDER BY ts, iid"
        steps = ", ".join(
            f"max(step) FILTER (WHERE pos = {i}) AS {name}"
            for i, name in enumerate(STEP_COLUMNS, start=1)
        )
        sql = f"""
            WITH t AS (
                SELECT customer_id AS cid, occurred_at AS ts, id AS iid, journey, stage,
                       touchpoint
                FROM read_parquet([{listed}])
                WHERE customer_id IS NOT NULL {chosen}),
            scoped AS ({" UNION ALL ".join(scopes)}),
            changed AS (
                SELECT cid, level, journey, ts, iid, step,
                       lag(step) OVER ({window}) AS previous
                FROM scoped),
            numbered AS (
                SELECT cid, level, journey, step, row_number() OVER ({window}) AS pos
                FROM changed WHERE previous IS NULL OR previous <> step)
            SELECT cid AS customer_id, level, journey, {steps}
            FROM numbered WHERE pos <= {MAX_PATH_STEPS}
            GROUP BY cid, level, journey"""
        reader = con.execute(sql).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            yield pa.RecordBatch.from_arrays(batch.columns, schema=PATHS_SCHEMA)
    finally:
        con.close()
