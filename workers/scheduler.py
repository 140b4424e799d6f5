"""`dhr scheduler`: the sweep, once a minute, for as long as the process lives."""

from __future__ import annotations

import logging
import signal
import threading
import time

from service import clock
from workers import sweep

log = logging.getLogger(__name__)


def run_forever(interval: float = 60.0, stop: threading.Event | None = None) -> None:
    """Sweep at the start of every ``interval``; SIGTERM or SIGINT end it between sweeps."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    log.info("scheduler started", extra={"interval": interval})
    while not stop.is_set():
        try:
            sweep.run(clock.now())
        except Exception:
            # The database or Redis may be down for a while; the next minute tries again.
            log.exception("sweep failed")
        stop.wait(interval - (time.time() % interval))
    log.info("scheduler stopped")
