"""When trawl returns are due and when chasers go, in the partnership's working days.

A trawl request is due on the date it was sent plus the partnership's trawl response days (14
by default); its link works until 90 days after that. When it is overdue and when its chasers
go are the rules every request to an agency follows (``service.requests.schedule``): the first
chaser on the first working day after the due date, then every
``chaser_interval_working_days`` working days; the second of a round also tells the agency's
escalation contact and the DHR officer.
"""

from __future__ import annotations

import datetime as dt

from service.models import Partnership
from service.requests.schedule import (
    ESCALATE_WITH,
    chaser_after,
    days_taken,
    first_chaser_at,
    is_overdue,
)
from service.workdays import end_of, london_date

__all__ = [
    "ESCALATE_WITH",
    "LINK_LIFETIME_AFTER_DUE",
    "chaser_after",
    "days_taken",
    "due_date",
    "first_chaser_at",
    "is_overdue",
    "link_expires_at",
]

#: How long an agency's link works after its due date.
LINK_LIFETIME_AFTER_DUE = dt.timedelta(days=90)


def due_date(partnership: Partnership, sent_at: dt.datetime) -> dt.date:
    return london_date(sent_at) + dt.timedelta(days=partnership.trawl_response_days)


def link_expires_at(due: dt.date) -> dt.datetime:
    return end_of(due) + LINK_LIFETIME_AFTER_DUE
