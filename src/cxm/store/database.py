"""Connections to the system of record.

SQLite (default): WAL, ``synchronous=NORMAL``, one writer connection per process guarded by a
lock, transactions opened with ``BEGIN IMMEDIATE`` so writers across processes queue on
SQLite's own lock instead of failing mid-transaction. PostgreSQL: a normal pool; writers of
mirrored tables take a transaction-level advisory lock so ``change_seq`` grows in commit order.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool

from cxm.store.tables import Base

_MIGRATIONS = Path(__file__).with_name("migrations")


class Database:
    """The system of record: a reader pool and a serialised writer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._write_lock = threading.RLock()
        self._lock_fd: int | None = None
        self._lock_depth = 0
        #: False while a bulk load has SQLite's foreign key checks off on the writer; its
        #: writes then check their references themselves (see ``store.bulk``).
        self.foreign_keys = True
        self._quiet_since: int | None = None
        #: The SQLite database file (None for PostgreSQL and in-memory SQLite).
        self.sqlite_path: Path | None = None
        if self.is_sqlite:
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                self.sqlite_path = Path(path)
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                self._lock_fd = os.open(f"{path}.writelock", os.O_RDWR | os.O_CREAT, 0o644)
            self.engine = _sqlite_engine(url, immediate=False, pool_size=8)
            self.writer_engine = _sqlite_engine(url, immediate=True, pool_size=1)
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
            self.writer_engine = self.engine

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self, *, lock_key: str | None = None) -> Iterator[Connection]:
        """One short write transaction; commit on success, roll back on error.

        ``lock_key`` names a table whose ``change_seq`` the transaction assigns: on PostgreSQL
        writers of that table are serialised by an advisory lock (SQLite serialises all)."""
        with self._write_lock, self._process_lock(), self.writer_engine.begin() as conn:
            if lock_key and not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": lock_key})
            yield conn

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """SQLite: writers in other processes (server workers, CLI, jobs) queue on a file
        lock, woken by the kernel the moment it is free, instead of sleeping in SQLite's
        busy handler. Re-entrant within the thread holding ``_write_lock``."""
        if self._lock_fd is None:
            yield
            return
        if self._lock_depth == 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def set_foreign_keys(self, enabled: bool) -> None:
        """Switch SQLite's foreign key checks on the writer connection (a no-op inside a
        transaction, so it waits for the writer to be idle). Per connection: a connection
        opened later, or by another process, has them on.

        Switching them off also notes the writer's ``data_version``: while no other
        connection has committed since, no parent row can have been deleted, so ids looked
        up after this point still exist (:meth:`parents_unchanged`)."""
        if not self.is_sqlite:
            return
        with self._write_lock:
            raw = self.writer_engine.raw_connection()
            try:
                driver: Any = raw.driver_connection
                driver.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
                version = driver.execute("PRAGMA data_version").fetchone()[0]
            finally:
                raw.close()
            self.foreign_keys = enabled
            self._quiet_since = None if enabled else int(version)

    @contextmanager
    def attached(self, path: Path, name: str) -> Iterator[None]:
        """SQLite: another database file attached to the writer as ``name`` while the block
        runs. SQLite refuses ATTACH inside a transaction, so it is issued before the block's
        :meth:`write` begins one, on the writer's only pooled connection, which stays this
        thread's meanwhile."""
        with self._write_lock:
            self.outside_transaction(f"ATTACH DATABASE ? AS {name}", str(path))
            try:
                yield
            finally:
                self.outside_transaction(f"DETACH DATABASE {name}")

    def outside_transaction(self, sql: str, *params: Any) -> None:
        """SQLite: run a statement that SQLite refuses inside a transaction on the writer's
        only pooled connection (taken from its pool: this process's writers wait for it)."""
        raw = self.writer_engine.raw_connection()
        try:
            driver: Any = raw.driver_connection
            driver.execute(sql, params)
        finally:
            raw.close()

    def parents_unchanged(self, conn: Connection) -> bool:
        """Inside a write transaction while foreign keys are off: True if no other
        connection has committed anything since they were switched off. Once another
        connection has committed, False for the rest of the load (ids cached before that
        commit may name deleted rows). Deletes through this process's own writer are not
        seen; nothing in cxm deletes customers, employees or interactions."""
        if self._quiet_since is None:
            return False
        if conn.exec_driver_sql("PRAGMA data_version").scalar() != self._quiet_since:
            self._quiet_since = None
            return False
        return True

    def checkpoint_in_background(self) -> None:
        """Stop SQLite's automatic WAL checkpoints on this process's writer; call
        :meth:`checkpoint` from another process instead (``cxm serve``'s background jobs).
        An automatic checkpoint runs on the committing writer and stalls it for 50–75 ms
        every few thousand commits, which every queued request then waits for."""
        if not self.is_sqlite:
            return
        self.writer_engine.dispose()

        @event.listens_for(self.writer_engine, "connect")
        def _no_autocheckpoint(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

    def checkpoint(self) -> None:
        """Copy the WAL into the database without waiting for readers or writers (SQLite)."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def next_change_seq(self, conn: Connection, table_name: str) -> int:
        """The next ``change_seq`` of a table; call inside :meth:`write` with its ``lock_key``."""
        table = Base.metadata.tables[table_name]  # a known table's name, never user input
        current = conn.exec_driver_sql(f"SELECT max(change_seq) FROM {table.name}").scalar()
        return int(current or 0) + 1

    def upgrade(self, revision: str = "heads") -> None:
        """Bring the schema to the newest migration, or to ``revision`` (idempotent)."""
        with self.writer_engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(_MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def dispose(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        self.engine.dispose()
        if self.writer_engine is not self.engine:
            self.writer_engine.dispose()


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> Engine:
    # the most recently used connection first: its page cache is the warm one
    engine = create_engine(
        url, poolclass=QueuePool, pool_size=pool_size, max_overflow=0, pool_use_lifo=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine
