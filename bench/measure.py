"""Timing and memory helpers shared by the benchmarks."""

from __future__ import annotations

import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


@dataclass
class Timing:
    median: float
    runs: list[float]


def time_warm(fn: Callable[[], Any], *, runs: int = 7, warmup: int = 2) -> Timing:
    """Median wall time of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return Timing(statistics.median(times), times)


def time_median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls of ``fn`` after one untimed call, and what the
    last call returned."""
    fn()
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(statistics.median(times)), out


def mirror_files(mirror: Path, table: str) -> list[str]:
    """The Parquet files of one table in the mirror's current manifest."""
    manifest = json.loads((mirror / "manifest.json").read_text())
    return [str(mirror / rel) for rel in sorted(manifest["tables"][table]["files"])]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_isolated(module: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh process; it prints one JSON object last."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


@contextmanager
def served(data_dir: Path, workers: int, **env: str) -> Iterator[int]:
    """``cxm serve`` on a free loopback port over ``data_dir``; yields the port."""
    port = free_port()
    environment = {**os.environ, "CXM_DATA_DIR": str(data_dir), "CXM_ENV": "test", **env}
    command = [sys.executable, "-m", "cxm.cli.main", "serve", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_up(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
