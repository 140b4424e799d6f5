"""Running the queues in the test process, as `dhr worker --burst` would."""

from __future__ import annotations

from rq import Queue

from service import runtime
from workers import pool, queues


def run_worker_burst() -> None:
    """Work every queue until it is empty, in this process (so a frozen clock applies)."""
    worker = pool.Worker([queues.queue(n) for n in queues.ALL], connection=runtime.redis())
    worker.work(burst=True, logging_level="WARNING")


def queued_message_ids() -> list[str]:
    """The message ids of the delivery jobs waiting in the mail queue, in order."""
    q = Queue(queues.MAIL, connection=runtime.redis())
    return [message_id for job in q.get_jobs() for message_id in job.args[0]]
