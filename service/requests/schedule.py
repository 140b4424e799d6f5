"""When a request to an agency is overdue and when its chasers go, in the partnership's
working days.

A request is due on its due date and overdue once that date has ended. The first chaser goes at
the partnership's dispatch hour on the first working day after the due date; further chasers
every ``chaser_interval_working_days`` working days after the last one, at the same hour. These
are the defaults a ``RequestKind`` takes; a kind may give its own.
"""

from __future__ import annotations

import datetime as dt

from service import clock
from service.models import Partnership
from service.workdays import Calendar, at_hour, end_of, london_date

#: The chaser of each round that also escalates.
ESCALATE_WITH = 2


def first_chaser_at(partnership: Partnership, due: dt.date) -> dt.datetime:
    day = Calendar.of(partnership).next_working_day(due)
    return at_hour(day, partnership.dispatch_hour)


def chaser_after(partnership: Partnership, chased_at: dt.datetime) -> dt.datetime:
    """The next chaser: ``chaser_interval_working_days`` working days after the last one."""
    day = Calendar.of(partnership).add(
        london_date(chased_at), partnership.chaser_interval_working_days
    )
    return at_hour(day, partnership.dispatch_hour)


def is_overdue(due: dt.date, now: dt.datetime | None = None) -> bool:
    return (now or clock.now()) >= end_of(due)


def days_taken(sent_at: dt.datetime, returned_at: dt.datetime) -> int:
    """Calendar days from sending to the first answer, as London dates (same day = 0)."""
    return (london_date(returned_at) - london_date(sent_at)).days
