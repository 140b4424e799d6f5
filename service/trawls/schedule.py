"""When returns are due and when chasers go, in the partnership's working days.

A request is due on its due date: the date it was sent plus the partnership's trawl response
days (14 by default). It is overdue once that date has ended. The first chaser goes at the
partnership's dispatch hour on the first working day after the due date; further chasers every
``chaser_interval_working_days`` working days after that, at the same hour. The second chaser
of a round also tells the agency's escalation contact and the DHR officer.
"""

from __future__ import annotations

import datetime as dt

from service import clock
from service.models import Partnership
from service.workdays import Calendar, at_hour, end_of, london_date

#: The chaser of each round that also escalates.
ESCALATE_WITH = 2
#: How long an agency's link works after its due date.
LINK_LIFETIME_AFTER_DUE = dt.timedelta(days=90)


def due_date(partnership: Partnership, sent_at: dt.datetime) -> dt.date:
    return london_date(sent_at) + dt.timedelta(days=partnership.trawl_response_days)


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


def link_expires_at(due: dt.date) -> dt.datetime:
    return end_of(due) + LINK_LIFETIME_AFTER_DUE


def days_taken(sent_at: dt.datetime, returned_at: dt.datetime) -> int:
    """Calendar days from sending to the first return, as London dates (same day = 0)."""
    return (london_date(returned_at) - london_date(sent_at)).days
