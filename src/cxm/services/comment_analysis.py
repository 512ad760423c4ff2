"""Analysing stored comments: on arrival (after imports and API writes), in the server's
periodic job, and as a resumable backlog run on every core (``cxm text analyse``).

Text analysis is slow next to a write, so it never happens inside the write lock: a batch is
read, analysed, then written in one short transaction (see
:mod:`cxm.store.comment_analyses`). Every committed batch is done; a run that stops
part-way leaves the rest in the backlog, which the next run picks up. Results carry the
analyser's version: a better analyser (a new lexicon, a trained model that beat the
built-in one, a company theme dictionary) re-runs only outdated analyses."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

from cxm.services import mirror
from cxm.services.runtime import Runtime
from cxm.store import comment_analyses as store
from cxm.store.bulk import format_timestamp, utc_now
from cxm.text.analyser import SentimentModel, TextAnalysis, analyse_batch, analyser_version
from cxm.text.emotions import CX_READINGS
from cxm.text.lexicon import EMOTIONS
from cxm.text.themes import ThemeDictionary, read_theme_dictionary
from cxm.text.training import load_trained_model

log = logging.getLogger(__name__)

#: Comments per analysed and committed batch.
BATCH_SIZE = 2_000
#: Comments an import analyses inline before returning; a larger backlog is left to the
#: server's periodic job and ``cxm text analyse`` (which uses every core).
ARRIVAL_LIMIT = 100_000
#: Comments one run of the server's periodic job analyses at most (keeps each run short).
PERIODIC_LIMIT = 20_000
THEMES_FILE = "themes.yaml"
_REANALYSE_MARKER = "reanalyse.json"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class AnalysisRun:
    """What a run did: comments analysed and written, batches committed, what is left."""

    analysed: int
    batches: int
    remaining: int
    seconds: float
    version: str
    workers: int

    @property
    def per_second(self) -> float:
        return self.analysed / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Analyser:
    """Everything a process needs to analyse comments the way this data directory wants."""

    languages: tuple[str, ...]
    model: SentimentModel | None
    themes: ThemeDictionary | None
    version: str

    def rows(self, pending: Sequence[store.PendingComment]) -> list[tuple[Any, ...]]:
        """Analysis rows ``(response_id, *ANALYSIS_COLUMNS)`` of pending comments."""
        results = analyse_batch(
            [p.comment for p in pending], self.languages, themes=self.themes, model=self.model
        )
        return [
            analysis_row(p.response_id, p.responded_at, a, self.version)
            for p, a in zip(pending, results, strict=True)
        ]


def models_dir(rt: Runtime) -> Path:
    return rt.settings.data_dir / "models" / "text"


def text_dir(rt: Runtime) -> Path:
    return rt.settings.data_dir / "text"


_analysers: dict[tuple[str, ...], Analyser] = {}
_analysers_lock = threading.Lock()


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "-"
    return f"{st.st_mtime_ns}:{st.st_size}"


def current_analyser(rt: Runtime) -> Analyser:
    """The analyser for this data directory: the built-in one, the trained domain model when
    its evaluation says it beat the built-in, and the company theme dictionary
    (``data_dir/themes.yaml``) when there is one. Cached until those files change."""
    models = models_dir(rt)
    themes_path = rt.settings.data_dir / THEMES_FILE
    languages = tuple(rt.settings.text_languages)
    key = (
        str(rt.settings.data_dir.resolve()),
        ",".join(languages),
        _stamp(models / "evaluation.json"),
        _stamp(models / "model.joblib"),
        _stamp(themes_path),
    )
    with _analysers_lock:
        found = _analysers.get(key)
        if found is not None:
            return found
        model = load_trained_model(models)
        themes = read_theme_dictionary(themes_path) if themes_path.exists() else None
        version = analyser_version() if model is None else f"{analyser_version()}/{model.version}"
        if themes is not None:
            digest = hashlib.sha256(themes_path.read_bytes()).hexdigest()[:8]
            version = f"{version}+themes-{digest}"
        if languages != ("pl", "en"):
            version = f"{version}+{'-'.join(languages)}"
        analyser = Analyser(languages, model, themes, version[:64])
        _analysers.clear()
        _analysers[key] = analyser
        return analyser


def analysis_row(
    response_id: int, responded_at: Any, analysis: TextAnalysis, version: str
) -> tuple[Any, ...]:
    """One stored row (``response_id`` then :data:`store.ANALYSIS_COLUMNS`)."""
    if isinstance(responded_at, datetime):
        responded_at = format_timestamp(responded_at)
    emotions = analysis.emotions.as_dict()
    readings = analysis.cx.as_dict()
    themes = "|" + "".join(f"{t}|" for t in analysis.themes)
    return (
        response_id,
        responded_at,
        version,
        analysis.language,
        analysis.sentiment,
        float(analysis.sentiment_score),
        *(float(emotions[e]) for e in EMOTIONS),
        *(float(readings[r]) for r in CX_READINGS),
        themes[:1024],
        analysis.redacted,
    )


# --- the reanalysis marker: a forced re-run that survives interruption ----------------------


def _marker_path(rt: Runtime) -> Path:
    return text_dir(rt) / _REANALYSE_MARKER


def _reanalyse_since(rt: Runtime, start: bool) -> datetime | None:
    path = _marker_path(rt)
    if path.exists():
        try:
            return datetime.fromisoformat(json.loads(path.read_text("utf-8"))["since"])
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
    if not start:
        return None
    since = utc_now()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"since": since.isoformat()}), encoding="utf-8")
    return since


def pending_count(rt: Runtime) -> int:
    """Comments waiting for (re)analysis."""
    analyser = current_analyser(rt)
    since = _reanalyse_since(rt, start=False)
    return store.count_pending(rt.db, version=analyser.version, analysed_before=since)


# --- runs ---------------------------------------------------------------------------------

_run_locks: dict[str, threading.Lock] = {}
_run_locks_guard = threading.Lock()


def _run_lock(rt: Runtime) -> threading.Lock:
    with _run_locks_guard:
        return _run_locks.setdefault(rt.settings.resolved_database_url, threading.Lock())


def analyse_pending(
    rt: Runtime,
    *,
    limit: int | None = None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> AnalysisRun:
    """Analyse waiting comments in this process, in batches, up to ``limit`` comments."""
    return analyse_backlog(
        rt, workers=1, limit=limit, batch_size=batch_size, on_progress=on_progress,
        refresh_mirror=False,
    )  # fmt: skip


def analyse_backlog(
    rt: Runtime,
    *,
    workers: int | None = None,
    reanalyse: bool = False,
    batch_size: int = BATCH_SIZE,
    limit: int | None = None,
    max_batches: int | None = None,
    on_progress: Progress | None = None,
    refresh_mirror: bool = True,
) -> AnalysisRun:
    """Analyse the whole backlog: ``workers`` processes analyse batches while this one reads
    and writes them (``workers`` ≤ 1: all in this process). ``reanalyse`` re-runs every
    comment, resumably (an interrupted forced run continues on the next run). Stops after
    ``limit`` comments or ``max_batches`` batches when given; ``on_progress(done, total)``."""
    started = time.perf_counter()
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    analyser = current_analyser(rt)
    with _run_lock(rt):
        since = _reanalyse_since(rt, start=reanalyse)
        total = store.count_pending(rt.db, version=analyser.version, analysed_before=since)
        if limit is not None:
            total = min(total, limit)
        if on_progress is not None:
            on_progress(0, total)
        pool = _start_pool(analyser, workers) if workers > 1 and total > batch_size else None
        try:
            done, batches = _drain(
                rt, analyser, since, pool, workers, batch_size, limit, max_batches,
                lambda n: on_progress(n, total) if on_progress is not None else None,
            )  # fmt: skip
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
        remaining = store.count_pending(rt.db, version=analyser.version, analysed_before=since)
        if since is not None and remaining == 0:
            _marker_path(rt).unlink(missing_ok=True)
    if refresh_mirror and done:
        mirror.refresh_mirror(rt)
    return AnalysisRun(
        analysed=done,
        batches=batches,
        remaining=remaining,
        seconds=time.perf_counter() - started,
        version=analyser.version,
        workers=workers if pool is not None else 1,
    )


def _drain(
    rt: Runtime,
    analyser: Analyser,
    since: datetime | None,
    pool: Pool | None,
    workers: int,
    batch_size: int,
    limit: int | None,
    max_batches: int | None,
    progress: Callable[[int], object],
) -> tuple[int, int]:
    replace = not rt.settings.keep_original_comments
    in_flight: deque[tuple[list[store.PendingComment], AsyncResult[list[tuple[Any, ...]]]]]
    in_flight = deque()
    after, selected, done, batches = 0, 0, 0, 0

    def write(pending: list[store.PendingComment], rows: list[tuple[Any, ...]]) -> None:
        nonlocal done, batches
        done += store.upsert_analyses(
            rt.db, rows, [p.comment for p in pending], replace_comments=replace
        )
        batches += 1
        progress(done)

    while max_batches is None or batches + len(in_flight) < max_batches:
        size = batch_size if limit is None else min(batch_size, limit - selected)
        if size <= 0:
            break
        pending = store.select_pending(
            rt.db, version=analyser.version, after_id=after, limit=size, analysed_before=since
        )
        if not pending:
            break
        after = pending[-1].response_id
        selected += len(pending)
        if pool is None:
            write(pending, analyser.rows(pending))
            continue
        in_flight.append((pending, pool.apply_async(_worker_rows, (pending,))))
        if len(in_flight) >= 2 * workers:
            oldest, result = in_flight.popleft()
            write(oldest, result.get())
    while in_flight:
        oldest, result = in_flight.popleft()
        write(oldest, result.get())
    return done, batches


# --- worker processes -----------------------------------------------------------------------

_worker_analyser: Analyser | None = None


def _init_worker(analyser: Analyser) -> None:
    global _worker_analyser
    _worker_analyser = analyser


def _worker_rows(pending: list[store.PendingComment]) -> list[tuple[Any, ...]]:
    assert _worker_analyser is not None
    return _worker_analyser.rows(pending)


def _start_pool(analyser: Analyser, workers: int) -> Pool:
    # warm the dictionaries and language models once, before forking: children share them
    analyser.rows([store.PendingComment(0, "Dobra obsługa, good service", "2025-01-01")])
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    return context.Pool(workers, initializer=_init_worker, initargs=(analyser,))


# --- on arrival -----------------------------------------------------------------------------


class _ArrivalDrainer:
    """Analyses new comments of one database, incrementally: it remembers the responses
    ``change_seq`` it has read up to, so each drain reads only responses written since (a
    full backlog scan is ``cxm text analyse``'s job). One drain runs at a time; ``notify``
    wakes a background thread, ``drain`` runs inline."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.lock = threading.Lock()
        self.drain_lock = threading.Lock()
        self.again = False
        self.thread: threading.Thread | None = None
        self.seq_mark = 0

    def notify(self) -> None:
        with self.lock:
            self.again = True
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._loop, name="cxm-comment-analysis", daemon=True
                )
                self.thread.start()

    def _loop(self) -> None:
        while True:
            with self.lock:
                if not self.again:
                    self.thread = None
                    return
                self.again = False
            try:
                self.drain(PERIODIC_LIMIT)
            except Exception:
                log.exception("analysing new comments failed")

    def drain(self, limit: int) -> AnalysisRun:
        """Analyse up to ``limit`` comments written since the last drain."""
        started = time.perf_counter()
        analyser = current_analyser(self.rt)
        replace = not self.rt.settings.keep_original_comments
        done = batches = 0
        with self.drain_lock:
            head = store.responses_head(self.rt.db)
            while done < limit:
                found = store.select_changed(
                    self.rt.db,
                    version=analyser.version,
                    after_seq=self.seq_mark,
                    up_to_seq=head,
                    limit=min(BATCH_SIZE, limit - done),
                )
                if not found:
                    self.seq_mark = head
                    break
                pending = [comment for _, comment in found]
                done += store.upsert_analyses(
                    self.rt.db, analyser.rows(pending), [p.comment for p in pending],
                    replace_comments=replace,
                )  # fmt: skip
                batches += 1
                self.seq_mark = found[-1][0]
        return AnalysisRun(
            analysed=done,
            batches=batches,
            remaining=0,
            seconds=time.perf_counter() - started,
            version=analyser.version,
            workers=1,
        )

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                thread = self.thread
            if thread is None:
                return True
            thread.join(max(0.0, deadline - time.monotonic()))
        return False


_drainers: dict[int, _ArrivalDrainer] = {}
_drainers_guard = threading.Lock()


def _drainer(rt: Runtime) -> _ArrivalDrainer:
    with _drainers_guard:
        found = _drainers.get(id(rt))
        if found is None or found.rt is not rt:
            found = _drainers[id(rt)] = _ArrivalDrainer(rt)
        return found


def notify_new_comments(rt: Runtime) -> None:
    """New comments were stored: analyse them soon in a background thread (cheap to call on
    every API write; calls while a drain runs just make it look once more). When the
    background jobs run in ``cxm serve``'s companion process, that process picks them up
    within seconds and the web worker does nothing here."""
    if rt.settings.background_jobs_in_web:
        _drainer(rt).notify()


def wait_for_new_comments(rt: Runtime, timeout: float = 30.0) -> bool:
    """Wait until the background analysis of new comments is idle (tests, shutdown)."""
    return _drainer(rt).wait(timeout)


def analyse_arrivals(rt: Runtime) -> AnalysisRun:
    """After an import: analyse the new comments inline, up to :data:`ARRIVAL_LIMIT`."""
    return _drainer(rt).drain(ARRIVAL_LIMIT)


def analyse_periodically(rt: Runtime) -> AnalysisRun:
    """One run of the server's periodic job: new comments since the last run, bounded."""
    return _drainer(rt).drain(PERIODIC_LIMIT)
