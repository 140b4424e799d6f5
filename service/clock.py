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


#: Month names as Welsh writes them (``language="cy"``), long and short.
WELSH_MONTHS = (
    "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
    "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
)  # fmt: skip
WELSH_SHORT_MONTHS = (
    "Ion", "Chwef", "Maw", "Ebr", "Mai", "Meh", "Gorff", "Awst", "Medi", "Hyd", "Tach", "Rhag",
)  # fmt: skip


#: Days of the week as Welsh writes them in a date ("dydd Llun 4 Ionawr 2027"), Monday first.
WELSH_WEEKDAYS = (
    "dydd Llun", "dydd Mawrth", "dydd Mercher", "dydd Iau", "dydd Gwener", "dydd Sadwrn",
    "dydd Sul",
)  # fmt: skip


def weekday(day: date, language: str = "en") -> str:
    """``Monday`` (``dydd Llun`` in Welsh)."""
    return WELSH_WEEKDAYS[day.weekday()] if language == "cy" else f"{day:%A}"


def _month(day: date, language: str, *, short: bool = False) -> str:
    if language == "cy":
        return (WELSH_SHORT_MONTHS if short else WELSH_MONTHS)[day.month - 1]
    return f"{day:%b}" if short else f"{day:%B}"


def long_date(value: datetime | date | str | None, language: str = "en") -> str:
    """``22 November 2026`` (``22 Tachwedd 2026`` in Welsh), as GOV.UK writes dates: a moment's
    date in the UK, a calendar date (or its ISO text) as it is; empty for none."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    day = as_utc(value).astimezone(LONDON).date() if isinstance(value, datetime) else value
    return f"{day.day} {_month(day, language)} {day.year}"


def long_moment(moment: datetime | None, language: str = "en") -> str:
    """``22 November 2026 at 7:15am`` in UK time (Welsh: ``22 Tachwedd 2026 am 7:15yb``, "yb"
    and "yh" for the morning and the afternoon); empty for none."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(LONDON)
    hour = local.hour % 12 or 12
    when = f"{local.day} {_month(local.date(), language)} {local.year}"
    if language == "cy":
        return f"{when} am {hour}:{local:%M}{'yb' if local.hour < 12 else 'yh'}"
    return f"{when} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def london_time(moment: datetime | None, language: str = "en") -> str:
    """``22 Nov 2026 09:15`` in UK time, for tables; empty for none."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(LONDON)
    return f"{local.day} {_month(local.date(), language, short=True)} {local.year} {local:%H:%M}"
