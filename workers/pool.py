"""`dhr worker`: rq's SimpleWorker in long-lived processes, made ready before the first job.

Jobs run in the worker's own process, not in a child forked for each, so nothing is set up per
job: the job modules are imported, the models' mappers configured and the mail transport built
before the worker takes its first job, and the transport keeps its connection open for the
messages delivered in a row (closed on any error and after ``KEEP_ALIVE`` idle seconds). A job
still has its time-out: rq's SIGALRM death penalty applies in the worker's own process too.

``--processes N`` starts N such workers, one process each, for more than one core; the parent
only passes on the signal to stop and reports the worst exit status.
"""

from __future__ import annotations

import contextlib
import importlib
import signal
import subprocess
import sys

from rq import SimpleWorker

from service import runtime
from workers import queues

#: Every module whose functions are enqueued as jobs, imported before work starts.
JOB_MODULES = ("workers.delivery", "workers.bounce_checks")
#: Seconds a mail transport's connection stays open for the next message.
KEEP_ALIVE = 30.0


class Worker(SimpleWorker):
    """rq's SimpleWorker, reading its command channel (rq's "stop the job" and "shut down")
    every second instead of every minute.

    A worker that stops waits for the thread reading that channel, and redis-py lets the wait
    last until the thread's read times out: with rq's minute, every `dhr worker --burst` and
    every stop took up to a minute longer than its work.
    """

    #: Seconds the channel's reader waits for a command before it looks again.
    COMMAND_WAIT = 1.0

    def subscribe(self) -> None:
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=self.COMMAND_WAIT, daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )  # fmt: skip


def warm_up() -> None:
    """Everything the first job would otherwise pay for: imports, mappers, the transport."""
    from sqlalchemy.orm import configure_mappers

    import service.models  # noqa: F401

    for name in JOB_MODULES:
        importlib.import_module(name)
    configure_mappers()
    transport = runtime.transport()
    if hasattr(transport, "keep_alive"):
        transport.keep_alive = KEEP_ALIVE


def close_transport() -> None:
    transport = runtime.transport()
    close = getattr(transport, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


def work(burst: bool) -> None:
    """One worker for every queue, in this process."""
    warm_up()
    worker = Worker([queues.queue(name) for name in queues.ALL], connection=runtime.redis())
    try:
        worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
    finally:
        close_transport()


def work_in_processes(processes: int, burst: bool) -> int:
    """``processes`` workers, each `dhr worker` in its own process; the worst exit status."""
    argv = [sys.executable, "-m", "service.cli", "worker", *(["--burst"] if burst else [])]
    children = [subprocess.Popen(argv) for _ in range(processes)]  # noqa: S603

    def pass_on(signum: int, _frame) -> None:  # noqa: ANN001
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

    previous = {s: signal.signal(s, pass_on) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        codes = [child.wait() for child in children]
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return max((abs(c) for c in codes), default=0)
