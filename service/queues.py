"""Queue names, and handing work to Redis. Redis carries transient work only: if it loses a job,
the sweep finds the work again in the database.

The names live here, below both the outbox and the workers, so that the outbox can hand a
message to its queue without importing the workers."""

from __future__ import annotations

import logging

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


def enqueue_delivery(message_id: str) -> bool:
    """Ask a worker to deliver this message. False (and logged) when Redis cannot be reached:
    the message stays queued in the database and the next sweep hands it over again."""
    try:
        queue(MAIL).enqueue(
            "workers.delivery.deliver",
            message_id,
            job_timeout=DELIVERY_TIMEOUT,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"deliver message {message_id}",
        )
    except RedisError as exc:
        log.warning(
            "could not enqueue delivery; the sweep will retry",
            extra={"message_id": message_id, "error": type(exc).__name__},
        )
        return False
    return True
