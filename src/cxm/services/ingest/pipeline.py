"""Importing a file or a list of records: read in batches, validate, write, report."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from cxm.domain.errors import ValidationFailed
from cxm.services import comment_analysis, mirror
from cxm.services.ingest.columns import KINDS
from cxm.services.ingest.enrichment import ReferenceCache, WritePlan, prepare_write
from cxm.services.ingest.readers import (
    ParquetSource,
    RawBatch,
    Source,
    open_source,
    records_to_columns,
)
from cxm.services.ingest.summary import ImportRunView, ImportSummary, Reject, RejectLog
from cxm.services.ingest.validation import check_batch
from cxm.services.runtime import Runtime
from cxm.store import bulk
from cxm.store import mirror as mirror_store

log = logging.getLogger(__name__)
Progress = Callable[[int, int | None], None]

#: Records one API call may carry.
MAX_API_RECORDS = 10_000


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed(
            f"unknown import kind '{kind}'; use one of {', '.join(KINDS)}", field="kind"
        )


def default_rejects_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.txt")


def import_file(
    rt: Runtime,
    kind: str,
    path: Path,
    *,
    rejects_path: Path | None = None,
    on_progress: Progress | None = None,
    refresh_mirror: bool = True,
    analyse_comments: bool = True,
) -> ImportSummary:
    """Import a CSV, JSONL or Parquet file of one kind; MalformedFile (nothing written) if
    the file cannot be imported at all. Rejected rows go to ``rejects_path`` (default
    ``<file>.rejects.txt``), one line per problem. New comments are analysed afterwards
    unless ``analyse_comments`` is False (then the server's job or ``cxm text analyse``
    picks them up)."""
    started = time.perf_counter()
    summary = import_files(
        rt,
        kind,
        [path],
        rejects_paths=[rejects_path],
        on_progress=on_progress,
        refresh_mirror=refresh_mirror,
        analyse_comments=analyse_comments,
    )[0]
    summary.seconds = time.perf_counter() - started
    return summary


def import_files(
    rt: Runtime,
    kind: str,
    paths: Sequence[Path],
    *,
    rejects_paths: Sequence[Path | None] | None = None,
    on_progress: Progress | None = None,
    refresh_mirror: bool = True,
    analyse_comments: bool = True,
    on_mirror_progress: Callable[[int, int], None] | None = None,
) -> list[ImportSummary]:
    """Import several files of one kind as one command, one summary (and import run) each.

    Every file is opened and checked first: if one cannot be imported at all, MalformedFile
    is raised and nothing is written. Whether the load is large enough to defer the table's
    indexes is decided on all the files together, and the indexes are rebuilt once at the
    end (not after every file). ``on_progress`` gets the position within all the files when
    their sizes are known in one unit (rows or bytes), else within the current file. The
    mirror is refreshed (``on_mirror_progress`` follows it) and comments analysed once, after
    the last file."""
    check_kind(kind)
    if rejects_paths is not None and len(rejects_paths) != len(paths):
        raise ValueError("one rejects path (or None) per file")
    with ExitStack() as stack:
        sources = [stack.enter_context(closing(open_source(path, kind))) for path in paths]
        bulk.restore_indexes(rt.db, kind)  # an earlier load may have died with them dropped
        bulk.remove_stale_scratch(rt.db)  # and left a staged batch behind
        load = None
        if refresh_mirror and rt.db.is_sqlite:
            load = stack.enter_context(mirror_store.Load(rt.db, rt.settings.mirror_dir, kind))
        summaries = _import_sources(rt, kind, sources, rejects_paths, on_progress, load)
        accepted = sum(s.accepted for s in summaries)
        if analyse_comments and kind == "responses" and accepted:
            _analyse_comments(rt, inline=True)
        if refresh_mirror and accepted:
            _refresh_mirror(rt, summaries, on_mirror_progress, load)
    return summaries


def _import_sources(
    rt: Runtime,
    kind: str,
    sources: list[Source],
    rejects_paths: Sequence[Path | None] | None,
    on_progress: Progress | None,
    load: mirror_store.Load | None,
) -> list[ImportSummary]:
    incoming = sum(s.total or 0 for s in sources if s.unit == "rows")
    defer = bulk.worth_bulk_load(rt.db, kind, incoming)
    cache = ReferenceCache()
    summaries: list[ImportSummary] = []
    with _fewer_collections(), bulk.bulk_load(rt.db, kind) if defer else nullcontext():
        cumulative = len({s.unit for s in sources}) == 1 and all(
            s.total is not None for s in sources
        )
        grand_total = sum(s.total or 0 for s in sources) if cumulative else None
        offset = 0
        for i, source in enumerate(sources):
            rejects = rejects_paths[i] if rejects_paths is not None else None
            step = on_progress
            if on_progress is not None and cumulative:
                step = _shifted(on_progress, offset, grand_total)
            summaries.append(_import_source(rt, kind, source, rejects, step, cache, load))
            offset += source.total or 0
        cache.clear()  # before the indexes are rebuilt, the peak of a large load
        if load is not None:
            load.finish()  # its files are closed while the indexes are rebuilt
    return summaries


def _shifted(on_progress: Progress, offset: int, total: int | None) -> Progress:
    def step(done: int, _of: int | None) -> None:
        on_progress(offset + done, total)

    return step


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the garbage collector rarely during a file import: every batch allocates some
    100 k tuples and lists (rows, looked-up keys) that die young, and with the default
    threshold the collector ran ~1,700 times per 300 k rows, re-scanning the reference
    cache each time (1.3-1.5 s of 4.5 s of preparation, measured)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _import_source(
    rt: Runtime,
    kind: str,
    source: Source,
    rejects_path: Path | None,
    on_progress: Progress | None,
    cache: ReferenceCache,
    load: mirror_store.Load | None,
) -> ImportSummary:
    """Import one opened file: its own import run, rejects file and summary."""
    started = time.perf_counter()
    path = source.path
    rejects_path = rejects_path or default_rejects_path(path)
    rejects_path.unlink(missing_ok=True)  # a stale file from an earlier run would mislead
    summary = ImportSummary(kind=kind, source=str(path))
    if isinstance(source, ParquetSource):
        summary.ignored_columns = source.ignored_columns()
    log = RejectLog(summary, rejects_path)
    summary.run_id = bulk.start_import_run(rt.db, kind, str(path.resolve()))
    status = "failed"
    try:
        prepared = (
            _prepare(rt, kind, raw, "import", source.position, cache)
            for raw in source.batches(rt.settings.import_batch_size)
        )
        scratch: list[Path] = []
        try:
            with closing(_one_ahead(_staged(rt, _one_ahead(prepared), scratch))) as batches:
                for batch in batches:
                    _write_batch(rt, kind, batch, summary, log, load)
                    if on_progress is not None:
                        on_progress(batch.position, source.total)
        finally:  # the threads are done: the files of batches never written
            for path in scratch:
                path.unlink(missing_ok=True)
        status = summary.status
    finally:
        log.close()
        summary.seconds = time.perf_counter() - started
        _finish(rt, summary, status)
    return summary


_END = object()


def _one_ahead(items: Generator[_Prepared]) -> Generator[_Prepared]:
    """The items, the next one made in a thread while the caller handles this one; ``items``
    is closed at the end.

    Writing and staging a batch are mostly SQLite's own work, which releases the GIL, so
    reading, checking and looking up the next batch overlaps them. No kind references rows
    of its own kind, so looking up batch n + 2 before batch n is written finds the same
    rows."""
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxm-import") as pool:
            pending = pool.submit(next, items, _END)
            while True:
                item = pending.result()
                if item is _END:
                    return
                pending = pool.submit(next, items, _END)
                yield cast(_Prepared, item)
    finally:
        items.close()


def _staged(rt: Runtime, batches: Generator[_Prepared], made: list[Path]) -> Generator[_Prepared]:
    """The batches, each written to its scratch file ahead of its write when it is large
    enough to go through one (:func:`~cxm.store.bulk.stage_rows`): behind :func:`_one_ahead`
    this runs in a thread of its own, beside both the preparation of the next batch and the
    write of the previous one. Each file is added to ``made``; the writer removes it once
    used."""
    try:
        for batch in batches:
            plan = batch.plan
            if plan is not None and plan.values[0]:
                batch.staged = bulk.stage_rows(rt.db, plan.columns, plan.values)
                if batch.staged is not None:
                    made.append(batch.staged)
            yield batch
    finally:
        batches.close()


def import_records(
    rt: Runtime,
    kind: str,
    records: list[Any],
    *,
    source_name: str = "api",
    refresh_mirror: bool = False,
) -> ImportSummary:
    """Import records given as dicts (the batch API); rejects are numbered 1, 2, … in order.

    Every reject is kept in the summary. The mirror is not refreshed by default: the server
    refreshes it on its schedule and analytics refresh it when stale."""
    check_kind(kind)
    if len(records) > MAX_API_RECORDS:
        raise ValidationFailed(
            f"at most {MAX_API_RECORDS} records per call ({len(records)} given)", field="records"
        )
    started = time.perf_counter()
    summary = ImportSummary(kind=kind, source=source_name)
    log = RejectLog(summary, None, keep=len(records) + 1)
    summary.run_id = bulk.start_import_run(rt.db, kind, source_name)
    status = "failed"
    try:
        size = rt.settings.import_batch_size
        cache = ReferenceCache()
        for start in range(0, len(records), size):
            chunk = records[start : start + size]
            good = [(start + i + 1, r) for i, r in enumerate(chunk) if isinstance(r, dict)]
            bad = [
                [Reject(start + i + 1, "*", None, "is not a JSON object")]
                for i, r in enumerate(chunk)
                if not isinstance(r, dict)
            ]
            raw = RawBatch(records_to_columns([r for _, r in good]), [n for n, _ in good], bad)
            _write_batch(rt, kind, _prepare(rt, kind, raw, "api", 0, cache), summary, log)
        status = summary.status
    finally:
        summary.seconds = time.perf_counter() - started
        _finish(rt, summary, status)
    if kind == "responses" and summary.accepted:
        _analyse_comments(rt, inline=refresh_mirror)
    if refresh_mirror and summary.accepted:
        _refresh_mirror(rt, [summary])
    return summary


@dataclass
class _Prepared:
    """A batch validated and resolved, ready to write."""

    size: int
    position: int
    rejected: list[list[Reject]]
    plan: WritePlan | None
    ignored: list[str]
    staged: Path | None = None  # the plan's rows in a scratch file (bulk.stage_rows)


def _prepare(
    rt: Runtime,
    kind: str,
    raw: RawBatch,
    default_source: str,
    position: int,
    cache: ReferenceCache,
) -> _Prepared:
    rejected: list[list[Reject]] = list(raw.unreadable)
    plan = None
    ignored: list[str] = []
    if raw.lines:
        checked = check_batch(
            kind, raw.columns, raw.lines, rt.taxonomy, default_source=default_source
        )
        plan = prepare_write(rt, kind, checked, cache)
        rejected.extend(checked.problems.values())
        ignored = checked.ignored
    return _Prepared(raw.size, position, rejected, plan, ignored)


def _write_batch(
    rt: Runtime,
    kind: str,
    batch: _Prepared,
    summary: ImportSummary,
    log: RejectLog,
    load: mirror_store.Load | None = None,
) -> None:
    """Write one prepared batch in its own transaction and account for it (and copy it into
    the mirror along with the load)."""
    summary.rows_read += batch.size
    for name in batch.ignored:
        if name not in summary.ignored_columns:
            summary.ignored_columns.append(name)
    if batch.plan is not None and batch.plan.values[0]:
        plan = batch.plan
        try:
            written = bulk.upsert_rows(
                rt.db,
                kind,
                plan.columns,
                plan.values,
                plan.update,
                keep_when_null=plan.keep_when_null,
                staged=batch.staged,
            )
        finally:
            if batch.staged is not None:
                batch.staged.unlink(missing_ok=True)
        summary.inserted += written.inserted
        summary.updated += written.updated
        if load is not None:
            load.add(written, plan.columns, plan.values)
    for problems in sorted(batch.rejected, key=lambda p: p[0].line):
        log.add_row(problems)


def _finish(rt: Runtime, summary: ImportSummary, status: str) -> None:
    if summary.run_id is None:
        return
    bulk.finish_import_run(
        rt.db,
        summary.run_id,
        status=status,
        rows_read=summary.rows_read,
        inserted=summary.inserted,
        updated=summary.updated,
        rejected=summary.rejected,
        rejects_path=str(summary.rejects_path) if summary.rejects_path else None,
    )


def _analyse_comments(rt: Runtime, *, inline: bool) -> None:
    """Analyse the new comments (text analysis): inline before the mirror refresh, or in the
    background; the import stands even if this fails (the backlog keeps them)."""
    try:
        if inline:
            comment_analysis.analyse_arrivals(rt)
        else:
            comment_analysis.notify_new_comments(rt)
    except Exception:
        log.exception("analysing imported comments failed")


def _refresh_mirror(
    rt: Runtime,
    summaries: list[ImportSummary],
    on_progress: Callable[[int, int], None] | None = None,
    load: mirror_store.Load | None = None,
) -> None:
    """Bring the analytical copy up to date; the import stands even if this fails."""
    try:
        mirror.refresh_mirror(rt, on_progress=on_progress, load=load)
    except Exception as exc:  # committed rows must not be reported as failed
        for summary in summaries:
            summary.mirror_error = f"{type(exc).__name__}: {exc}"


def recent_imports(rt: Runtime, limit: int = 20) -> list[ImportRunView]:
    """The latest imports, newest first."""
    return [
        ImportRunView(
            id=row["id"],
            kind=row["kind"],
            source=row["source"],
            status=row["status"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            rows_read=row["rows_read"],
            inserted=row["rows_inserted"],
            updated=row["rows_updated"],
            rejected=row["rows_rejected"],
            rejects_path=row["rejects_path"],
        )
        for row in bulk.list_import_runs(rt.db, limit)
    ]
