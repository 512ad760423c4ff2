"""The companion process of ``cxm serve``: runs every background job until SIGTERM/SIGINT
or until the process that started it is gone.

python -m cxm.jobs.runner
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from cxm.config import get_settings
from cxm.services.runtime import open_runtime
from cxm.services.scheduler import start_background_jobs, stop_all

#: How often the companion checks that ``cxm serve`` is still there.
PARENT_CHECK_SECONDS = 1.0


def main() -> None:
    parent = os.getppid()  # before the slow start: the server may be stopped meanwhile
    logging.basicConfig(level=logging.INFO, format="%(asctime)s cxm-jobs %(levelname)s %(message)s")
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    rt = open_runtime(get_settings())
    tasks = start_background_jobs(rt)
    logging.info("running %s", ", ".join(tasks) or "nothing (background jobs disabled)")
    try:
        # uvicorn ends a single-worker server by re-raising SIGTERM after its shutdown, so
        # ``cxm serve`` may die without stopping this process: it then stops by itself.
        while not stopped.wait(PARENT_CHECK_SECONDS) and os.getppid() == parent:
            pass
    finally:
        stop_all(tasks)
        rt.close()


if __name__ == "__main__":
    main()
