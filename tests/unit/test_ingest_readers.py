"""Streaming readers: line numbers, delimiters, encodings and bounded batches."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxm.domain.errors import MalformedFile
from cxm.services.ingest.readers import check_utf8, open_source


def test_csv_lines_count_quoted_newlines_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        '\ufeffexternal_id;responded_at;comment\nA;2025-01-01;"one\ntwo\nthree"\n\nB;2025-01-02;x\n'
        "C;2025-01-03\n",
        encoding="utf-8",
    )
    source = open_source(path, "responses")
    [batch] = list(source.batches(100))
    assert source.columns == ["external_id", "responded_at", "comment"]  # BOM and ';' handled
    assert list(batch.lines) == [2, 6]
    assert batch.columns["comment"].to_pylist() == ["one\ntwo\nthree", "x"]
    assert [(r[0].line, r[0].field) for r in batch.unreadable] == [(7, "*")]
    source.close()


def test_batches_never_exceed_the_batch_size(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"external_id": [f"C{i}" for i in range(1000)]}), path)
    source = open_source(path, "customers")
    sizes = [batch.size for batch in source.batches(64)]
    assert max(sizes) <= 64 and sum(sizes) == 1000
    assert source.position == 1000 and source.total == 1000
    source.close()


def test_gzipped_jsonl_reads_like_plain(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write('{"external_id": "C1", "consent_email": true, "age": 41}\n')
    source = open_source(path, "customers")
    [batch] = list(source.batches(10))
    assert batch.columns["consent_email"].to_pylist() == ["true"]
    assert batch.columns["age"].to_pylist() == ["41"]
    source.close()


def test_bad_utf8_after_the_first_chunk_names_its_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    body = ("ą" * 99 + "\n").encode() * 12_000  # ≈2.4 MB, multibyte chars across chunk edges
    path.write_bytes(b"external_id\n" + body + b"bad \xff\n")
    with pytest.raises(MalformedFile) as info:
        check_utf8(path, gzipped=False)
    assert f"line {12_002}" in info.value.message
    assert f"byte {12 + len(body) + 5}" in info.value.message


def test_header_problems_are_malformed(tmp_path: Path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    dupes = tmp_path / "d.csv"
    dupes.write_text("external_id,name,name\n", encoding="utf-8")
    no_content = tmp_path / "n.csv"
    no_content.write_text("external_id,responded_at\n", encoding="utf-8")
    for path, expected in (
        (empty, "empty file"),
        (dupes, r"duplicate column\(s\) name"),
        (no_content, "needs at least one of the columns"),
    ):
        kind = "responses" if path is no_content else "customers"
        with pytest.raises(MalformedFile, match=expected):
            open_source(path, kind)
