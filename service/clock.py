"""The one clock. Everything that asks "what time is it?" asks here, so tests and
``dhr sweep --at`` can run the service as at any moment."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime

_frozen: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("frozen", default=None)


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _frozen.get() or datetime.now(UTC)


def parse(value: str) -> datetime:
    """An ISO-8601 moment; one without an offset is read as UTC."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@contextlib.contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Run the block as if it were ``moment``."""
    token = _frozen.set(as_utc(moment))
    try:
        yield moment
    finally:
        _frozen.reset(token)
