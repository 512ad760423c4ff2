"""One small demo company per test module (generating it takes a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cxm.analytics import reset_engines
from cxm.services.demo import DemoSummary, generate_demo
from cxm.services.runtime import Runtime, open_runtime
from settings_helpers import make_settings


def open_demo(tmp: Path) -> Iterator[tuple[Runtime, DemoSummary]]:
    rt = open_runtime(make_settings(tmp / "cxm-data"))
    summary = generate_demo(rt, "small", seed=7)
    yield rt, summary
    rt.close()
    reset_engines()
