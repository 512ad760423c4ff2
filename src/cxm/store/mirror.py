"""The Parquet mirror: an analytical copy of the experience tables, refreshed incrementally.

Layout under the mirror directory::

    manifest.json                       what readers may read (replaced atomically)
    .refresh.lock                       one refresher at a time, across processes
    responses/schema.parquet            zero rows: the table's schema for an empty mirror
    responses/month=2025-03/part-….parquet
    interactions/month=YYYY-MM/…        (by occurred_at; responses by responded_at)
    customers/bucket=00003/…            (by id // 100 000, so updates rewrite few files)
    response_rollups/month=YYYY-MM/…    daily statistics per dimension value and source
                                        (``cxm.store.mirror_rollups``), rebuilt per month
    customer_paths/bucket=00003/…       each customer's first path steps (by customer id
                                        // 10 000; ``cxm.store.mirror_customers``)
    customer_firsts/bucket=00003/…      each customer's first interaction per touch-point;
                                        both rebuilt per customer whose interactions changed

A refresh copies the rows whose ``change_seq`` lies past the table's watermark, streaming
them from the store in chunks into one Parquet file per touched partition. Rows that were
mirrored before (re-imported, same id) lose their old copy: only the files whose id range
may hold them are read, and only those holding them are rewritten. Files are written under
a temporary name and renamed; readers only ever read the files the manifest lists, and the
manifest is swapped in one rename, so a reader sees either the old or the new mirror whole.
Superseded files stay on disk for a grace period for readers still using an older
manifest.

Beside each time column the mirror keeps its calendar day (``responded_on`` beside
``responded_at``, ``occurred_on`` beside ``occurred_at``), and files are written in row groups
of about ``ROW_GROUP_ROWS`` rows: both make the analytical scans cheaper. A mirror written in
an older layout (``MIRROR_FORMAT``) is rebuilt from the store by the next refresh."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, Table, func, select

from cxm.domain.dimensions import DAY_COLUMNS
from cxm.domain.journeys import CUSTOMER_FIRSTS, CUSTOMER_PATHS
from cxm.domain.metrics import ROLLUP_FORMAT, ROLLUP_TABLES
from cxm.store import sqlite_export
from cxm.store.bulk import Upserted
from cxm.store.database import Database
from cxm.store.mirror_customers import SCHEMAS, customer_tables
from cxm.store.mirror_rollups import ROLLUPS, Rollup
from cxm.store.tables import MIRRORED_TABLES, Base

#: 2: day columns beside the time columns, row groups of ``ROW_GROUP_ROWS``.
MIRROR_FORMAT = 2
MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".refresh.lock"
GRACE_SECONDS = 600.0
CHUNK_ROWS = 50_000
#: Changes from which a SQLite table is read in a child process (:mod:`.sqlite_export`): below,
#: starting the process costs more than it saves.
EXPORT_MIN_CHANGES = 100_000
FLUSH_ROWS = 500_000
ROW_GROUP_ROWS = 262_144
SMALL_FILE_ROWS = 250_000
COMPACT_AFTER_FILES = 8
BUCKET_IDS = 100_000
#: Customers per file of the per-customer tables: a refresh rewrites the buckets of the
#: customers whose interactions changed, so small ones keep a trickle of changes cheap.
CUSTOMER_BUCKET_IDS = 10_000
#: Past this many customers with changed interactions, the per-customer tables are computed
#: for everyone rather than for them (whose rows are held in memory).
REBUILD_CUSTOMERS = 100_000
MAX_OPEN_WRITERS = 128
PARTITION_TIME_COLUMN = {
    "responses": "responded_at",
    "interactions": "occurred_at",
    "comment_analyses": "responded_at",
}

#: The tables the mirror derives from a mirrored table (name → source), kept as current as it.
DERIVED_TABLES = {r.name: r.source for r in ROLLUPS} | {
    CUSTOMER_PATHS: "interactions",
    CUSTOMER_FIRSTS: "interactions",
}
Progress = Callable[[int, int], None]
_DAY_NAMES = frozenset(DAY_COLUMNS.values())


@dataclass
class FileInfo:
    rows: int
    min_id: int
    max_id: int


@dataclass
class TableState:
    """One table's part of the manifest."""

    watermark: int = 0
    rows: int = 0
    max_id: int = 0
    refreshed_at: str | None = None  # ISO 8601, UTC
    files: dict[str, FileInfo] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "watermark": self.watermark,
            "rows": self.rows,
            "max_id": self.max_id,
            "refreshed_at": self.refreshed_at,
            "files": {k: [v.rows, v.min_id, v.max_id] for k, v in sorted(self.files.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TableState:
        files = {k: FileInfo(*v) for k, v in data.get("files", {}).items()}
        return cls(
            watermark=int(data.get("watermark", 0)),
            rows=int(data.get("rows", 0)),
            max_id=int(data.get("max_id", 0)),
            refreshed_at=data.get("refreshed_at"),
            files=files,
        )


@dataclass
class Manifest:
    """What the mirror holds. ``generation`` changes with every written manifest."""

    tables: dict[str, TableState] = field(default_factory=dict)
    garbage: list[tuple[str, float]] = field(default_factory=list)
    generation: str = ""

    def table(self, name: str) -> TableState:
        return self.tables.setdefault(name, TableState())

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MIRROR_FORMAT,
            "rollup_format": ROLLUP_FORMAT,
            "generation": self.generation,
            "tables": {name: state.to_json() for name, state in self.tables.items()},
            "schema_files": {name: f"{name}/schema.parquet" for name in self.tables},
            "garbage": [[p, t] for p, t in self.garbage],
        }


def read_manifest(mirror_dir: Path) -> Manifest | None:
    """The current manifest, or None when the mirror was never refreshed.

    A manifest of an older layout reads as an empty mirror whose files are all superseded
    (still readable for the grace period), so the next refresh rebuilds every table; rollups
    of an older layout are superseded alone, and rebuilt from the mirrored rows."""
    try:
        data = json.loads((mirror_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    garbage = [(p, float(t)) for p, t in data.get("garbage", [])]
    tables = data.get("tables", {})
    if data.get("version") != MIRROR_FORMAT:
        now = time.time()
        garbage += [(rel, now) for state in tables.values() for rel in state.get("files", {})]
        return Manifest(garbage=garbage, generation=str(data.get("generation", "")))
    if data.get("rollup_format") != ROLLUP_FORMAT:
        now = time.time()
        for name in set(ROLLUP_TABLES) & set(tables):
            garbage += [(rel, now) for rel in tables.pop(name).get("files", {})]
    return Manifest(
        tables={k: TableState.from_json(v) for k, v in tables.items()},
        garbage=garbage,
        generation=str(data.get("generation", "")),
    )


def _write_manifest(mirror_dir: Path, manifest: Manifest) -> None:
    manifest.generation = uuid.uuid4().hex
    tmp = mirror_dir / f".manifest-{manifest.generation}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(manifest.to_json(), fh, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, mirror_dir / MANIFEST_NAME)


def arrow_schema(table: Table) -> pa.Schema:
    """The Parquet schema of a mirrored table (JSON columns are stored as JSON text), the
    day of each time column last."""
    fields = []
    for col in table.columns:
        t = col.type
        if isinstance(t, Boolean):
            typ: pa.DataType = pa.bool_()
        elif isinstance(t, DateTime):
            typ = pa.timestamp("us")
        elif isinstance(t, Float):
            typ = pa.float64()
        elif isinstance(t, Integer):
            typ = pa.int64()
        else:
            typ = pa.string()
        fields.append(pa.field(col.name, typ, nullable=col.name != "id"))
    fields += [pa.field(DAY_COLUMNS[c.name], pa.date32()) for c in _timed(table)]
    return pa.schema(fields)


def _timed(table: Table) -> list[Any]:
    """The columns of a table whose day the mirror keeps beside them."""
    return [c for c in table.columns if c.name in DAY_COLUMNS]


def store_max_change_seq(db: Database) -> dict[str, int]:
    """The newest ``change_seq`` of every mirrored table (index lookups, cheap)."""
    out: dict[str, int] = {}
    with db.read() as conn:
        for name in MIRRORED_TABLES:
            table = Base.metadata.tables[name]
            out[name] = int(conn.execute(select(func.max(table.c.change_seq))).scalar() or 0)
    return out


def refresh(
    db: Database,
    mirror_dir: Path,
    *,
    on_progress: Progress | None = None,
    grace_seconds: float = GRACE_SECONDS,
    lock_timeout: float = -1,
) -> Manifest:
    """Copy every change past the watermarks into the mirror; returns the new manifest.

    ``on_progress(done, total)`` counts the changes copied, then the mirrored rows the
    rollups read: planned as the rows copied from their sources, and corrected once the copy
    shows which months must be rolled up whole; then, when interactions changed, the
    interactions read for the tables kept per customer. Holds the mirror's file lock for the whole
    refresh (``lock_timeout`` < 0: wait)."""
    mirror_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(mirror_dir / LOCK_NAME), timeout=lock_timeout):
        return _refresh_locked(db, mirror_dir, on_progress, grace_seconds, None)


def _refresh_locked(
    db: Database,
    mirror_dir: Path,
    on_progress: Progress | None,
    grace_seconds: float,
    load: Load | None,
) -> Manifest:
    manifest = read_manifest(mirror_dir) or Manifest()
    heads = store_max_change_seq(db)
    changes = {n: max(0, heads[n] - manifest.table(n).watermark) for n in MIRRORED_TABLES}
    # each rollup reads at least the rows copied from its source; the tables kept per
    # customer, every interaction once any changed
    per_customer = (
        manifest.table("interactions").rows + changes["interactions"]
        if changes["interactions"] or not set(SCHEMAS) <= set(manifest.tables)
        else 0
    )
    copier = _Copier(db, mirror_dir, manifest, on_progress)
    copier.total = sum(changes.values()) + sum(changes[r.source] for r in ROLLUPS) + per_customer
    copier.advance(0)
    if load is not None:  # before the sweep, which would delete its files (unlisted until then)
        load.hand_over(copier)
    _sweep(mirror_dir, manifest, grace_seconds)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    for name in MIRRORED_TABLES:
        table = Base.metadata.tables[name]
        _ensure_schema_file(mirror_dir, name, arrow_schema(table))
        copier.copy(table, heads[name])
        manifest.table(name).refreshed_at = now
    for rollup in ROLLUPS:
        _ensure_schema_file(mirror_dir, rollup.name, rollup.schema)
        copier.roll_up(rollup, now, planned=changes[rollup.source])
    for name, schema in SCHEMAS.items():
        _ensure_schema_file(mirror_dir, name, schema)
    copier.keep_customer_tables(now, planned=per_customer)
    _write_manifest(mirror_dir, manifest)
    if on_progress:
        on_progress(copier.total, copier.total)
    return manifest


class Load:
    """The mirror copies of a bulk load's rows, written as the load commits them rather than
    read back from the store by the refresh after it. SQLite only: there the new rows of a
    write get the ids after the table's highest, in row order, so a batch of new rows is
    copied from the values written; a batch that updated rows is read back by its
    ``change_seq`` run.

    Holds the mirror's lock from the start of the load to the end of :meth:`refresh`. The
    copies are given up, and the refresh copies from the store as usual, when the mirror was
    behind the table at the start, when another writer changed the table during the load (a
    gap in the ``change_seq`` run) or when the load wrote one row twice."""

    def __init__(self, db: Database, mirror_dir: Path, table_name: str) -> None:
        self.db = db
        self.mirror_dir = mirror_dir
        self.table = Base.metadata.tables[table_name]
        self.schema = arrow_schema(self.table)
        self.json_columns = _json_columns(self.table)
        self.lock = FileLock(str(mirror_dir / LOCK_NAME))
        self.copies: _NewCopies | None = None
        self.closed: Future[dict[str, FileInfo]] | None = None
        self.low = self.high = 0

    def __enter__(self) -> Load:
        self.mirror_dir.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        name = self.table.name
        state = (read_manifest(self.mirror_dir) or Manifest()).table(name)
        current = state.watermark == store_max_change_seq(self.db)[name]
        if self.db.sqlite_path is not None and current:
            self.low = self.high = state.watermark
            self.copies = _NewCopies(self.mirror_dir, name, self.schema, state.max_id)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.closed is not None and self.copies is not None:  # closed, never handed over
            wait([self.closed])
            if self.closed.exception() is None:
                for rel in self.closed.result():
                    (self.mirror_dir / rel).unlink(missing_ok=True)
        self._give_up()
        self.lock.release()

    def add(self, written: Upserted, columns: Sequence[str], values: Sequence[pa.Array]) -> None:
        """Copy a committed :func:`~cxm.store.bulk.upsert_rows` of ``values``."""
        if self.copies is None or not written.rows:
            return
        if written.first_change_seq != self.high + 1:
            self._give_up()  # another writer changed the table since the last batch
            return
        last = written.first_change_seq + written.rows - 1
        if written.updated:
            chunks = list(_stream_changes(self.db, self.table, self.schema, self.high, last))
            ids = np.concatenate([c.column("id").to_numpy() for c in chunks])
            if np.any((ids > self.copies.mirrored_max_id) & (ids <= written.top_id)):
                self._give_up()  # it updated a row it inserted before: that copy is stale
                return
        else:
            chunks = [self._new_rows(written, columns, values)]
        for chunk in chunks:
            self.copies.add(chunk)
        self.high = last

    def _new_rows(
        self, written: Upserted, columns: Sequence[str], values: Sequence[pa.Array]
    ) -> pa.Table:
        count = written.rows
        raw = dict(zip(columns, values, strict=True))
        raw["id"] = pa.array(np.arange(written.top_id + 1, written.top_id + 1 + count))
        first = written.first_change_seq
        raw["change_seq"] = pa.array(np.arange(first, first + count))
        raw["updated_at"] = pa.repeat(written.updated_at, count)
        selected = [f for f in self.schema if f.name not in _DAY_NAMES]
        return _typed(
            {f.name: raw[f.name] if f.name in raw else pa.nulls(count, f.type) for f in selected},
            self.schema,
            self.json_columns,
        )

    def _give_up(self) -> None:
        if self.copies is not None:
            self.copies.abort()
            self.copies = None

    def finish(self) -> None:
        """The load wrote its last row: its files are closed (regrouped, renamed; still
        unlisted) in a thread, beside what the load does last (rebuilding indexes)."""
        if self.copies is None or self.closed is not None:
            return
        if self.copies.repeats_an_update():
            self._give_up()
            return
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxm-mirror")
        self.closed = pool.submit(self.copies.close)
        pool.shutdown(wait=False)

    def refresh(self, on_progress: Progress | None = None) -> Manifest:
        """:func:`refresh`, taking over the copies made during the load."""
        return _refresh_locked(self.db, self.mirror_dir, on_progress, GRACE_SECONDS, self)

    def hand_over(self, copier: _Copier) -> None:
        """List the copies in the manifest (they count as changes copied)."""
        self.finish()
        if self.copies is None or self.closed is None:
            return
        copies, self.copies = self.copies, None
        new_files = self.closed.result()  # any file left unlisted goes with the next sweep
        if copier.manifest.table(self.table.name).watermark == self.low:
            copier.take(self.table.name, self.schema, copies, new_files, self.high)
            copier.advance(copies.rows)


def _ensure_schema_file(mirror_dir: Path, name: str, schema: pa.Schema) -> None:
    path = mirror_dir / name / "schema.parquet"
    if not path.exists() or not pq.read_schema(path).equals(schema, check_metadata=False):
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, schema.empty_table())


def _write_atomic(path: Path, data: pa.Table) -> None:
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}.parquet")
    pq.write_table(data, tmp)
    os.replace(tmp, path)


def _sweep(mirror_dir: Path, manifest: Manifest, grace_seconds: float) -> None:
    """Delete superseded files past the grace period and leftovers of crashed refreshes."""
    now = time.time()
    keep: list[tuple[str, float]] = []
    for rel, since in manifest.garbage:
        if now - since >= grace_seconds:
            (mirror_dir / rel).unlink(missing_ok=True)
        else:
            keep.append((rel, since))
    manifest.garbage = keep
    referenced = {rel for state in manifest.tables.values() for rel in state.files}
    referenced.update(rel for rel, _ in keep)
    for name in (*MIRRORED_TABLES, *DERIVED_TABLES):
        base = mirror_dir / name
        if not base.is_dir():
            continue
        for path in base.glob("*/*.parquet"):
            rel = path.relative_to(mirror_dir).as_posix()
            if rel not in referenced:  # under the lock, unreferenced means abandoned
                path.unlink(missing_ok=True)
        for path in base.rglob(".tmp-*"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


class _Copier:
    """Streams one table's changes into new partition files, then retires old copies."""

    def __init__(
        self,
        db: Database,
        mirror_dir: Path,
        manifest: Manifest,
        on_progress: Progress | None,
    ) -> None:
        self.db = db
        self.mirror_dir = mirror_dir
        self.manifest = manifest
        self.total = 0
        self.done = 0
        self.on_progress = on_progress
        # for the rollups, per table: the files this refresh added, and the partitions it
        # removed rows from (updated rows), whose rollups must be rebuilt rather than added to
        self.appended: dict[str, list[str]] = {}
        self.rewritten: dict[str, set[str]] = {}
        # the customers whose interactions this refresh copied or removed: what the mirror
        # keeps per customer changes for them
        self.changed_customers: list[np.ndarray] = []
        self.every_customer_changed = False

    def copy(self, table: Table, head: int) -> None:
        state = self.manifest.table(table.name)
        if head <= state.watermark:
            return
        schema = arrow_schema(table)
        copies = _NewCopies(self.mirror_dir, table.name, schema, state.max_id)
        try:
            for chunk in _stream_changes(self.db, table, schema, state.watermark, head):
                copies.add(chunk)
                self.advance(chunk.num_rows)
            new_files = copies.close()
        except BaseException:
            copies.abort()
            raise
        self.take(table.name, schema, copies, new_files, head)

    def take(
        self,
        name: str,
        schema: pa.Schema,
        copies: _NewCopies,
        new_files: dict[str, FileInfo],
        head: int,
    ) -> None:
        """List the new files of a table's changes up to ``head``; retire the copies they
        replace."""
        state = self.manifest.table(name)
        previous_files = dict(state.files)
        self.changed_customers.extend(copies.customers)
        self.every_customer_changed |= copies.every_customer
        stale = copies.updated_ids
        if stale.size:
            self._retire_old_copies(state, previous_files, stale, schema)
        self.appended.setdefault(name, []).extend(new_files)
        self.rewritten.setdefault(name, set()).update(
            _partition_of(rel) for rel in previous_files if rel not in state.files
        )
        state.files.update(new_files)
        for partition in {rel.rsplit("/", 1)[0] for rel in new_files}:
            self._compact(state, partition, schema)
        state.watermark = head
        state.rows = sum(f.rows for f in state.files.values())
        state.max_id = max((f.max_id for f in state.files.values()), default=0)

    def _retire_old_copies(
        self,
        state: TableState,
        previous: dict[str, FileInfo],
        stale: np.ndarray,
        schema: pa.Schema,
    ) -> None:
        for rel, info in previous.items():
            lo = int(np.searchsorted(stale, info.min_id, side="left"))
            hi = int(np.searchsorted(stale, info.max_id, side="right"))
            if lo == hi:
                continue
            path = self.mirror_dir / rel
            ids = pq.read_table(path, columns=["id"]).column("id")
            mask = pc.is_in(ids, value_set=pa.array(stale[lo:hi]))
            if not pc.any(mask).as_py():
                continue
            rows = pq.read_table(path, schema=schema)
            if rel.startswith("interactions/"):
                self.changed_customers.append(_customers_of(rows.filter(mask)))
            kept = rows.filter(pc.invert(mask))
            del state.files[rel]
            self._retire(rel)
            if kept.num_rows:
                new_rel = _new_file_name(rel.split("/")[0], rel.split("/")[1])
                _write_atomic(self.mirror_dir / new_rel, kept)
                state.files[new_rel] = _info_of(kept)

    def _compact(self, state: TableState, partition: str, schema: pa.Schema) -> None:
        small = sorted(
            rel
            for rel, info in state.files.items()
            if rel.startswith(partition + "/") and info.rows < SMALL_FILE_ROWS
        )
        if len(small) <= COMPACT_AFTER_FILES:
            return
        table_name, part = partition.split("/")
        new_rel = _new_file_name(table_name, part)
        target = self.mirror_dir / new_rel
        tmp = target.with_name(f".tmp-{uuid.uuid4().hex}.parquet")
        rows, lo, hi = 0, None, None
        with _GroupedWriter(tmp, schema) as writer:
            for rel in small:
                writer.write(pq.read_table(self.mirror_dir / rel, schema=schema))
                info = state.files[rel]
                rows += info.rows
                lo = info.min_id if lo is None else min(lo, info.min_id)
                hi = info.max_id if hi is None else max(hi, info.max_id)
        os.replace(tmp, target)
        for rel in small:
            del state.files[rel]
            self._retire(rel)
        state.files[new_rel] = FileInfo(rows, lo or 0, hi or 0)

    def roll_up(self, rollup: Rollup, now: str, planned: int) -> None:
        """Bring a rollup up to date: a month this refresh only added rows to gets the
        rollup of those rows added to its own (a refresh costs what it copied); a month it
        removed rows from, and every month when the mirror has no such rollup yet, is rolled
        up again from all its files. Added files that compaction has since merged are still
        on disk (superseded files are kept for the grace period)."""
        source = self.manifest.table(rollup.source)
        rebuild = set(self.rewritten.get(rollup.source, ()))
        if rollup.name not in self.manifest.tables:
            rebuild |= {_partition_of(rel) for rel in source.files}
        added: dict[str, list[str]] = {}
        for rel in self.appended.get(rollup.source, ()):
            added.setdefault(_partition_of(rel), []).append(rel)
        rollups = self.manifest.table(rollup.name)
        # the rows each month's rollup reads count as work, after the copied changes
        reads = {
            partition: sorted(r for r in source.files if _partition_of(r) == partition)
            if partition in rebuild
            else added[partition]
            for partition in rebuild | set(added)
        }
        sizes = {partition: sum(map(self._rows, rels)) for partition, rels in reads.items()}
        self.total += sum(sizes.values()) - planned
        for partition, rels in sorted(reads.items()):
            old = sorted(r for r in rollups.files if _partition_of(r) == partition)
            if partition in rebuild:
                data = rollup.of(self.mirror_dir / rel for rel in rels)
            else:
                parts = [pq.read_table(self.mirror_dir / rel) for rel in old]
                parts.append(rollup.of(self.mirror_dir / rel for rel in rels))
                data = rollup.merge(parts)
            self.advance(sizes[partition])
            for rel in old:
                del rollups.files[rel]
                self._retire(rel)
            if data.num_rows:
                rel = _new_file_name(rollup.name, partition)
                (self.mirror_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                _write_atomic(self.mirror_dir / rel, data)
                rollups.files[rel] = FileInfo(data.num_rows, 0, 0)
        rollups.rows = sum(f.rows for f in rollups.files.values())
        rollups.watermark = source.watermark
        rollups.refreshed_at = now

    def keep_customer_tables(self, now: str, planned: int) -> None:
        """Recompute what the mirror keeps per customer (``SCHEMAS``): for every customer when
        a table is missing or many customers' interactions changed, streamed into new files;
        else for the customers whose interactions changed, each of their buckets rewritten
        once with the other customers' rows carried over."""
        interactions = self.manifest.table("interactions")
        missing = not set(SCHEMAS) <= set(self.manifest.tables)
        states = {name: self.manifest.table(name) for name in SCHEMAS}
        changed = np.unique(np.concatenate([np.empty(0, np.int64), *self.changed_customers]))
        everyone = missing or self.every_customer_changed or changed.size > REBUILD_CUSTOMERS
        if not everyone and not changed.size:
            self.total -= planned
            for state in states.values():
                state.watermark = interactions.watermark
            return
        self.total += interactions.rows - planned
        spill = self.mirror_dir / CUSTOMER_PATHS / f".tmp-{uuid.uuid4().hex}"
        spill.mkdir(parents=True)
        files = [self.mirror_dir / rel for rel in sorted(interactions.files)]
        try:
            if everyone:
                old = {name: sorted(state.files) for name, state in states.items()}
                new_files = self._stream_customer_tables(files, spill)
            else:
                old, new_files = self._rewrite_customer_buckets(files, changed, spill)
        finally:
            shutil.rmtree(spill, ignore_errors=True)
        self.advance(interactions.rows)
        for name, state in states.items():
            for rel in old[name]:
                del state.files[rel]
                self._retire(rel)
            state.files.update(new_files[name])
            state.rows = sum(f.rows for f in state.files.values())
            state.watermark = interactions.watermark
            state.refreshed_at = now

    def _stream_customer_tables(
        self, files: list[Path], spill: Path
    ) -> dict[str, dict[str, FileInfo]]:
        """Every customer's rows into new bucket files (the customers come in order, so a
        bucket's file is finished as soon as the stream has passed it)."""
        writers = {
            name: _PartitionWriters(self.mirror_dir, name, schema, "customer_id")
            for name, schema in SCHEMAS.items()
        }
        try:
            for tables in customer_tables(files, None, spill):
                for name, rows in tables.items():
                    parts = _by_customer_bucket(rows)
                    if parts:
                        writers[name].finish_before(min(parts))
                    writers[name].write_all(parts)
            return {name: w.close() for name, w in writers.items()}
        except BaseException:
            for w in writers.values():
                w.abort()
            raise

    def _rewrite_customer_buckets(
        self, files: list[Path], changed: np.ndarray, spill: Path
    ) -> tuple[dict[str, list[str]], dict[str, dict[str, FileInfo]]]:
        """The changed customers' rows computed again; each bucket holding one of them
        rewritten once: its other customers' rows, then theirs. Returns the files replaced
        and the new ones, per table."""
        computed: dict[str, list[pa.Table]] = {name: [] for name in SCHEMAS}
        for tables in customer_tables(files, changed, spill):
            for name, rows in tables.items():
                computed[name].append(rows)
        changed_set = pa.array(changed, pa.int64())
        buckets = set(_by_customer_bucket(pa.table({"customer_id": changed_set})))
        old: dict[str, list[str]] = {}
        new_files: dict[str, dict[str, FileInfo]] = {}
        for name, schema in SCHEMAS.items():
            fresh = _by_customer_bucket(pa.concat_tables(computed[name] or [schema.empty_table()]))
            state = self.manifest.table(name)
            old[name] = [rel for rel in sorted(state.files) if _partition_of(rel) in buckets]
            new_files[name] = {}
            for bucket in sorted(buckets):
                parts = []
                for rel in old[name]:
                    if _partition_of(rel) == bucket:
                        rows = pq.read_table(self.mirror_dir / rel, schema=schema)
                        others = pc.invert(pc.is_in(rows["customer_id"], changed_set))
                        parts.append(rows.filter(others))
                parts += fresh.get(bucket, [])
                data = pa.concat_tables(parts) if parts else schema.empty_table()
                if data.num_rows:
                    rel = _new_file_name(name, bucket)
                    (self.mirror_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                    _write_atomic(self.mirror_dir / rel, data)
                    new_files[name][rel] = _info_of(data, "customer_id")
        return old, new_files

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.on_progress:
            self.on_progress(min(self.done, self.total), self.total)

    def _rows(self, rel: str) -> int:
        """Rows of a mirrored file (one that compaction has merged since is read from its
        footer)."""
        for state in self.manifest.tables.values():
            if rel in state.files:
                return state.files[rel].rows
        return int(pq.ParquetFile(self.mirror_dir / rel).metadata.num_rows)

    def _retire(self, rel: str) -> None:
        self.manifest.garbage.append((rel, time.time()))


def _customers_of(interactions: pa.Table) -> np.ndarray:
    """The distinct customers of some interactions: a copy, where a view would keep the whole
    chunk alive (a batch read from the child process is one buffer shared by all columns)."""
    return np.unique(pc.drop_null(interactions.column("customer_id")).to_numpy())


class _NewCopies:
    """A table's changed rows on their way into new partition files: split by partition,
    buffered and written ``FLUSH_ROWS`` at a time. Remembers the ids the mirror held before
    (their old copies must go) and, for interactions, whose customers changed."""

    def __init__(
        self, mirror_dir: Path, table_name: str, schema: pa.Schema, mirrored_max_id: int
    ) -> None:
        self.table_name = table_name
        self.mirrored_max_id = mirrored_max_id
        self.partitioned_by = PARTITION_TIME_COLUMN.get(table_name, "id")
        self.writers = _PartitionWriters(mirror_dir, table_name, schema)
        self.buffered: dict[str, list[pa.Table]] = {}
        self.buffered_rows = 0
        self.rows = 0
        self.updated: list[np.ndarray] = []
        self.customers: list[np.ndarray] = []
        #: So many customers changed that what the mirror keeps per customer is rebuilt for
        #: everyone (``REBUILD_CUSTOMERS``): their ids are no longer kept.
        self.every_customer = False

    def add(self, chunk: pa.Table) -> None:
        ids = chunk.column("id").to_numpy()
        if self.mirrored_max_id:
            self.updated.append(ids[ids <= self.mirrored_max_id])
        if self.table_name == "interactions" and not self.every_customer:
            self._note_customers(_customers_of(chunk))
        for key, part in _split_by_partition(chunk, self.partitioned_by):
            self.buffered.setdefault(key, []).append(part)
        self.buffered_rows += chunk.num_rows
        self.rows += chunk.num_rows
        if self.buffered_rows >= FLUSH_ROWS:
            self.writers.write_all(self.buffered)
            self.buffered, self.buffered_rows = {}, 0

    def _note_customers(self, customers: np.ndarray) -> None:
        self.customers.append(customers)
        if sum(part.size for part in self.customers) > 2 * REBUILD_CUSTOMERS:
            distinct = np.unique(np.concatenate(self.customers))
            self.every_customer = distinct.size > REBUILD_CUSTOMERS
            self.customers = [] if self.every_customer else [distinct]

    @cached_property
    def updated_ids(self) -> np.ndarray:
        """The distinct ids the mirror held before (read once every row is added)."""
        return np.unique(np.concatenate([np.empty(0, np.int64), *self.updated]))

    def repeats_an_update(self) -> bool:
        """Whether a row the mirror held was copied twice (updated twice by a load)."""
        return self.updated_ids.size != sum(part.size for part in self.updated)

    def close(self) -> dict[str, FileInfo]:
        """The new files at their final names, not yet listed in the manifest."""
        self.writers.write_all(self.buffered)
        self.buffered = {}
        return self.writers.close()

    def abort(self) -> None:
        self.writers.abort()


class _Partition:
    """One partition's new file while it is written: the Parquet file (``tmp``, renamed to
    ``rel`` at the end) and the spill of the rows not yet encoded into it."""

    def __init__(self, mirror_dir: Path, rel: str, schema: pa.Schema) -> None:
        self.rel = rel
        target = mirror_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = target.with_name(f".tmp-{uuid.uuid4().hex}.parquet")
        self.schema = schema
        self.info = FileInfo(0, 0, 0)
        self.parquet: pq.ParquetWriter | None = None  # opened by the first row group
        self.spills: list[Path] = []  # every spill, deleted once encoded
        self.spill: pa.ipc.RecordBatchFileWriter | None = None  # the open one, the last
        self.spill_rows = 0  # in the open spill

    def spill_table(self, data: pa.Table) -> None:
        if self.spill is None:
            self.spills.append(self.tmp.with_name(f".tmp-{uuid.uuid4().hex}.arrow"))
            self.spill = pa.ipc.new_file(self.spills[-1], self.schema)
        self.spill.write_table(data)
        self.spill_rows += data.num_rows

    def close_spill(self) -> Path | None:
        """The spill written so far, closed (None if there is none)."""
        if self.spill is None:
            return None
        self.spill.close()
        self.spill, self.spill_rows = None, 0
        return self.spills[-1]

    def encode(self, spill: Path) -> None:
        """One closed spill (at most a row group's rows) encoded as the file's next row group."""
        if self.parquet is None:
            self.parquet = pq.ParquetWriter(self.tmp, self.schema)
        with pa.memory_map(str(spill)) as source:
            data = pa.ipc.open_file(source).read_all()
            if data.num_rows:
                self.parquet.write_table(data, row_group_size=data.num_rows)
        spill.unlink()

    def close(self) -> None:
        if self.parquet is None:  # no row at all: an empty file with the schema
            self.parquet = pq.ParquetWriter(self.tmp, self.schema)
        self.parquet.close()

    def discard(self) -> None:
        self.close_spill()
        if self.parquet is not None:
            self.parquet.close()
        for path in [*self.spills, self.tmp]:
            path.unlink(missing_ok=True)


class _PartitionWriters:
    """The new file of every partition touched by a refresh. Rows of many partitions arrive
    interleaved, a few thousand per partition at a time, so each partition's rows are first
    spilled to a temporary uncompressed Arrow IPC file (no encoding work; compressing it cost
    more than it saved): written straight to Parquet they came out in small row groups that
    had to be rewritten. Whenever a partition's spill holds ``ROW_GROUP_ROWS`` rows it is
    encoded into the partition's Parquet file as one row group by a thread of its own, beside
    the load (on 10 M responses in 24 months, two thirds of the encoding no longer waits for
    the end); a partition's last rows are encoded when it is finished."""

    def __init__(
        self, mirror_dir: Path, table_name: str, schema: pa.Schema, key: str = "id"
    ) -> None:
        self.mirror_dir = mirror_dir
        self.table_name = table_name
        self.schema = schema
        self.key = key
        self.open: dict[str, _Partition] = {}
        self.finished: list[_Partition] = []
        self.encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxm-encode")
        self.encoding: list[Future[None]] = []

    def write_all(self, buffered: dict[str, list[pa.Table]]) -> None:
        for key, parts in buffered.items():
            data = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
            self._write(key, data)

    def _write(self, key: str, data: pa.Table) -> None:
        if key not in self.open:
            if len(self.open) >= MAX_OPEN_WRITERS:
                self._finish(next(iter(self.open)))
            self.open[key] = _Partition(
                self.mirror_dir, _new_file_name(self.table_name, key), self.schema
            )
        part = self.open[key]
        part_info = _info_of(data, self.key)
        info = part.info
        if info.rows == 0:
            info.min_id, info.max_id = part_info.min_id, part_info.max_id
        else:
            info.min_id = min(info.min_id, part_info.min_id)
            info.max_id = max(info.max_id, part_info.max_id)
        info.rows += part_info.rows
        while data.num_rows:
            room = ROW_GROUP_ROWS - part.spill_rows
            part.spill_table(data.slice(0, room))
            data = data.slice(room)
            if part.spill_rows >= ROW_GROUP_ROWS:
                self._encode(part, part.close_spill())

    def _encode(self, part: _Partition, spill: Path | None) -> None:
        if spill is not None:
            self.encoding.append(self.encoder.submit(part.encode, spill))

    def finish_before(self, key: str) -> None:
        """Close the writers of the partitions before ``key``: nothing more comes to them."""
        for done in [k for k in self.open if k < key]:
            self._finish(done)

    def _finish(self, key: str) -> None:
        part = self.open.pop(key)
        self._encode(part, part.close_spill())
        self.encoding.append(self.encoder.submit(part.close))
        self.finished.append(part)

    def close(self) -> dict[str, FileInfo]:
        """Close every writer and give the files their final names (still unlisted)."""
        for key in list(self.open):
            self._finish(key)
        self.encoder.shutdown(wait=True)
        for future in self.encoding:
            future.result()  # an encoding's error
        out: dict[str, FileInfo] = {}
        for part in self.finished:
            os.replace(part.tmp, self.mirror_dir / part.rel)
            out[part.rel] = part.info
        return out

    def abort(self) -> None:
        self.encoder.shutdown(wait=True, cancel_futures=True)
        for part in [*self.open.values(), *self.finished]:
            part.discard()


class _GroupedWriter:
    """A Parquet file in row groups of ``ROW_GROUP_ROWS`` rows, whatever the sizes of the
    tables given to it (each table a ``ParquetWriter`` writes is at least one row group).
    Holds at most one row group's rows besides the table being written."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.writer = pq.ParquetWriter(path, schema)
        self.pending: list[pa.Table] = []
        self.pending_rows = 0

    def write(self, data: pa.Table) -> None:
        self.pending.append(data)
        self.pending_rows += data.num_rows
        if self.pending_rows >= ROW_GROUP_ROWS:
            self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        data = pa.concat_tables(self.pending)
        whole = data.num_rows if final else data.num_rows - data.num_rows % ROW_GROUP_ROWS
        if whole:
            self.writer.write_table(data.slice(0, whole), row_group_size=ROW_GROUP_ROWS)
        rest = data.slice(whole)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows = rest.num_rows

    def __enter__(self) -> _GroupedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pending_rows:
            self._flush(final=True)
        self.writer.close()


def _partition_of(rel: str) -> str:
    """``responses/month=2025-03/part-….parquet`` → ``month=2025-03``."""
    return rel.split("/")[1]


def _by_customer_bucket(rows: pa.Table) -> dict[str, list[pa.Table]]:
    parts = _split_by_partition(rows, "customer_id", CUSTOMER_BUCKET_IDS)
    return {key: [part] for key, part in parts}


def _new_file_name(table_name: str, partition: str) -> str:
    return f"{table_name}/{partition}/part-{time.time_ns():x}-{uuid.uuid4().hex[:8]}.parquet"


def _info_of(data: pa.Table, key: str = "id") -> FileInfo:
    ids = data.column(key)
    bounds = pc.min_max(ids).as_py()
    return FileInfo(data.num_rows, int(bounds["min"] or 0), int(bounds["max"] or 0))


def _split_by_partition(
    chunk: pa.Table, column: str, bucket_ids: int | None = None
) -> Iterator[tuple[str, pa.Table]]:
    """A chunk's rows per partition, in their order within each: the month of ``column`` when
    it holds times (``month=none`` without one), else the bucket of ids it holds
    (``bucket_ids`` ids a bucket, ``BUCKET_IDS`` by default; rows without an id in none).

    Partitions are told apart by integer codes (year × 100 + month, or id ÷ bucket size)
    and the chunk is ordered by them once: formatting every row's month as text and
    filtering the chunk once per partition cost a third of a large refresh."""
    values = chunk.column(column)
    if pa.types.is_timestamp(values.type):
        codes = pc.fill_null(pc.add(pc.multiply(pc.year(values), 100), pc.month(values)), -1)
    else:
        if values.null_count:
            chunk = chunk.filter(pc.is_valid(values))
            values = chunk.column(column)
        codes = pc.divide(values, pa.scalar(bucket_ids or BUCKET_IDS, pa.int64()))
    keys = np.asarray(codes.to_numpy())
    if not keys.size:
        return
    if keys.min() == keys.max():
        yield _partition_name(int(keys[0]), values.type), chunk
        return
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = [0, *(np.flatnonzero(np.diff(ordered)) + 1), len(ordered)]
    rows = chunk.take(pa.array(order))
    for start, end in itertools.pairwise(starts):
        yield _partition_name(int(ordered[start]), values.type), rows.slice(start, end - start)


def _partition_name(code: int, typ: pa.DataType) -> str:
    if not pa.types.is_timestamp(typ):
        return f"bucket={code:05d}"
    return "month=none" if code < 0 else f"month={code // 100:04d}-{code % 100:02d}"


def _stream_changes(
    db: Database, table: Table, schema: pa.Schema, low: int, high: int
) -> Iterator[pa.Table]:
    """Rows with ``low < change_seq <= high`` in change order, as Arrow tables of a chunk.

    Many rows of a SQLite file are read by the ADBC driver in a child process
    (:mod:`cxm.store.sqlite_export`); otherwise the driver's cursor is used directly (no
    SQLAlchemy row objects) and rows are converted column-wise; on PostgreSQL a server-side
    cursor keeps memory bounded."""
    json_columns = _json_columns(table)
    where = f"change_seq > {int(low)} AND change_seq <= {int(high)}"
    database = db.sqlite_path
    if database is not None and high - low >= EXPORT_MIN_CHANGES:
        names = [c.name for c in table.columns]
        kinds = [(c.name, _storage_class(c.type)) for c in table.columns]
        query = sqlite_export.typed_query(kinds, table.name, where, "change_seq")
        for chunk in sqlite_export.stream(database, query, names, CHUNK_ROWS):
            yield _typed(dict(zip(names, chunk.columns, strict=True)), schema, json_columns)
        return
    columns = [
        f"CAST({c.name} AS TEXT)" if isinstance(c.type, JSON) else c.name for c in table.columns
    ]
    sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {where} ORDER BY change_seq"
    with db.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        if db.is_sqlite:
            cursor = raw.cursor()
        else:
            cursor = raw.cursor(name=f"cxm_mirror_{uuid.uuid4().hex[:8]}")
            cursor.itersize = CHUNK_ROWS
        try:
            cursor.execute(sql)
            while True:
                rows = cursor.fetchmany(CHUNK_ROWS)
                if not rows:
                    break
                yield _to_arrow(rows, schema, json_columns, text_times=db.is_sqlite)
        finally:
            cursor.close()
            if not db.is_sqlite:
                raw.rollback()


def _json_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if isinstance(c.type, JSON)}


def _storage_class(typ: Any) -> sqlite_export.StorageClass:
    if isinstance(typ, Boolean | Integer):
        return "INTEGER"
    return "REAL" if isinstance(typ, Float) else "TEXT"


def _to_arrow(
    rows: list[tuple[Any, ...]], schema: pa.Schema, json_columns: set[str], *, text_times: bool
) -> pa.Table:
    """Driver rows → an Arrow table in one conversion (rows as a struct array), then
    :func:`_typed`."""
    selected = [f for f in schema if f.name not in _DAY_NAMES]
    raw_fields = [pa.field(f.name, _raw_type(f.type, text_times)) for f in selected]
    flat = pa.array(rows, type=pa.struct(raw_fields)).flatten()
    return _typed(
        {f.name: arr for f, arr in zip(selected, flat, strict=True)}, schema, json_columns
    )


def _typed(raw: dict[str, pa.Array], schema: pa.Schema, json_columns: set[str]) -> pa.Table:
    """Fix the driver's representations (SQLite's times as text, booleans as 0/1) with
    vectorised casts and add the day columns (the schema's fields past the selected ones)."""
    arrays: dict[str, pa.Array] = {}
    for name, arr in raw.items():
        typ = schema.field(name).type
        if arr.type != typ:
            arr = pc.cast(arr, typ)
        if name in json_columns:
            arr = pc.if_else(pc.equal(arr, "null"), pa.scalar(None, pa.string()), arr)
        arrays[name] = arr
    for time_name, day_name in DAY_COLUMNS.items():
        if day_name in schema.names:
            arrays[day_name] = pc.cast(arrays[time_name], pa.date32())
    return pa.Table.from_arrays([arrays[name] for name in schema.names], schema=schema)


def _raw_type(typ: pa.DataType, text_times: bool) -> pa.DataType:
    if text_times and pa.types.is_timestamp(typ):
        return pa.string()
    if text_times and pa.types.is_boolean(typ):
        return pa.int64()
    return typ
