"""What the console shows of an IMR request: its status and the IMR template's dates."""

from __future__ import annotations

import datetime as dt

from service.models import ImrRequest
from service.trawls import schedule


def status(request: ImrRequest, now: dt.datetime | None = None) -> dict[str, str]:
    """The request's status, as a GOV.UK tag: awaiting, overdue, chased N times, escalated,
    submitted (version N) or final."""
    latest = request.latest
    if latest is not None:
        if latest.is_final:
            return {"text": f"Final: version {latest.version}", "classes": "govuk-tag--green"}
        return {"text": f"Submitted: version {latest.version}", "classes": "govuk-tag--turquoise"}
    if request.escalated_at is not None:
        return {"text": "Escalated", "classes": "govuk-tag--red"}
    if request.chasers_sent:
        times = "1 time" if request.chasers_sent == 1 else f"{request.chasers_sent} times"
        return {"text": f"Chased {times}", "classes": "govuk-tag--orange"}
    if schedule.is_overdue(request.due_date, now):
        return {"text": "Overdue", "classes": "govuk-tag--red"}
    return {"text": "Awaiting", "classes": "govuk-tag--blue"}
