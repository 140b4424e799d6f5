"""Queue names, and handing work to Redis. Redis carries transient work only: if it loses a job,
the sweep finds the work again in the database.

The names live here, below both the outbox and the workers, so that the outbox can hand a
message to its queue without importing the workers."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from redis.exceptions import RedisError
from rq import Queue

from service import runtime

log = logging.getLogger(__name__)

MAIL = "mail"
DEFAULT = "default"
#: Every queue the service uses; `dhr worker` listens to all of them.
ALL = (MAIL, DEFAULT)

#: A delivery must finish well inside outbox.SENDING_STALE.
DELIVERY_TIMEOUT = 300


def queue(name: str) -> Queue:
    if name not in ALL:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=runtime.redis())


#: Messages one delivery job sends in a row over one connection.
BATCH = 50


def batches(message_ids: Sequence[str], size: int = BATCH) -> list[list[str]]:
    return [list(message_ids[i : i + size]) for i in range(0, len(message_ids), size)]


def enqueue_delivery(message_ids: Sequence[str]) -> bool:
    """Ask a worker to deliver these messages (at most ``BATCH``: one job sends them in a row).

    False (and logged) when Redis cannot be reached: the messages stay queued in the database
    and the next sweep hands them over again."""
    ids = list(message_ids)
    if len(ids) > BATCH:
        raise ValueError(f"at most {BATCH} messages a job")
    try:
        queue(MAIL).enqueue(
            "workers.delivery.deliver_many",
            ids,
            job_timeout=DELIVERY_TIMEOUT,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"deliver {len(ids)} message(s)",
        )
    except RedisError as exc:
        log.warning(
            "could not enqueue delivery; the sweep will retry",
            extra={"messages": len(ids), "error": type(exc).__name__},
        )
        return False
    return True
