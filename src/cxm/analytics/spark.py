"""The Spark engine: PySpark in local mode over the Parquet mirror (optional extra ``spark``).

One SparkSession per process (Spark allows only one active context), created on first use
with settings that keep it local and offline: master ``local[N]``, driver bound to
127.0.0.1, no UI, no console progress, session time zone UTC (the mirror's timestamps are
naive UTC; ``epoch_seconds`` must not shift them), few shuffle partitions (the mirror is
small per query), and no packages (nothing is downloaded). Each mirrored table becomes a
temporary view over exactly the files of the mirror's current manifest; the views are
re-created when the manifest changes."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import ibis

from cxm.analytics.engine import Engine, _engines, _engines_lock, refresh_views
from cxm.domain.errors import EngineUnavailable

#: Spark settings of the local session (documented in docs/engines.md).
SPARK_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.ansi.enabled": "false",
    "spark.driver.memory": "2g",
}
_session_lock = threading.Lock()
_session: Any = None


def spark_session() -> Any:
    """The process's local SparkSession (created on first use, and again after
    ``reset_engines`` stopped it)."""
    global _session
    with _session_lock:
        if _session is not None and _session.sparkContext._jsc is None:
            _session = None  # stopped (disconnecting the Ibis backend stops the session)
        if _session is None:
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            try:
                from pyspark.sql import SparkSession
            except ImportError as exc:
                raise EngineUnavailable(
                    "CXM_ANALYTICS_ENGINE=spark needs the optional extra: pip install 'cxm[spark]'",
                    field="analytics_engine",
                ) from exc
            cores = max(1, min(4, os.cpu_count() or 1))
            builder = SparkSession.builder.master(f"local[{cores}]").appName("cxm")
            for key, value in SPARK_CONF.items():
                builder = builder.config(key, value)
            _session = builder.getOrCreate()
            _session.sparkContext.setLogLevel("ERROR")
        return _session


def connect_spark(mirror_dir: Path) -> Engine:
    """The Spark engine over one mirror directory (cached per process and directory)."""
    key = f"spark:{mirror_dir.resolve()}"
    with _engines_lock:
        engine = _engines.get(key)
    if engine is None:
        session = spark_session()
        engine = Engine("spark", ibis.pyspark.connect(session))
        with _engines_lock:
            engine = _engines.setdefault(key, engine)
    with engine.lock:
        refresh_views(
            engine, mirror_dir, lambda files: _create_spark_views(engine, mirror_dir, files)
        )
    return engine


def _create_spark_views(engine: Engine, mirror_dir: Path, files: dict[str, list[Path]]) -> None:
    session = spark_session()
    prefix = _view_prefix(mirror_dir)
    for name, paths in files.items():
        frame = session.read.parquet(*(str(path) for path in paths))
        frame.createOrReplaceTempView(f"{prefix}{name}")
    engine._tables = {name: engine.con.table(f"{prefix}{name}") for name in files}
    engine.mirrored = frozenset(files)


def _view_prefix(mirror_dir: Path) -> str:
    """Views of different mirrors share one session: name them per mirror directory."""
    import hashlib

    return "m" + hashlib.sha1(str(mirror_dir.resolve()).encode()).hexdigest()[:10] + "_"
