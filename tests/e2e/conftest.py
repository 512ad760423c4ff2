"""Fixtures of the browser tests: the real app served by uvicorn on a loopback port, and
Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS

from cxm.config import Settings
from mail_helpers import free_port


@pytest.fixture
def serve_app() -> Iterator[Callable[..., str]]:
    """``serve_app(settings, port=None)``: the real app for these settings under uvicorn on
    loopback (a free port unless given); its base URL once it accepts connections. Every
    server started is stopped after the test."""
    import uvicorn

    from cxm.web.app import create_app

    running: list[tuple[Any, threading.Thread]] = []

    def start(settings: Settings, port: int | None = None) -> str:
        port = port or free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium (offline flags), closed after the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
