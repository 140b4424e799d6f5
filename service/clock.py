"""The one clock, and UK time. Everything that asks "what time is it?" asks here, so tests and
``dhr sweep --at`` can run the service as at any moment; every date or time a person reads is
turned into UK time here (``LONDON``, ``london_date``, ``long_date``, ``long_moment``,
``london_time``)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: The UK's time zone: every date and time a person reads is in it.
LONDON = ZoneInfo("Europe/London")

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


def london_date(moment: datetime) -> date:
    """The calendar date in the UK at ``moment``."""
    return as_utc(moment).astimezone(LONDON).date()


def long_date(value: datetime | date | str | None) -> str:
    """``22 November 2026``, as GOV.UK writes dates: a moment's date in the UK, a calendar date
    (or its ISO text) as it is; empty for none."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    day = as_utc(value).astimezone(LONDON).date() if isinstance(value, datetime) else value
    return f"{day.day} {day:%B %Y}"


def long_moment(moment: datetime | None) -> str:
    """``22 November 2026 at 7:15am`` in UK time; empty for none."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def london_time(moment: datetime | None) -> str:
    """``22 Nov 2026 09:15`` in UK time, for tables; empty for none."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}"
