"""The periodic background runner used for the server's mirror refresh."""

from __future__ import annotations

import threading
import time
from pathlib import Path

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


def test_server_refreshes_the_mirror_in_the_background(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from web_helpers import web_settings_for

    from cxm.services import mirror
    from cxm.web.app import create_app
    from factories import seed_departments

    app = create_app(web_settings_for(tmp_path / "data", mirror_refresh_interval_seconds=0.05))
    with TestClient(app):
        refresher = app.state.background.get("mirror-refresh")
        assert refresher is not None and refresher.running
        seed_departments(app.state.runtime)
        deadline = time.monotonic() + 10
        while mirror.mirror_status(app.state.runtime).table("responses").rows < 100:
            assert time.monotonic() < deadline, "the mirror was not refreshed"
            time.sleep(0.05)
    assert not refresher.running  # stopped with the app
