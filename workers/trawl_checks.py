"""The sweep's trawl check: chasing agencies whose trawl return is overdue.

The engine is ``workers.chasers`` (each chaser and escalation exactly once, on working days);
this module says what a trawl's chasers say. The first chaser goes on the first working day
after the due date, and the second of a round escalates to the agency's escalation contact and
the DHR officer. An approved extension starts a new round, so an agency that misses its new
date too is escalated again.

The chaser resends the agency's current link. A link that was revoked or has expired is not
replaced here: revoking is the officer's decision, so the chaser then asks the agency to
contact the DHR officer for a new one. While the agency's request for more time waits for the
officer, the chaser says so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import runtime
from service.clock import long_date
from service.models import Agency, Case, ExtensionStatus, TrawlExtension, TrawlRequest
from service.trawls import links, messages
from service.workdays import london_date
from workers import chasers
from workers.sweep import deadline_check


def _tracker_link(request: TrawlRequest) -> str:
    base = runtime.settings().SERVICE_URL.rstrip("/")
    return f"{base}/console/cases/{request.case_id}/trawls"


def _extension_waiting(session: Session, request: TrawlRequest) -> bool:
    return (
        session.scalar(
            select(TrawlExtension.id)
            .where(
                TrawlExtension.request_id == request.id,
                TrawlExtension.status == ExtensionStatus.REQUESTED,
            )
            .limit(1)
        )
        is not None
    )


def _chaser_context(
    session: Session, request: TrawlRequest, case: Case, agency: Agency, number: int
) -> dict:
    return {
        "agency_name": agency.name,
        "case_reference": case.reference,
        "sent_date": long_date(london_date(request.sent_at)),
        "due_date": long_date(request.due_date),
        "link": links.current_url(session, request),
        "extension_requested": _extension_waiting(session, request),
        "chaser_number": number,
    }


TRAWL = chasers.Chasing(
    name="trawl",
    model=TrawlRequest,
    object_type="trawl_request",
    chaser=messages.CHASER,
    escalation=messages.ESCALATION,
    escalation_officer=messages.ESCALATION_OFFICER,
    chaser_context=_chaser_context,
    tracker_link=_tracker_link,
)


def _chase(session: Session, request: TrawlRequest, now: datetime) -> bool:
    """Send this request's next chaser if this sweep wins it; True if it did."""
    return chasers.chase(TRAWL, session, request, now)


@deadline_check("trawl chasers")
def send_chasers(session: Session, now: datetime) -> int:
    """Chase every request past its next chaser time without a return; the chasers sent."""
    return chasers.send_due(TRAWL, session, now)
