"""The periodic background runner used for the server's mirror refresh."""

from __future__ import annotations

import threading
import time

import pytest

from cxm.services.scheduler import PeriodicTask


def test_periodic_task_runs_repeatedly_until_stopped() -> None:
    ticks = threading.Semaphore(0)
    task = PeriodicTask("tick", 0.01, ticks.release).start()
    for _ in range(3):
        assert ticks.acquire(timeout=2)
    task.stop()
    runs = task.runs
    time.sleep(0.05)
    assert not task.running
    assert task.runs == runs


def test_periodic_task_survives_a_failing_run() -> None:
    calls: list[int] = []
    done = threading.Event()

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first run fails")
        done.set()

    task = PeriodicTask("flaky", 0.01, flaky).start()
    assert done.wait(2)
    task.stop()
    assert task.failures == 1 and task.runs >= 1


def test_periodic_task_refuses_a_non_positive_interval() -> None:
    with pytest.raises(ValueError):
        PeriodicTask("never", 0, lambda: None)
