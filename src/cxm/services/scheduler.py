"""Periodic background work of a running cxm: refreshing the mirror, analysing new
comments, alerts, the closed loop's clocks and notifications, survey sending, people digests.

:func:`background_jobs` is the one registry. ``cxm serve`` runs it in a companion process
(``python -m cxm.jobs.runner``) so CPU-heavy work never competes with requests inside a web
worker; an app built without it (tests, embedding) runs it in its own threads. A daemon
thread runs each job every ``interval`` seconds; a failing run is logged and the next one
still happens: one bad refresh must not stop all later ones."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from cxm.config import Settings
from cxm.services.runtime import Runtime

log = logging.getLogger(__name__)

#: New comments are analysed within this many seconds of arriving.
COMMENT_INTERVAL_SECONDS = 2.0
#: How often the companion process checkpoints the SQLite WAL for the web workers.
CHECKPOINT_INTERVAL_SECONDS = 1.0


class PeriodicTask:
    """Call ``action`` every ``interval`` seconds in a daemon thread; ``stop()`` ends it."""

    def __init__(self, name: str, interval: float, action: Callable[[], object]) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.name = name
        self.interval = interval
        self.action = action
        self.runs = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"cxm-{name}", daemon=True)

    def start(self) -> PeriodicTask:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.action()
                self.runs += 1
            except Exception:
                self.failures += 1
                log.exception("periodic task %s failed", self.name)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for a run in progress to end."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


@dataclass(frozen=True)
class BackgroundJob:
    """One kind of periodic work; ``interval(settings)`` ≤ 0 means it does not run."""

    name: str
    interval: Callable[[Settings], float]
    action: Callable[[Runtime], object]


def _enabled(settings: Settings) -> bool:
    return settings.mirror_refresh_interval_seconds > 0


def _mirror_interval(settings: Settings) -> float:
    mirrored = settings.engine in ("duckdb", "spark")
    return settings.mirror_refresh_interval_seconds if mirrored else 0.0


def _checkpoint_interval(settings: Settings) -> float:
    # only where web workers leave checkpoints to this process (see Database)
    return CHECKPOINT_INTERVAL_SECONDS if not settings.background_jobs_in_web else 0.0


def _checkpoint(rt: Runtime) -> None:
    rt.db.checkpoint()


def _every(seconds: float) -> Callable[[Settings], float]:
    return lambda settings: seconds if _enabled(settings) else 0.0


def background_jobs() -> tuple[BackgroundJob, ...]:
    """Every periodic job of a running cxm (imported lazily: each area's service)."""
    from cxm.services import comment_analysis, mirror
    from cxm.services.analysis.alerts import ALERT_INTERVAL_SECONDS, evaluate_alerts
    from cxm.services.loop import jobs as loop_jobs
    from cxm.services.people import jobs as people_jobs
    from cxm.services.surveys import jobs as survey_jobs

    return (
        BackgroundJob("wal-checkpoint", _checkpoint_interval, _checkpoint),
        BackgroundJob("mirror-refresh", _mirror_interval, mirror.refresh_mirror),
        BackgroundJob(
            "comment-analysis",
            _every(COMMENT_INTERVAL_SECONDS),
            comment_analysis.analyse_periodically,
        ),
        BackgroundJob("alerts", _every(ALERT_INTERVAL_SECONDS), evaluate_alerts),
        BackgroundJob(
            "loop-jobs", _every(loop_jobs.LOOP_INTERVAL_SECONDS), loop_jobs.run_scheduled
        ),
        BackgroundJob(
            "people", _every(people_jobs.PEOPLE_JOB_INTERVAL_SECONDS), people_jobs.run_people_jobs
        ),
        BackgroundJob(
            "surveys", _every(survey_jobs.SURVEY_JOB_INTERVAL_SECONDS), survey_jobs.run_survey_jobs
        ),
    )


def start_background_jobs(rt: Runtime) -> dict[str, PeriodicTask]:
    """Start every enabled background job on ``rt``; stop them with :func:`stop_all`."""
    tasks = {}
    for job in background_jobs():
        interval = job.interval(rt.settings)
        if interval > 0:
            tasks[job.name] = PeriodicTask(job.name, interval, partial(job.action, rt)).start()
    return tasks


def stop_all(tasks: dict[str, PeriodicTask]) -> None:
    for task in tasks.values():
        task.stop()
