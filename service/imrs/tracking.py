"""What the console shows of an IMR request: its status and the IMR template's dates."""

from __future__ import annotations

import datetime as dt

from service.models import ImrRequest
from service.requests.bounces import Bounced
from service.requests.tracking import waiting_status


def status(
    request: ImrRequest, now: dt.datetime | None = None, bounced: Bounced | None = None
) -> dict[str, str]:
    """The request's status, as a GOV.UK tag: submitted (version N) or final, else as every
    request waiting for its answer (``service.requests.tracking``; ``bounced``: what bounced
    of it)."""
    latest = request.latest
    if latest is not None:
        if latest.is_final:
            return {"text": f"Final: version {latest.version}", "classes": "govuk-tag--green"}
        return {"text": f"Submitted: version {latest.version}", "classes": "govuk-tag--turquoise"}
    return waiting_status(request, now, bounced)
