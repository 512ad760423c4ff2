"""The companion process of ``cxm serve``: runs every background job until SIGTERM/SIGINT.

python -m cxm.jobs.runner
"""

from __future__ import annotations

import logging
import signal
import threading

from cxm.config import get_settings
from cxm.services.runtime import open_runtime
from cxm.services.scheduler import start_background_jobs, stop_all


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s cxm-jobs %(levelname)s %(message)s")
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    rt = open_runtime(get_settings())
    tasks = start_background_jobs(rt)
    logging.info("running %s", ", ".join(tasks) or "nothing (background jobs disabled)")
    try:
        stopped.wait()
    finally:
        stop_all(tasks)
        rt.close()


if __name__ == "__main__":
    main()
