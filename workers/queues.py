"""The queues the workers listen to (their names and the enqueueing live in ``service.queues``,
where the outbox can reach them)."""

from __future__ import annotations

from service.queues import (
    ALL,
    BATCH,
    DEFAULT,
    DELIVERY_TIMEOUT,
    MAIL,
    batches,
    enqueue_delivery,
    queue,
)

__all__ = [
    "ALL",
    "BATCH",
    "DEFAULT",
    "DELIVERY_TIMEOUT",
    "MAIL",
    "batches",
    "enqueue_delivery",
    "queue",
]
