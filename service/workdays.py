"""Working days: the partnership's nation's bank holidays and its own closure days.

Chasers, escalation and panel papers count in working days; a working day is a weekday that is
neither a bank holiday in the partnership's nation (England or Wales, from the ``holidays``
package) nor one of the partnership's closure days. Everything here works on London dates and
turns them into UTC moments only at the edge (``at_hour``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

# UK time has its home in service.clock; many callers reach it through here.
from service.clock import LONDON as LONDON
from service.clock import london_date as london_date

_SUBDIVISION = {"england": "ENG", "wales": "WLS"}


@lru_cache(maxsize=64)
def _bank_holidays(nation: str, year: int) -> frozenset[dt.date]:
    try:
        subdiv = _SUBDIVISION[nation]
    except KeyError:
        raise ValueError(f"no bank holidays for nation {nation!r}") from None
    return frozenset(holidays.country_holidays("GB", subdiv=subdiv, years=year).keys())


class Calendar:
    """One partnership's working days."""

    def __init__(self, nation: str, closure_days: list[str] | tuple[str, ...] = ()) -> None:
        self.nation = str(nation)
        self.closures = frozenset(dt.date.fromisoformat(str(d)) for d in closure_days)

    @classmethod
    def of(cls, partnership) -> Calendar:  # noqa: ANN001
        return cls(partnership.nation.value, tuple(partnership.closure_days or ()))

    def bank_holiday(self, day: dt.date) -> bool:
        return day in _bank_holidays(self.nation, day.year)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.bank_holiday(day) and day not in self.closures

    def add(self, day: dt.date, n: int) -> dt.date:
        """The working day ``n`` working days after ``day`` (before it when ``n`` < 0); ``day``
        itself need not be a working day. ``add(day, 0)`` is ``day``."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        while remaining:
            day += dt.timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add(day, 1)

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next one."""
        return day if self.is_working_day(day) else self.add(day, 1)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if ``end`` <= ``start``)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def at_hour(day: dt.date, hour: int) -> dt.datetime:
    """``hour`` o'clock London time on ``day``, as a UTC moment (clock changes handled)."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON).astimezone(dt.UTC)


def end_of(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` ends in London, as UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON).astimezone(
        dt.UTC
    )
