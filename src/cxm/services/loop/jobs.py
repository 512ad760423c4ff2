"""The loop's jobs: ``rules`` (feedback and control-chart alerts → cases), ``sla``
(escalations), ``standards`` (compliance and breaches) and ``notifications`` (outbox
delivery and retries). ``cxm serve`` runs them on a schedule, ``cxm jobs run`` once.

One runner at a time per data directory: an OS file lock (released by the kernel even when
the process is killed) guards a run, so a restarted job simply continues from the committed
watermarks and the outbox."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from cxm.domain.errors import Conflict, ValidationFailed
from cxm.services.loop import notifications, rules, sla, standards
from cxm.services.runtime import Runtime

JOBS = ("rules", "sla", "standards", "notifications")
#: How often ``cxm serve`` runs the loop's jobs.
LOOP_INTERVAL_SECONDS = 60.0
LOCK_NAME = "loop-jobs.lock"


@contextmanager
def job_lock(rt: Runtime, *, wait: bool) -> Iterator[bool]:
    """Hold the data directory's job lock; yields False when busy and ``wait`` is off."""
    path = rt.settings.data_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _summary(result: Any) -> dict[str, Any]:
    if is_dataclass(result) and not isinstance(result, type):
        data = asdict(result)
        data.pop("current", None)
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}
    return {"result": result}


def _rules(rt: Runtime, now: datetime | None, batch_size: int) -> dict[str, Any]:
    feedback = rules.evaluate_feedback(rt, now=now, batch_size=batch_size)
    alerts = rules.evaluate_alert_rules(rt, now=now)
    return {"responses": _summary(feedback), "alerts": _summary(alerts)}


def run_jobs(
    rt: Runtime,
    names: Sequence[str] | None = None,
    *,
    now: datetime | None = None,
    wait: bool = True,
    batch_size: int = rules.BATCH_SIZE,
) -> dict[str, Any]:
    """Run the named jobs (all by default) in order; returns each one's counts."""
    chosen = list(names or JOBS)
    for name in chosen:
        if name not in JOBS:
            raise ValidationFailed(f"unknown job '{name}' ({', '.join(JOBS)})", field="job")
    actions: dict[str, Callable[[], Any]] = {
        "rules": lambda: _rules(rt, now, batch_size),
        "sla": lambda: _summary(sla.escalate_breaches(rt, now=now)),
        "standards": lambda: _summary(standards.evaluate_standards(rt, now=now)),
        "notifications": lambda: _summary(notifications.dispatch_notifications(rt, now=now)),
    }
    out: dict[str, Any] = {}
    with job_lock(rt, wait=wait) as held:
        if not held:
            raise Conflict("another process is running the loop's jobs", field="job")
        for name in JOBS:
            if name in chosen:
                started = time.perf_counter()
                out[name] = actions[name]()
                out[name]["seconds"] = round(time.perf_counter() - started, 3)
    return out


def run_scheduled(rt: Runtime) -> dict[str, Any]:
    """The server's periodic run: skip quietly when a CLI run holds the lock."""
    try:
        return run_jobs(rt, wait=False)
    except Conflict:
        return {}
