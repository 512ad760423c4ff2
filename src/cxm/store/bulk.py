"""Bulk writes of the experience tables: batch upserts by external id, id lookups, import runs.

Hot paths use driver SQL (``INSERT … ON CONFLICT(external_id) DO UPDATE``, bound row by row
or, for many rows into SQLite, selected from a staged copy), which SQLite and PostgreSQL
(psycopg) both accept. Every upserted row gets a fresh
``change_seq`` and ``updated_at`` inside the table's write lock, so the mirror's watermark
sees it."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from sqlalchemy import Connection, Integer, Table, desc, insert, select, update
from sqlalchemy.orm import aliased

from cxm.store import sqlite_stage
from cxm.store.database import Database
from cxm.store.tables import Base, Customer, Employee, ImportRun, Interaction, Response

#: External ids per ``IN (…)`` query; well under SQLite's 32,766 bound variables.
LOOKUP_CHUNK = 5_000
#: Rows from which a write to a SQLite file goes through a staged copy (:mod:`.sqlite_stage`).
STAGE_MIN_ROWS = 2_000
_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def format_timestamp(value: datetime) -> str:
    """The text form SQLAlchemy stores on SQLite (PostgreSQL parses it as well)."""
    return value.strftime(_TIMESTAMP)


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _chunks_by_external_id(
    conn: Connection, table_name: str, external_ids: Sequence[str], columns: Sequence[str]
) -> Iterator[Sequence[Any]]:
    """The rows (external_id, *columns) of the ids that exist, one list per chunked ``IN``
    query, read on the raw driver cursor: a batch may resolve tens of thousands of rows."""
    mark = _mark(conn)
    wanted = ", ".join(("external_id", *columns))
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(external_ids), LOOKUP_CHUNK):
            chunk = external_ids[start : start + LOOKUP_CHUNK]
            cursor.execute(
                f"SELECT {wanted} FROM {table_name} "
                f"WHERE external_id IN ({', '.join([mark] * len(chunk))})",
                tuple(chunk),
            )
            yield cursor.fetchall()
    finally:
        cursor.close()


def find_rows(
    conn: Connection, table_name: str, external_ids: Iterable[str], columns: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """external id → the requested columns, for the ids that exist."""
    found: dict[str, tuple[Any, ...]] = {}
    for rows in _chunks_by_external_id(conn, table_name, list(external_ids), columns):
        for row in rows:
            found[row[0]] = tuple(row[1:])
    return found


def lookup_columns(
    db: Database, table_name: str, external_ids: pa.Array, columns: Sequence[str]
) -> tuple[pa.Array, list[pa.Array]]:
    """The external ids that exist and, per requested column (integers or text), their values
    (same order): :func:`find_rows` without building a dictionary, for keys that are rarely
    repeated.

    On SQLite the keys go in as one JSON array and the rows come back as one aggregated row
    (:func:`_joined_in_sqlite`); on PostgreSQL they are looked up in chunked ``IN`` queries."""
    if db.is_sqlite:
        return _joined_in_sqlite(db, table_name, external_ids, columns)
    keys: list[str] = []
    values: list[list[Any]] = [[] for _ in columns]
    with db.read() as conn:
        for rows in _chunks_by_external_id(conn, table_name, external_ids.to_pylist(), columns):
            if not rows:
                continue
            found = list(zip(*rows, strict=True))
            keys.extend(found[0])
            for target, column in zip(values, found[1:], strict=True):
                target.extend(column)
    return pa.array(keys, pa.string()), [pa.array(v) for v in values]


def _joined_in_sqlite(
    db: Database, table_name: str, external_ids: pa.Array, columns: Sequence[str]
) -> tuple[pa.Array, list[pa.Array]]:
    """One query joins the keys (``json_each`` of a JSON array) to the table's external id
    index and aggregates what it finds into one row: positions and integers as
    comma-separated text, text columns as JSON arrays. Python never holds an object per key
    (fetching a row per key cost more than the join itself)."""
    table = Base.metadata.tables[table_name]
    integers = [isinstance(table.c[c].type, Integer) for c in columns]
    aggregated = ", ".join(
        f"group_concat(ifnull(t.{c}, ''))" if integer else f"json_group_array(t.{c})"
        for c, integer in zip(columns, integers, strict=True)
    )
    with db.read() as conn:
        row = conn.exec_driver_sql(
            f"SELECT group_concat(j.key), {aggregated} FROM json_each(?) j "
            f"CROSS JOIN {table_name} t WHERE t.external_id = j.value",
            (_json_array(external_ids),),
        ).one()
    if row[0] is None:
        return pa.array([], pa.string()), [pa.array([]) for _ in columns]
    found = [
        _integers(text) if integer else _json_values(text)
        for text, integer in zip(row[1:], integers, strict=True)
    ]
    return external_ids.take(_integers(row[0])), found


def _json_array(keys: pa.Array) -> str:
    """Text keys as a JSON array, escaped by Arrow (by ``json`` when a key is null or holds a
    control character, which JSON must escape as ``\\u00XX``)."""
    if keys.null_count or pc.any(pc.match_substring_regex(keys, r"[\x00-\x1f]")).as_py():
        return json.dumps(keys.to_pylist(), ensure_ascii=False)
    escaped = pc.replace_substring(pc.replace_substring(keys, "\\", "\\\\"), '"', '\\"')
    one_list = pa.ListArray.from_arrays(pa.array([0, len(escaped)], pa.int32()), escaped)
    return '["' + str(pc.binary_join(one_list, '","')[0].as_py()) + '"]'


def _integers(text: str) -> pa.Array:
    """``1,,3`` → [1, null, 3]."""
    parts = pc.split_pattern(pa.array([text]), ",").flatten()
    return pc.if_else(pc.equal(parts, ""), pa.scalar(None, pa.string()), parts).cast(pa.int64())


def _json_values(text: str) -> pa.Array:
    """A JSON array of text (or nulls) → a string array."""
    parsed = pa_json.read_json(
        io.BytesIO(b'{"v":' + text.encode("utf-8") + b"}"),
        parse_options=pa_json.ParseOptions(
            explicit_schema=pa.schema([pa.field("v", pa.list_(pa.string()))])
        ),
    )
    return parsed.column("v").combine_chunks().flatten()


def stages(db: Database, rows: int) -> bool:
    """Whether ``rows`` rows go through a staged copy (:mod:`.sqlite_stage`)."""
    return db.sqlite_path is not None and rows >= STAGE_MIN_ROWS


def _scratch(db: Database) -> Path:
    """Where staged copies are written: beside the SQLite file."""
    if db.sqlite_path is None:
        raise ValueError("only a SQLite file has staged copies")
    return db.sqlite_path.parent


def lookup_rows(
    db: Database, table_name: str, external_ids: Iterable[str], columns: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """:func:`find_rows` on a reader connection."""
    with db.read() as conn:
        return find_rows(conn, table_name, external_ids, columns)


@dataclass(frozen=True)
class Upserted:
    """What one :func:`upsert_rows` wrote: the rows' ``change_seq`` run from
    ``first_change_seq`` in row order; new rows got ids above ``top_id``, the table's highest
    before the write."""

    inserted: int
    updated: int
    first_change_seq: int
    top_id: int
    updated_at: str  # as stored (:func:`format_timestamp`)

    @property
    def rows(self) -> int:
        return self.inserted + self.updated


def upsert_rows(
    db: Database,
    table_name: str,
    columns: Sequence[str],
    values: Sequence[pa.Array],
    update_columns: Sequence[str],
    *,
    keep_when_null: Sequence[str] = (),
    staged: Path | None = None,
) -> Upserted:
    """Insert or update rows by external id in one transaction.

    ``values`` holds one Arrow array per column (``columns[0]`` must be ``external_id``);
    ``update_columns`` are replaced on conflict, except that a null in one of
    ``keep_when_null`` keeps the stored value. Rows are written in order (a repeated external
    id ends with its last row's values). Many rows into a SQLite file are first written to a
    scratch file by the ADBC driver (here, or ahead of time by :func:`stage_rows`: pass it as
    ``staged``) and copied from there in one ``INSERT … SELECT``; otherwise they are bound one
    by one (``executemany``)."""
    if columns[0] != "external_id":
        raise ValueError("the first column must be external_id")
    count = len(values[0])
    if not count:
        return Upserted(0, 0, 0, 0, "")
    all_columns = ", ".join([*columns, "change_seq", "updated_at"])
    upsert = "ON CONFLICT (external_id) DO UPDATE SET " + ", ".join(
        f"{c} = COALESCE(excluded.{c}, {table_name}.{c})"
        if c in keep_when_null
        else f"{c} = excluded.{c}"
        for c in (*update_columns, "change_seq", "updated_at")
    )
    now = format_timestamp(utc_now())
    values = _driver_values(values)
    if staged is not None or stages(db, count):
        with ExitStack() as stack:
            path = staged or stack.enter_context(sqlite_stage.staged(_scratch(db), columns, values))
            stack.enter_context(db.attached(path, "stage"))
            conn = stack.enter_context(db.write(lock_key=table_name))
            top, first = _before_write(db, conn, table_name, columns, values)
            conn.exec_driver_sql(
                f"INSERT INTO {table_name} ({all_columns}) "
                f"SELECT {', '.join(columns)}, {first - 1} + rowid, ? "
                f"FROM stage.{sqlite_stage.TABLE} WHERE true ORDER BY rowid {upsert}",
                (now,),
            )
            inserted = _inserted_since(conn, table_name, top)
        return Upserted(inserted, count - inserted, first, top, now)
    with db.write(lock_key=table_name) as conn:
        mark = _mark(conn)
        top, first = _before_write(db, conn, table_name, columns, values)
        rows = zip(
            *(v.to_pylist() for v in values),
            range(first, first + count),
            repeat(now, count),
            strict=True,
        )
        conn.exec_driver_sql(
            f"INSERT INTO {table_name} ({all_columns}) "
            f"VALUES ({', '.join([mark] * (len(columns) + 2))}) {upsert}",
            list(rows),
        )
        inserted = _inserted_since(conn, table_name, top)
    return Upserted(inserted, count - inserted, first, top, now)


def stage_rows(db: Database, columns: Sequence[str], values: Sequence[pa.Array]) -> Path | None:
    """The scratch file :func:`upsert_rows` would write for these rows (``staged``), written
    now, or None when they would be bound one by one; the caller removes it."""
    if not stages(db, len(values[0])):
        return None
    return sqlite_stage.write(_scratch(db), columns, _driver_values(values))


def _before_write(
    db: Database,
    conn: Connection,
    table_name: str,
    columns: Sequence[str],
    values: Sequence[pa.Array],
) -> tuple[int, int]:
    """Inside the write: the table's highest id (new rows get ids above it: writers of the
    table are serialised) and the first ``change_seq`` of the rows; references re-checked
    when a bulk load has SQLite's own checks off and another connection has written since."""
    top = conn.exec_driver_sql(f"SELECT max(id) FROM {table_name}").scalar() or 0
    if not db.foreign_keys and not db.parents_unchanged(conn):
        _check_references(conn, table_name, columns, values)
    return int(top), db.next_change_seq(conn, table_name)


def _inserted_since(conn: Connection, table_name: str, top: int) -> int:
    return int(
        conn.exec_driver_sql(
            f"SELECT count(*) FROM {table_name} WHERE id > {_mark(conn)}", (top,)
        ).scalar_one()
    )


def _driver_values(values: Sequence[pa.Array]) -> list[pa.Array]:
    """Times as the text SQLAlchemy stores on SQLite (PostgreSQL parses it as well)."""
    return [v.cast(pa.string()) if pa.types.is_timestamp(v.type) else v for v in values]


class MissingReference(Exception):
    """A bulk write names a parent row that does not exist (what a foreign key refuses)."""


def _check_references(
    conn: Connection, table_name: str, columns: Sequence[str], values: Sequence[pa.Array]
) -> None:
    """Inside the write transaction: every non-null foreign key value names an existing row.

    Replaces SQLite's per-row check while a bulk load has it off and another connection
    has written since (otherwise the ids, all looked up during the load, still exist): the
    distinct ids of the batch in sorted order, counted in a few ``IN`` queries, cost about
    half as much as the per-row check."""
    table = Base.metadata.tables[table_name]
    for fk in table.foreign_keys:
        name = fk.parent.name
        if name not in columns:
            continue
        ids = sorted(pc.unique(pc.drop_null(values[columns.index(name)])).to_pylist())
        parent = fk.column.table.name
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start : start + LOOKUP_CHUNK]
            found = conn.exec_driver_sql(
                f"SELECT count(*) FROM {parent} WHERE {fk.column.name} "
                f"IN ({', '.join([_mark(conn)] * len(chunk))})",
                tuple(chunk),
            ).scalar_one()
            if found != len(chunk):
                raise MissingReference(f"{table_name}.{name}: a referenced {parent} row is gone")


# --- bulk loads ----------------------------------------------------------------------------

#: Secondary indexes maintained in random order during a load; on SQLite they cut a large
#: load's speed about five-fold (measured: 21 k → 123 k rows/s at 1 M rows), while building
#: them afterwards is one sort.
DEFERRABLE_INDEXES: dict[str, tuple[str, ...]] = {
    "responses": (
        "ix_responses_responded_at",
        "ix_responses_customer_id",
        "ix_responses_interaction_id",
    ),
    "interactions": ("ix_interactions_occurred_at", "ix_interactions_customer_id"),
}


#: Loads smaller than this keep their indexes.
BULK_MIN_ROWS = 100_000


def worth_bulk_load(db: Database, table_name: str, incoming_rows: int) -> bool:
    """Worth it on SQLite when the load is large next to what the table already holds."""
    if not db.is_sqlite or table_name not in DEFERRABLE_INDEXES or incoming_rows < BULK_MIN_ROWS:
        return False
    return incoming_rows * 10 >= count_rows(db, table_name)


#: WAL pages (4 KiB) a bulk load lets accumulate before checkpointing (≈800 MB): checkpoints
#: after every batch wait on the disk (measured 60 k → 70-89 k rows/s at 1 M rows).
BULK_WAL_PAGES = 200_000
_DEFAULT_WAL_PAGES = 1_000


@contextmanager
def bulk_load(db: Database, table_name: str) -> Iterator[None]:
    """A large load on SQLite: the table's deferrable indexes are dropped and rebuilt after,
    the WAL checkpoints rarely, and SQLite's per-row foreign key checks are off on the
    writer: the ids a load writes were looked up in the store moments before, and
    :func:`upsert_rows` re-checks a batch's references in its transaction whenever another
    connection may have deleted something since (measured on 294 k responses into a store of
    1 M customers and 2.9 M interactions: 59 k rows/CPU-s with the checks, 122 k without,
    85 k with the batch re-check). If the process dies in between,
    :func:`restore_indexes` (run before every import) rebuilds the indexes; the foreign key
    setting lives only in the dead connection."""
    table = Base.metadata.tables[table_name]
    names = DEFERRABLE_INDEXES.get(table_name, ())
    with db.write(lock_key=table_name) as conn:
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={BULK_WAL_PAGES}")
        for index in table.indexes:
            if index.name in names:
                index.drop(conn, checkfirst=True)
    db.set_foreign_keys(False)
    try:
        yield
    finally:
        db.set_foreign_keys(True)
        with db.write(lock_key=table_name) as conn:
            conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={_DEFAULT_WAL_PAGES}")
        restore_indexes(db, table_name)
        _truncate_wal(db)


def _truncate_wal(db: Database) -> None:
    """Give the disk back: a load leaves a WAL file of up to a gigabyte behind otherwise.

    SQLite refuses a checkpoint inside a transaction."""
    db.outside_transaction("PRAGMA wal_checkpoint(TRUNCATE)")


def remove_stale_scratch(db: Database) -> None:
    """Scratch files a killed import left beside the SQLite file (:mod:`.sqlite_stage`)."""
    if db.sqlite_path is not None:
        sqlite_stage.remove_stale(db.sqlite_path.parent)


#: Page cache (KiB) of SQLite's sorter while it builds indexes, with a helper thread per core:
#: sorting runs of a few megabytes and merging them beats one large in-memory sort (the three
#: deferred indexes of 10 M responses: about 30 s with the store's 64 MB cache and no helper
#: threads, 14 s like this; measured on 2 cores).
INDEX_SORT_CACHE_KIB = 2_000


def restore_indexes(db: Database, table_name: str) -> None:
    """Create any missing index of a table (idempotent and cheap when none is missing)."""
    table = Base.metadata.tables[table_name]
    with db.write(lock_key=table_name) as conn, _sorting_for_indexes(db, conn):
        for index in table.indexes:
            index.create(conn, checkfirst=True)


@contextmanager
def _sorting_for_indexes(db: Database, conn: Connection) -> Iterator[None]:
    """On SQLite: the sorter's small cache and helper threads (``INDEX_SORT_CACHE_KIB``)."""
    if not db.is_sqlite:
        yield
        return
    cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    threads = int(conn.exec_driver_sql("PRAGMA threads").scalar_one())
    conn.exec_driver_sql(f"PRAGMA threads={os.cpu_count() or 1}")
    conn.exec_driver_sql(f"PRAGMA cache_size=-{INDEX_SORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={cache}")
        conn.exec_driver_sql(f"PRAGMA threads={threads}")


# --- the single-response fast path ------------------------------------------------------


def save_response(db: Database, values: dict[str, Any]) -> tuple[int, bool]:
    """Insert or update one response by external id; (id, created).

    ``values`` are final column values (timestamps as datetimes, answers as a dict); driver
    SQL keeps the time inside the write lock to a few tens of microseconds."""
    row = dict(values)
    for name, value in row.items():
        if isinstance(value, datetime):
            row[name] = format_timestamp(value)
    if row.get("answers") is not None:
        row["answers"] = json.dumps(row["answers"], ensure_ascii=False)
    with db.write(lock_key="responses") as conn:
        mark = _mark(conn)
        existing = conn.exec_driver_sql(
            f"SELECT id FROM responses WHERE external_id = {mark}", (row["external_id"],)
        ).scalar()
        row["change_seq"] = db.next_change_seq(conn, "responses")
        row["updated_at"] = format_timestamp(utc_now())
        names = list(row)
        if existing is None:
            new_id = conn.exec_driver_sql(
                f"INSERT INTO responses ({', '.join(names)}) "
                f"VALUES ({', '.join([mark] * len(names))}) RETURNING id",
                tuple(row.values()),
            ).scalar_one()
            return int(new_id), True
        conn.exec_driver_sql(
            f"UPDATE responses SET {', '.join(f'{n} = {mark}' for n in names)} WHERE id = {mark}",
            (*row.values(), existing),
        )
        return int(existing), False


def fetch_response(db: Database, external_id: str) -> dict[str, Any] | None:
    """One response with the external ids of its customer, interaction and employee."""
    r = Response.__table__
    customer = aliased(Customer)
    interaction = aliased(Interaction)
    employee = aliased(Employee)
    query = (
        select(
            r,
            customer.external_id.label("customer_external_id"),
            interaction.external_id.label("interaction_external_id"),
            employee.external_id.label("employee_external_id"),
        )
        .select_from(r)
        .outerjoin(customer, customer.id == r.c.customer_id)
        .outerjoin(interaction, interaction.id == r.c.interaction_id)
        .outerjoin(employee, employee.id == r.c.employee_id)
        .where(r.c.external_id == external_id)
    )
    with db.read() as conn:
        found = conn.execute(query).mappings().first()
    return dict(found) if found is not None else None


# --- import runs --------------------------------------------------------------------------


def start_import_run(db: Database, kind: str, source: str) -> int:
    table = cast(Table, ImportRun.__table__)
    with db.write() as conn:
        run_id = conn.execute(
            insert(table).returning(table.c.id),
            {"kind": kind, "source": source[:1024], "started_at": utc_now(), "status": "running"},
        ).scalar_one()
    return int(run_id)


def finish_import_run(
    db: Database,
    run_id: int,
    *,
    status: str,
    rows_read: int,
    inserted: int,
    updated: int,
    rejected: int,
    rejects_path: str | None,
) -> None:
    table = cast(Table, ImportRun.__table__)
    with db.write() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == run_id)
            .values(
                status=status,
                finished_at=utc_now(),
                rows_read=rows_read,
                rows_inserted=inserted,
                rows_updated=updated,
                rows_rejected=rejected,
                rejects_path=rejects_path,
            )
        )


def list_import_runs(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """The most recent import runs, newest first."""
    table = cast(Table, ImportRun.__table__)
    with db.read() as conn:
        rows = conn.execute(select(table).order_by(desc(table.c.id)).limit(limit)).mappings()
        return [dict(row) for row in rows]


def count_rows(db: Database, table_name: str) -> int:
    """Rows of one experience table (for summaries and tests)."""
    with db.read() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table_name}").scalar_one())
