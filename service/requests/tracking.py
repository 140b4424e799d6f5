"""A request's status on its tracker while the agency has not answered: escalated, chased N
times, overdue or awaiting, as a GOV.UK tag.

Each kind puts its own statuses before these (a trawl request's return or its request for more
time, an IMR's submitted versions) and falls back on ``waiting_status`` for the rest.
"""

from __future__ import annotations

import datetime as dt

from service.requests.model import AgencyRequest
from service.requests.schedule import is_overdue


def waiting_status(request: AgencyRequest, now: dt.datetime | None = None) -> dict[str, str]:
    """The tag of a request with no answer yet, the most pressing first."""
    if request.escalated_at is not None:
        return {"text": "Escalated", "classes": "govuk-tag--red"}
    if request.chasers_sent:
        times = "1 time" if request.chasers_sent == 1 else f"{request.chasers_sent} times"
        return {"text": f"Chased {times}", "classes": "govuk-tag--orange"}
    if is_overdue(request.due_date, now):
        return {"text": "Overdue", "classes": "govuk-tag--red"}
    return {"text": "Awaiting", "classes": "govuk-tag--blue"}
