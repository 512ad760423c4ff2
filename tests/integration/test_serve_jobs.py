"""`cxm serve` runs the background jobs in one companion process, not in its web workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from cxm.services import auth
from cxm.services.runtime import open_runtime
from mail_helpers import free_port
from settings_helpers import make_settings


def _wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


def _serve(data_dir: Path, port: int, workers: int, **env: str) -> subprocess.Popen[bytes]:
    """``cxm serve`` on ``data_dir`` in a session of its own."""
    command = ["serve", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(
        [sys.executable, "-m", "cxm.cli.main", *command],
        env={**os.environ, "CXM_DATA_DIR": str(data_dir), "CXM_ENV": "test", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_serve_analyses_new_comments_in_its_companion_process(data_dir: Path) -> None:
    rt = open_runtime(make_settings(data_dir))
    auth.ensure_user(rt, "etl", "a-long-password-1", "admin")
    token = auth.create_api_token(rt, "etl", "loader")
    port = free_port()
    server = _serve(data_dir, port, 2, CXM_MIRROR_REFRESH_INTERVAL_SECONDS="30")
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(f"{base}/healthz")
        answer = httpx.post(
            f"{base}/api/v1/responses",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "external_id": "r-1",
                "responded_at": "2025-06-01T10:00:00",
                "nps": 2,
                "comment": "Fatalna obsługa, nikt nie odbiera telefonu.",
            },
        )
        assert answer.status_code == 201
        deadline = time.monotonic() + 60
        while True:
            with rt.db.read() as conn:
                found = conn.exec_driver_sql(
                    "SELECT sentiment FROM comment_analyses a JOIN responses r "
                    "ON r.id = a.response_id WHERE r.external_id = 'r-1'"
                ).scalar()
            if found is not None:
                break
            assert time.monotonic() < deadline, "the comment was never analysed"
            time.sleep(0.5)
        assert found == "negative"
        children = subprocess.run(
            ["pgrep", "-f", "cxm.jobs.runner", "-g", str(os.getpgid(server.pid))],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert len(children) == 1  # one companion, however many workers
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
        rt.close()
    assert not Path(f"/proc/{children[0]}").exists()  # the companion stopped with the server


def test_the_companion_stops_when_a_single_worker_server_is_terminated(data_dir: Path) -> None:
    port = free_port()
    server = _serve(data_dir, port, 1)
    try:
        _wait_up(f"http://127.0.0.1:{port}/healthz")
        [companion] = subprocess.run(
            ["pgrep", "-f", "cxm.jobs.runner", "-P", str(server.pid)],
            capture_output=True,
            text=True,
        ).stdout.split()
    finally:
        server.terminate()
        server.wait(timeout=60)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{companion}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{companion}").exists()  # not left running on its own


def test_web_writer_leaves_wal_checkpoints_to_the_companion(data_dir: Path) -> None:
    from cxm.services.scheduler import background_jobs

    web = open_runtime(make_settings(data_dir, background_jobs_in_web=False))
    web.db.checkpoint_in_background()
    with web.db.write() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    jobs = {job.name: job for job in background_jobs()}
    assert jobs["wal-checkpoint"].interval(web.settings) > 0  # the companion checkpoints
    assert jobs["wal-checkpoint"].interval(make_settings(data_dir)) == 0  # in-process: SQLite does
    web.db.checkpoint()
    web.close()
