"""Periodic background work inside the server process (e.g. refreshing the mirror).

A daemon thread runs a function every ``interval`` seconds until stopped. A failing run is
logged and the next one still happens: one bad refresh must not stop all later ones."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


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
