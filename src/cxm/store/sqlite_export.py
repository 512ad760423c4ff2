"""Reading many rows of the SQLite store as Arrow, in a child process.

Python's ``sqlite3`` hands rows over one Python tuple at a time (about 10 µs per response
row with the conversion to Arrow); the ADBC SQLite driver builds Arrow columns in C, several
times faster. That driver links its own copy of SQLite, and two SQLite libraries must never
have the same database file open in one process (closing one's file handle drops the POSIX
locks the other holds), so the driver runs in a child process that streams the rows back
as Arrow IPC on its standard output.

The driver infers each column's type from the first batch, which fails when a column is
null there and holds text later. The query therefore starts with one typed row (dropped
again) and every column is ``CAST`` to its storage class.

Run as ``python -m cxm.store.sqlite_export DATABASE BATCH_ROWS`` with the query on stdin."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

#: SQLite storage class per column, as ``CAST`` names it.
StorageClass = str  # "INTEGER" | "REAL" | "TEXT"
_TYPED_LITERAL = {"INTEGER": "0", "REAL": "0.0", "TEXT": "''"}


class ExportFailed(RuntimeError):
    """The child process could not read the rows."""


def typed_query(
    columns: Sequence[tuple[str, StorageClass]], source: str, where: str, order_by: str
) -> str:
    """``SELECT`` of ``columns`` (expression or name, storage class) from ``source``: a first
    row of typed placeholders, then the rows, every value cast to its column's class."""
    first = ", ".join(f"{_TYPED_LITERAL[kind]} AS c{i}" for i, (_, kind) in enumerate(columns))
    rows = ", ".join(f"CAST({expr} AS {kind}) AS c{i}" for i, (expr, kind) in enumerate(columns))
    return (
        f"SELECT * FROM (SELECT {first}) UNION ALL "
        f"SELECT * FROM (SELECT {rows} FROM {source} WHERE {where} ORDER BY {order_by})"
    )


def stream(database: Path, query: str, names: Sequence[str], batch_rows: int) -> Iterator[pa.Table]:
    """The rows of a :func:`typed_query` as Arrow tables of at most ``batch_rows`` rows, with
    the columns named ``names``; ExportFailed (with the child's message) if it fails."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", __name__, str(database), str(batch_rows)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write(query.encode())
            child.stdin.close()
            broken = ""
            try:
                reader = pa.ipc.open_stream(child.stdout)
                first = True
                for batch in reader:
                    if first:
                        batch, first = batch.slice(1), False
                    if batch.num_rows:
                        yield pa.Table.from_batches([batch]).rename_columns(list(names))
            except pa.ArrowInvalid as exc:  # a stream cut short: never a partial copy
                broken = str(exc)
            if child.wait() != 0 or broken:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip().splitlines()
                reason = message[-1] if message else broken
                raise ExportFailed(
                    f"reading {database} in a child process failed: "
                    f"{reason or f'exit status {child.returncode}'}"
                )
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()


def _main(database: str, batch_rows: int) -> None:
    import adbc_driver_sqlite.dbapi as adbc

    query = sys.stdin.read()
    with adbc.connect(database) as conn, conn.cursor() as cursor:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        cursor.execute(query)
        reader = cursor.fetch_record_batch()
        with pa.ipc.new_stream(sys.stdout.buffer, reader.schema) as out:
            for batch in reader:
                out.write_batch(batch)


if __name__ == "__main__":
    _main(sys.argv[1], int(sys.argv[2]))
