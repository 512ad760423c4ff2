"""``cxm demo`` end to end through the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXM_DATA_DIR": str(data_dir), "CXM_ENV": "test", "COLUMNS": "200"}
    env.pop("CXM_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "cxm.cli.main", "demo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_command_generates_prints_url_and_logins_then_skips_when_loaded(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "cxm-data"
    first = _run(data_dir, "--size", "small", "--no-serve", "--port", "8765")
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8765/" in first.stdout
    assert "demo-admin" in first.stdout and "analityk" in first.stdout
    assert (data_dir / "demo-source" / "imported.json").exists()

    again = _run(data_dir, "--size", "small", "--no-serve")
    assert again.returncode == 0, again.stderr
    assert "already holds" in again.stdout
    assert "http://127.0.0.1:8000/" in again.stdout
