"""An Arrow batch written to a scratch SQLite file, for ``INSERT … SELECT`` into the store.

Binding a batch row by row through Python's ``sqlite3`` costs about 10 µs per response row
(every value becomes a Python object first); the ADBC SQLite driver writes the Arrow columns
straight into a file of their own several times faster, and SQLite copies them from there
into the store in C. The driver links its own SQLite library, so the scratch file is
written and closed before the store's connection attaches it: the two libraries never have
the same file open at once (see :mod:`cxm.store.sqlite_export`)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

#: The staged table's name inside the scratch file.
TABLE = "batch"
#: A scratch file older than this was left by a process that died (a batch takes seconds).
STALE_SECONDS = 3_600
_PATTERN = ".stage-*.sqlite3"


@contextmanager
def staged(directory: Path, names: Sequence[str], arrays: Sequence[pa.Array]) -> Iterator[Path]:
    """:func:`write`, the file removed afterwards."""
    path = write(directory, names, arrays)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def write(directory: Path, names: Sequence[str], arrays: Sequence[pa.Array]) -> Path:
    """A new scratch SQLite file in ``directory`` holding the columns as table ``batch``
    (rowid = position + 1; nulls of unknown type as text, a type the driver can store); the
    caller removes it."""
    import adbc_driver_sqlite.dbapi as adbc

    columns = [a.cast(pa.string()) if pa.types.is_null(a.type) else a for a in arrays]
    path = directory / _PATTERN.replace("*", uuid.uuid4().hex)
    try:
        # a scratch copy: no journal, no syncs
        with adbc.connect(str(path), autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.fetchall()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.adbc_ingest(TABLE, pa.table(list(columns), names=list(names)), mode="create")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def remove_stale(directory: Path) -> None:
    """Delete the scratch files in ``directory`` that killed processes left."""
    limit = time.time() - STALE_SECONDS
    for path in directory.glob(_PATTERN):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
