"""Streaming readers of import files: CSV, JSONL (NDJSON) and Parquet, optionally gzipped.

Opening a file checks what makes it unimportable as a whole (unknown extension, bad UTF-8
anywhere, missing required columns, unreadable Parquet) and raises ``MalformedFile`` before
anything is written. Reading yields batches of pyarrow arrays with the physical line (CSV,
JSONL) or the 1-based row number (Parquet) of every row, so memory stays bounded."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import pyarrow as pa
import pyarrow.parquet as pq

from cxm.domain.errors import MalformedFile
from cxm.services.ingest.columns import ANSWER_PREFIX, RESPONSE_CONTENT, column_names
from cxm.services.ingest.columns import required_columns as required_of
from cxm.services.ingest.summary import Reject

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_CHUNK = 1 << 20
# csv refuses fields over 128 kB by default; long comments are legitimate
csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class RawBatch:
    """Rows as read: one array per column, the line of every row, and unreadable rows."""

    columns: dict[str, pa.Array]
    lines: Sequence[int]
    unreadable: list[list[Reject]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.lines) + len(self.unreadable)


def detect_format(path: Path) -> tuple[str, bool]:
    """(format, gzipped) from the file name, or MalformedFile."""
    suffixes = [s.lower() for s in path.suffixes]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    if gzipped:
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None or (gzipped and fmt == "parquet"):
        raise MalformedFile(
            f"{path}: unknown file type; use .csv, .jsonl, .ndjson or .parquet (text formats "
            "may be gzipped, e.g. .csv.gz)",
            field="file",
        )
    return fmt, gzipped


class Source:
    """An opened import file: its columns, its size for progress, and its batches."""

    unit = "bytes"

    def __init__(self, path: Path, kind: str) -> None:
        self.path = path
        self.kind = kind
        self.columns: list[str] = []
        self.total: int | None = None

    @property
    def position(self) -> int:
        raise NotImplementedError

    def batches(self, size: int) -> Iterator[RawBatch]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file."""

    def check_columns(self) -> None:
        missing = [c for c in required_of(self.kind) if c not in self.columns]
        if missing:
            raise MalformedFile(
                f"{self.path}: missing required column(s): {', '.join(missing)} "
                f"(found: {', '.join(self.columns) or 'none'})",
                field=missing[0],
            )
        if self.kind == "responses" and not any(
            c in self.columns or (c == "answers" and _has_questions(self.columns))
            for c in RESPONSE_CONTENT
        ):
            raise MalformedFile(
                f"{self.path}: a responses file needs at least one of the columns "
                f"{', '.join(RESPONSE_CONTENT)} or a {ANSWER_PREFIX}<question> column",
                field="nps",
            )


def _has_questions(columns: list[str]) -> bool:
    return any(c.startswith(ANSWER_PREFIX) for c in columns)


def open_source(path: Path, kind: str) -> Source:
    """Open and check an import file; MalformedFile if it cannot be imported at all."""
    if not path.is_file():
        raise MalformedFile(f"{path}: no such file", field="file")
    fmt, gzipped = detect_format(path)
    source: Source
    if fmt == "parquet":
        source = ParquetSource(path, kind)
    else:
        check_utf8(path, gzipped)
        source = (
            CsvSource(path, kind, gzipped) if fmt == "csv" else JsonlSource(path, kind, gzipped)
        )
    try:
        source.check_columns()
    except MalformedFile:
        source.close()
        raise
    return source


def _open_binary(path: Path, gzipped: bool) -> tuple[IO[bytes], IO[bytes]]:
    """(stream to read, raw file whose position measures progress)."""
    raw: IO[bytes] = path.open("rb")
    if gzipped:
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")), raw
    return raw, raw


def check_utf8(path: Path, gzipped: bool) -> None:
    """Decode the whole file once; MalformedFile naming the line and byte of bad UTF-8."""
    stream, raw = _open_binary(path, gzipped)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    lines = 1
    try:
        while True:
            try:
                chunk = stream.read(_CHUNK)
            except (OSError, EOFError) as exc:
                raise MalformedFile(f"{path}: cannot read the file: {exc}", field="file") from exc
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # the decoder may hold up to 3 bytes of the previous chunk
                held = max(0, len(exc.object) - len(chunk))
                start = exc.start - held
                line = lines + chunk[: max(0, start)].count(b"\n")
                raise MalformedFile(
                    f"{path}: not valid UTF-8 at line {line}, byte {offset + start + 1} "
                    f"({exc.reason}); save the file as UTF-8 and import it again",
                    field="file",
                ) from exc
            if not chunk:
                return
            offset += len(chunk)
            lines += chunk.count(b"\n")
    finally:
        stream.close()
        raw.close()


class _TextSource(Source):
    def __init__(self, path: Path, kind: str, gzipped: bool) -> None:
        super().__init__(path, kind)
        self._stream, self._raw = _open_binary(path, gzipped)
        self.total = os.path.getsize(path)
        self._text = io.TextIOWrapper(self._stream, encoding="utf-8-sig", newline="")

    @property
    def position(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self._text.close()
        self._raw.close()


class CsvSource(_TextSource):
    """CSV with a header line; the delimiter (comma, semicolon or tab) is read off the header."""

    def __init__(self, path: Path, kind: str, gzipped: bool) -> None:
        super().__init__(path, kind, gzipped)
        first = self._text.readline()
        if not first.strip():
            self.close()
            raise MalformedFile(f"{path}: empty file, expected a header line", field="file")
        delimiter = max((",", ";", "\t"), key=first.count)
        self._reader = csv.reader(
            _chain_first(first, self._text), delimiter=delimiter, strict=False
        )
        header = next(self._reader)
        self.columns = [h.strip() for h in header]
        dupes = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if dupes or "" in self.columns:
            self.close()
            problem = f"duplicate column(s) {', '.join(dupes)}" if dupes else "an empty column name"
            raise MalformedFile(f"{path}:1: the header has {problem}", field="file")

    def batches(self, size: int) -> Iterator[RawBatch]:
        width = len(self.columns)
        rows: list[list[str]] = []
        lines: list[int] = []
        unreadable: list[list[Reject]] = []
        previous = self._reader.line_num
        for row in self._reader:
            line = previous + 1
            previous = self._reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                reason = f"has {len(row)} fields, the header has {width}"
                unreadable.append([Reject(line, "*", None, reason)])
            else:
                rows.append(row)
                lines.append(line)
            if len(rows) + len(unreadable) >= size:
                yield self._batch(rows, lines, unreadable)
                rows, lines, unreadable = [], [], []
        if rows or unreadable:
            yield self._batch(rows, lines, unreadable)

    def _batch(self, rows: list[list[str]], lines: list[int], bad: list[list[Reject]]) -> RawBatch:
        if rows:
            cols = list(zip(*rows, strict=True))
            arrays = {n: pa.array(c, pa.string()) for n, c in zip(self.columns, cols, strict=True)}
        else:
            arrays = {n: pa.array([], pa.string()) for n in self.columns}
        return RawBatch(arrays, lines, bad)


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


class JsonlSource(_TextSource):
    """One JSON object per line; a line that is not a JSON object is a rejected row."""

    def __init__(self, path: Path, kind: str, gzipped: bool) -> None:
        super().__init__(path, kind, gzipped)

    def check_columns(self) -> None:
        """JSONL has no header: required fields are checked line by line."""

    def batches(self, size: int) -> Iterator[RawBatch]:
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        unreadable: list[list[Reject]] = []
        for number, text in enumerate(self._text, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                unreadable.append([Reject(number, "*", text.strip(), f"is not JSON ({exc.msg})")])
            else:
                if isinstance(record, dict):
                    records.append(record)
                    lines.append(number)
                else:
                    unreadable.append([Reject(number, "*", text.strip(), "is not a JSON object")])
            if len(records) + len(unreadable) >= size:
                yield RawBatch(records_to_columns(records), lines, unreadable)
                records, lines, unreadable = [], [], []
        if records or unreadable:
            yield RawBatch(records_to_columns(records), lines, unreadable)


def records_to_columns(records: list[dict[str, Any]]) -> dict[str, pa.Array]:
    """JSON records as string columns (objects as JSON text), whatever types each line used."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    return {
        str(name): pa.array([_as_str(r.get(name)) for r in records], pa.string()) for name in names
    }


def _as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class ParquetSource(Source):
    """Parquet read in record batches of the columns the kind uses."""

    unit = "rows"

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(path, kind)
        try:
            self._file = pq.ParquetFile(path)
            meta = self._file.metadata
            for group in range(meta.num_row_groups):
                meta.row_group(group)
        except (OSError, pa.ArrowException) as exc:
            raise MalformedFile(
                f"{path}: not a readable Parquet file: {exc}", field="file"
            ) from exc
        self.columns = list(self._file.schema_arrow.names)
        self.total = meta.num_rows
        self._done = 0

    @property
    def position(self) -> int:
        return self._done

    def batches(self, size: int) -> Iterator[RawBatch]:
        wanted = self.columns
        if self.kind in ("responses", "employees"):
            known = column_names(self.kind)
            wanted = [c for c in self.columns if c in known or c.startswith(ANSWER_PREFIX)]
        try:
            for batch in self._file.iter_batches(batch_size=size, columns=wanted):
                first = self._done + 1
                self._done += batch.num_rows
                arrays = dict(zip(batch.schema.names, batch.columns, strict=True))
                yield RawBatch(arrays, range(first, first + batch.num_rows))
        except (OSError, pa.ArrowException) as exc:
            raise MalformedFile(
                f"{self.path}: unreadable Parquet after row {self._done}: {exc}", field="file"
            ) from exc

    def ignored_columns(self) -> list[str]:
        known = column_names(self.kind)
        return [c for c in self.columns if c not in known and not c.startswith(ANSWER_PREFIX)]

    def close(self) -> None:
        self._file.close()
