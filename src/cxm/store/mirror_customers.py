"""Tables the mirror keeps per customer, so that journey analyses need not go through every
interaction again.

* ``customer_paths``: for each customer, path level (touch-point, stage) and scope (all
  journeys: ``journey`` null; or each journey the customer used), the first
  ``MAX_PATH_STEPS`` distinct consecutive steps of their interactions in time order, the
  interaction id breaking ties — the definition of ``cxm.analytics.paths``. Ordering tens of
  millions of interactions per customer is what makes a path query slow; counting the paths
  of this table is a group-by over one row per customer.
* ``customer_firsts``: for each customer and (journey, stage, touch-point) they used, their
  first interaction there (``occurred_at``). Who reached which touch-point and stage, and
  when first, is all a journey map needs of the interactions, and this table has a row per
  customer and touch-point rather than per interaction.

DuckDB sorts the interactions once by customer, time and id (within a memory limit, spilling
to a temporary directory) and streams them with the journey levels as small integer codes;
each batch of whole customers is then turned into both tables with array operations. The
rows are kept in files per bucket of customers; a refresh recomputes the customers whose
interactions it copied or removed (``cxm.store.mirror``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxm.domain.journeys import CUSTOMER_FIRSTS, CUSTOMER_PATHS, MAX_PATH_STEPS

STEP_COLUMNS = tuple(f"s{i}" for i in range(1, MAX_PATH_STEPS + 1))
PATHS_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.int64(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("journey", pa.string()),
        *(pa.field(name, pa.string()) for name in STEP_COLUMNS),
    ]
)
FIRSTS_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.int64(), nullable=False),
        pa.field("journey", pa.string()),
        pa.field("stage", pa.string()),
        pa.field("touchpoint", pa.string()),
        pa.field("occurred_at", pa.timestamp("us"), nullable=False),
    ]
)
SCHEMAS = {CUSTOMER_PATHS: PATHS_SCHEMA, CUSTOMER_FIRSTS: FIRSTS_SCHEMA}
MEMORY_LIMIT = "256MB"
BATCH_ROWS = 1_000_000
LEVELS = ("touchpoint", "stage")
_CODED = ("journey", *LEVELS)
_NONE = -1  # the code of a missing value


def customer_tables(
    interaction_files: list[Path], customers: np.ndarray | None, spill_dir: Path
) -> Iterator[dict[str, pa.Table]]:
    """The rows of each table of ``SCHEMAS`` for ``customers`` (every customer when None)
    from the mirrored interaction files, a batch of whole customers at a time."""
    if not interaction_files:
        return
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill_dir)})
    try:
        con.execute("SET enable_progress_bar = false")
        source = "read_parquet([{}])".format(
            ", ".join("'" + str(p).replace("'", "''") + "'" for p in interaction_files)
        )
        chosen = ""
        if customers is not None:
            con.register("chosen", pa.table({"cid": pa.array(customers, pa.int64())}))
            chosen = "AND customer_id IN (SELECT cid FROM chosen)"
        # every value of the journey levels, in one scan
        distinct = ", ".join(
            f"array_agg(DISTINCT {c}) FILTER (WHERE {c} IS NOT NULL)" for c in _CODED
        )
        found = con.execute(f"SELECT {distinct} FROM {source}").fetchone() or ()
        names: dict[str, list[str]] = {}
        for column, values in zip(_CODED, found, strict=True):
            names[column] = list(values or []) or [""]  # an ENUM needs a value
            listed = ", ".join("'" + v.replace("'", "''") + "'" for v in names[column])
            con.execute(f"CREATE TYPE {column}_code AS ENUM ({listed})")
        reader = con.execute(
            "SELECT customer_id, epoch_us(occurred_at) AS occurred_at, "
            f"{', '.join(f'{c}::{c}_code AS {c}' for c in _CODED)} "
            f"FROM {source} WHERE customer_id IS NOT NULL {chosen} "
            "ORDER BY customer_id, occurred_at, id"
        ).to_arrow_reader(BATCH_ROWS)
        dictionaries = {c: pa.array(names[c], pa.string()) for c in _CODED}
        held: dict[str, np.ndarray] | None = None
        for batch in reader:
            rows = {c: batch.column(c).to_numpy() for c in ("customer_id", "occurred_at")}
            for column in _CODED:
                rows[column] = _codes(batch.column(column), names[column])
            if held is not None:
                rows = {k: np.concatenate([held[k], v]) for k, v in rows.items()}
            # the last customer may go on in the next batch: hold their rows back
            cids = rows["customer_id"]
            cut = int(np.searchsorted(cids, cids[-1], side="left"))
            held = {k: v[cut:] for k, v in rows.items()}
            if cut:
                yield _tables({k: v[:cut] for k, v in rows.items()}, dictionaries)
        if held is not None and len(held["customer_id"]):
            yield _tables(held, dictionaries)
    finally:
        con.close()


def _codes(column: pa.Array, names: list[str]) -> np.ndarray:
    """An ENUM column's values as positions in ``names`` (``_NONE`` when missing)."""
    position = {name: i for i, name in enumerate(names)}
    mapping = np.array([position[v] for v in column.dictionary.to_pylist()] or [0], np.int16)
    indices = pc.fill_null(column.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    codes = mapping[indices]
    codes[column.is_null().to_numpy(zero_copy_only=False)] = _NONE
    return codes


def _tables(rows: dict[str, np.ndarray], dictionaries: dict[str, pa.Array]) -> dict[str, pa.Table]:
    """Both tables' rows of whole customers' interactions in time order."""
    return {
        CUSTOMER_PATHS: _paths(rows, dictionaries),
        CUSTOMER_FIRSTS: _firsts(rows, dictionaries),
    }


def _firsts(rows: dict[str, np.ndarray], dictionaries: dict[str, pa.Array]) -> pa.Table:
    """Each customer's first interaction per (journey, stage, touch-point)."""
    codes = [rows[c].astype(np.int64) + 1 for c in _CODED]  # missing → 0
    place = codes[0]
    for column, code in zip(_CODED[1:], codes[1:], strict=True):
        place = place * (len(dictionaries[column]) + 1) + code
    # stable: a customer's rows are in time order, so the first of each place is its first
    order = np.lexsort((place, rows["customer_id"]))
    cids, place = rows["customer_id"][order], place[order]
    first = np.ones(len(order), bool)
    first[1:] = (cids[1:] != cids[:-1]) | (place[1:] != place[:-1])
    picked = order[first]
    columns = {"customer_id": pa.array(cids[first], pa.int64())}
    for column in _CODED:
        columns[column] = _names(rows[column][picked], dictionaries[column])
    columns["occurred_at"] = pa.array(rows["occurred_at"][picked], pa.timestamp("us"))
    return pa.table(columns, schema=FIRSTS_SCHEMA)


def _paths(rows: dict[str, np.ndarray], dictionaries: dict[str, pa.Array]) -> pa.Table:
    """The path rows of whole customers' interactions in time order."""
    parts = []
    cids, journeys = rows["customer_id"], rows["journey"]
    # a journey's scope: the same rows, stably reordered by customer then journey
    by_journey = np.lexsort((journeys, cids))
    by_journey = by_journey[journeys[by_journey] != _NONE]
    for level in LEVELS:
        for order in (None, by_journey):
            keys = cids if order is None else cids[order]
            scope = None if order is None else journeys[order]
            steps = rows[level] if order is None else rows[level][order]
            kept = steps != _NONE
            keys, steps = keys[kept], steps[kept]
            scope = None if scope is None else scope[kept]
            parts.append(_first_steps(keys, scope, steps, level, dictionaries))
    return pa.concat_tables(parts)


def _first_steps(
    cids: np.ndarray,
    scope: np.ndarray | None,
    steps: np.ndarray,
    level: str,
    dictionaries: dict[str, pa.Array],
) -> pa.Table:
    """One row per (customer, scope): the first ``MAX_PATH_STEPS`` distinct consecutive
    steps of rows ordered by customer, scope and time."""
    n = len(cids)
    starts = np.ones(n, bool)  # a row that begins its customer's (and scope's) sequence
    if n > 1:
        starts[1:] = cids[1:] != cids[:-1]
        if scope is not None:
            starts[1:] |= scope[1:] != scope[:-1]
    changes = starts.copy()
    if n > 1:
        changes[1:] |= steps[1:] != steps[:-1]
    index = np.flatnonzero(changes)
    heads = np.flatnonzero(starts)
    group = np.cumsum(starts)[index] - 1
    position = np.arange(len(index)) - np.searchsorted(index, heads)[group]
    early = position < MAX_PATH_STEPS
    index, group, position = index[early], group[early], position[early]
    table = np.full((len(heads), MAX_PATH_STEPS), _NONE, np.int64)
    table[group, position] = steps[index]
    columns: dict[str, pa.Array] = {
        "customer_id": pa.array(cids[heads], pa.int64()),
        "level": pa.array(np.full(len(heads), level), pa.string()),
        "journey": _names(scope[heads], dictionaries["journey"])
        if scope is not None
        else pa.nulls(len(heads), pa.string()),
    }
    for i, name in enumerate(STEP_COLUMNS):
        columns[name] = _names(table[:, i], dictionaries[level])
    return pa.table(columns, schema=PATHS_SCHEMA)


def _names(codes: np.ndarray, dictionary: pa.Array) -> pa.Array:
    """Codes → their names (null for ``_NONE``)."""
    missing = codes == _NONE
    indices = pa.array(np.where(missing, 0, codes), pa.int32(), mask=missing)
    return pc.take(dictionary, indices)
