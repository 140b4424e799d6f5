"""When a panel meeting's papers go, and the reason the date shown is earlier than the count
of weekdays suggests.

When the papers go
    ``dispatch_on`` is the working day ``papers_working_days`` (5) working days before the
    meeting, counting the partnership's bank holidays and closure days; the papers go at the
    dispatch hour (09:00) that day (``dispatch_at``), with the calendar invitation. The officer
    is warned if there are no papers at the dispatch hour of the working day before, and again
    at dispatch (``papers_warning_at``).

A meeting scheduled (or moved) too late for that
    The papers cannot reach members 5 working days ahead. They go at the next sweep instead
    (``dispatch_at`` is now), so members have them as early as possible, and the officer is
    told on screen; papers uploaded after that go at once as additional papers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service import clock, workdays
from service.models import MeetingStatus, PanelMeeting, Partnership
from service.workdays import Calendar


@dataclass(frozen=True)
class Schedule:
    """When a meeting's papers go, and when the officer is warned if there are none."""

    dispatch_on: dt.date
    dispatch_at: dt.datetime
    warning_at: dt.datetime | None
    late: bool  # the notice cannot be met: the papers go at the next sweep

    @property
    def columns(self) -> dict:
        return {
            "dispatch_on": self.dispatch_on,
            "dispatch_at": self.dispatch_at,
            "papers_warning_at": self.warning_at,
        }


def dispatch_date(partnership: Partnership, meeting_date: dt.date) -> dt.date:
    """The working day ``papers_working_days`` working days before the meeting."""
    return Calendar.of(partnership).add(meeting_date, -partnership.papers_working_days)


def schedule_for(partnership: Partnership, meeting_date: dt.date, now: dt.datetime) -> Schedule:
    cal = Calendar.of(partnership)
    hour = partnership.dispatch_hour
    dispatch_on = dispatch_date(partnership, meeting_date)
    dispatch_at = workdays.at_hour(dispatch_on, hour)
    if dispatch_at <= now:
        return Schedule(workdays.london_date(now), now, None, late=True)
    day_before = workdays.at_hour(cal.add(dispatch_on, -1), hour)
    warning_at = day_before if day_before > now else dispatch_at
    return Schedule(dispatch_on, dispatch_at, warning_at, late=False)


def _day_list(days: list[dt.date]) -> str:
    """``10 and 11 December``, ``30 November and 1 December``: one month named once."""
    groups: list[list[dt.date]] = []
    for day in sorted(days):
        if groups and (groups[-1][0].year, groups[-1][0].month) == (day.year, day.month):
            groups[-1].append(day)
        else:
            groups.append([day])
    parts = [_and([str(d.day) for d in group]) + f" {group[0]:%B}" for group in groups]
    return _and(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def dispatch_reason(partnership: Partnership, meeting: PanelMeeting) -> str | None:
    """Why the papers go earlier than the same number of weekdays before the meeting: the
    closure days and bank holidays in between, which the count skips. None when there are none,
    or when the papers do not go on the counted day (a late meeting goes at once)."""
    if meeting.status is MeetingStatus.CANCELLED:
        return None
    meeting_date = workdays.london_date(meeting.starts_at)
    days = partnership.papers_working_days
    dispatch_on = dispatch_date(partnership, meeting_date)
    if meeting.dispatch_on != dispatch_on:
        return None
    cal = Calendar.of(partnership)
    between = [dispatch_on + dt.timedelta(days=n)
               for n in range(1, (meeting_date - dispatch_on).days)]  # fmt: skip
    weekdays = [d for d in between if d.weekday() < 5]
    closures = [d for d in weekdays if d in cal.closures]
    bank = [d for d in weekdays if cal.bank_holiday(d) and d not in cal.closures]
    if not closures and not bank:
        return None
    reasons = []
    if bank:
        reasons.append(_day_list(bank) + (" is a bank holiday" if len(bank) == 1
                                          else " are bank holidays"))  # fmt: skip
    if closures:
        reasons.append(_day_list(closures) + (" is a closure day" if len(closures) == 1
                                              else " are closure days"))  # fmt: skip
    verb = "went" if meeting.dispatched_at else "go"
    return (
        f"Papers {verb} on {dispatch_on:%A} {clock.long_date(dispatch_on)}, {days} working "
        f"{'day' if days == 1 else 'days'} before the meeting: {', and '.join(reasons)}."
    )
