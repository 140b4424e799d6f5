"""The sweep's IMR check: chasing agencies whose Individual Management Review is overdue.

The engine is ``workers.chasers``, as for the trawl: the first chaser on the first working day
after the due date, then every ``chaser_interval_working_days`` working days, the second also
escalating to the agency's escalation contact and the DHR officer; each exactly once, and none
after the first submission. The chaser resends the agency's current link; a revoked or expired
one is not replaced here (the officer sends a new link from the console).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service import runtime
from service.clock import long_date
from service.imrs import links, messages
from service.models import Agency, Case, ImrRequest
from service.workdays import london_date
from workers import chasers
from workers.sweep import deadline_check


def _tracker_link(request: ImrRequest) -> str:
    base = runtime.settings().SERVICE_URL.rstrip("/")
    return f"{base}/console/imr-requests/{request.id}"


def _chaser_context(
    session: Session, request: ImrRequest, case: Case, agency: Agency, number: int
) -> dict:
    return {
        "agency_name": agency.name,
        "case_reference": case.reference,
        "sent_date": long_date(london_date(request.sent_at)),
        "due_date": long_date(request.due_date),
        "link": links.current_url(session, request),
        "chaser_number": number,
    }


IMR = chasers.Chasing(
    name="imr",
    model=ImrRequest,
    object_type="imr_request",
    chaser=messages.CHASER,
    escalation=messages.ESCALATION,
    escalation_officer=messages.ESCALATION_OFFICER,
    chaser_context=_chaser_context,
    tracker_link=_tracker_link,
)


@deadline_check("imr chasers")
def send_chasers(session: Session, now: datetime) -> int:
    """Chase every IMR request past its next chaser time with nothing submitted; the chasers
    sent."""
    return chasers.send_due(IMR, session, now)
