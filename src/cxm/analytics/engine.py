"""Engine connections: where the Ibis expressions of analytics run.

* ``duckdb`` (default): DuckDB in-process over the Parquet mirror. One connection per
  process and mirror directory; its views list exactly the files of the mirror's current
  manifest and are re-created only when the manifest changes (a ``stat`` per query).
* ``postgres``: the system of record on PostgreSQL, read directly (a ``search_path`` given
  in the URL's ``options`` is honoured).
* ``spark``: PySpark in local mode (the optional ``spark`` extra) over the same Parquet
  mirror: one SparkSession per process, a temporary view per mirrored table listing the
  manifest's files (see ``cxm.analytics.spark``).

Analytics never run on SQLite: asking for the ``postgres`` engine with a SQLite store is an
``EngineUnavailable`` error."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import ibis
from ibis.backends import BaseBackend

from cxm.config import Settings
from cxm.domain.errors import EngineUnavailable
from cxm.domain.metrics import ROLLUP_FORMAT, ROLLUP_TABLES

EngineName = Literal["duckdb", "postgres", "spark"]
#: The mirror's manifest (written by the store's mirror writer): the contract between the two.
MANIFEST_NAME = "manifest.json"


@dataclass
class Engine:
    """An Ibis backend holding the experience tables. Use it under ``lock``: one query at a
    time per connection (the engine parallelises each query itself)."""

    name: EngineName
    con: BaseBackend
    lock: threading.RLock = field(default_factory=threading.RLock)
    generation: str = ""
    #: The mirror's tables this engine reads (none when it reads the system of record).
    mirrored: frozenset[str] = frozenset()
    _stamp: tuple[int, int] | None = None
    _tables: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> ibis.Table:
        """An experience table (responses, interactions, customers, employees)."""
        if name not in self._tables:
            self._tables[name] = self.con.table(name)
        table: ibis.Table = self._tables[name]
        return table

    def cache(self, expr: ibis.Table) -> ibis.Table:
        """``expr.cache()``, with its in-memory tables registered first: Ibis 12's PySpark
        backend compiles a cached expression without registering them."""
        self.con._run_pre_execute_hooks(expr)
        return expr.cache()


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def connect(settings: Settings) -> Engine:
    """The engine the settings choose, cached per process (fresh views on DuckDB)."""
    if settings.engine == "postgres":
        return _postgres(settings)
    if settings.engine == "spark":
        from cxm.analytics.spark import connect_spark

        return connect_spark(settings.mirror_dir)
    return _duckdb(settings.mirror_dir)


def _postgres(settings: Settings) -> Engine:
    if not settings.is_postgres:
        raise EngineUnavailable(
            "CXM_ANALYTICS_ENGINE=postgres needs CXM_DATABASE_URL=postgresql+psycopg://…; "
            "analytics never run on SQLite (use the default duckdb engine)",
            field="analytics_engine",
        )
    url = settings.resolved_database_url
    key = f"pg:{url}"
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            import psycopg

            plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
            try:
                raw = psycopg.connect(plain, autocommit=True)
            except psycopg.OperationalError as exc:
                raise EngineUnavailable(f"cannot connect to PostgreSQL: {exc}") from exc
            engine = Engine("postgres", ibis.postgres.from_connection(raw))
            _engines[key] = engine
        return engine


def _duckdb(mirror_dir: Path) -> Engine:
    key = f"duckdb:{mirror_dir.resolve()}"
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = Engine("duckdb", ibis.duckdb.connect())
            # The mirror's files never change once listed (every write is a new name), so
            # their footers can be kept between queries instead of parsed by each one.
            engine.con.raw_sql("SET parquet_metadata_cache = true")
            _engines[key] = engine
    with engine.lock:
        refresh_views(engine, mirror_dir, lambda files: _create_duckdb_views(engine, files))
    return engine


def _create_duckdb_views(engine: Engine, files: dict[str, list[Path]]) -> None:
    for name, paths in files.items():
        listed = ", ".join(_quote(str(path)) for path in paths)
        engine.con.raw_sql(
            f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{listed}])'
        )
    engine._tables.clear()
    engine.mirrored = frozenset(files)


def refresh_views(
    engine: Engine, mirror_dir: Path, create_views: Callable[[dict[str, list[Path]]], None]
) -> None:
    """Call ``create_views`` with each mirrored table's Parquet files when the manifest's
    generation differs from the engine's (a ``stat`` when the manifest file is unchanged).
    Rollups of an older layout are left out until a refresh has rebuilt them."""
    path = mirror_dir / MANIFEST_NAME
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise EngineUnavailable(
            f"the analytical mirror in {mirror_dir} is not built yet; run `cxm mirror refresh`"
        ) from exc
    stamp = (st.st_mtime_ns, st.st_ino)
    if stamp == engine._stamp:
        return
    manifest = json.loads(path.read_text(encoding="utf-8"))
    generation = str(manifest.get("generation", ""))
    if generation != engine.generation:
        files = {
            name: [
                mirror_dir / rel
                for rel in sorted(state.get("files", {})) or [manifest["schema_files"][name]]
            ]
            for name, state in manifest.get("tables", {}).items()
            if name not in ROLLUP_TABLES or manifest.get("rollup_format") == ROLLUP_FORMAT
        }
        create_views(files)
        engine.generation = generation
    engine._stamp = stamp


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def reset_engines() -> None:
    """Forget cached connections (tests; after the data directory moves)."""
    with _engines_lock:
        for engine in _engines.values():
            with contextlib.suppress(Exception):
                engine.con.disconnect()
        _engines.clear()
