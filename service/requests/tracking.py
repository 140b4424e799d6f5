"""A request's status on its tracker while the agency has not answered: its email bounced,
escalated, chased N times, overdue or awaiting, as a GOV.UK tag.

Each kind puts its own statuses before these (a trawl request's return or its request for more
time, an IMR's submitted versions) and falls back on ``waiting_status`` for the rest. A request
whose email bounced everywhere it went (``service.requests.bounces``) says so, with the date,
before anything else: the agency never got it, so it is not overdue.
"""

from __future__ import annotations

import datetime as dt

from service.clock import long_date
from service.requests.bounces import Bounced
from service.requests.model import AgencyRequest
from service.requests.schedule import is_overdue


def waiting_status(
    request: AgencyRequest, now: dt.datetime | None = None, bounced: Bounced | None = None
) -> dict[str, str]:
    """The tag of a request with no answer yet, the most pressing first. ``bounced``: what
    bounced of it, if anything did. A tag may carry ``since``: the date the tracker shows with
    it."""
    if bounced is not None and bounced.undelivered:
        return {
            "text": "Email bounced",
            "classes": "govuk-tag--red",
            "since": f"on {long_date(bounced.on)}",
        }
    if request.escalated_at is not None:
        return {"text": "Escalated", "classes": "govuk-tag--red"}
    if request.chasers_sent:
        times = "1 time" if request.chasers_sent == 1 else f"{request.chasers_sent} times"
        return {"text": f"Chased {times}", "classes": "govuk-tag--orange"}
    if is_overdue(request.due_date, now):
        return {"text": "Overdue", "classes": "govuk-tag--red"}
    return {"text": "Awaiting", "classes": "govuk-tag--blue"}
