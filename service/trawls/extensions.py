"""An agency asks for more time; the officer approves or refuses.

Approval moves the request's due date, its link's expiry and its chaser schedule: the next
chaser is the first working day after the new date, and the chaser count for escalation starts
again. While a request for more time waits, chasers carry on as before.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from mail import queueing, routing
from service import audit, clock
from service.models import (
    Agency,
    ExtensionStatus,
    Partnership,
    TrawlExtension,
    TrawlRequest,
)
from service.trawls import initial, links, messages, schedule

REASON_MAX = 2000


class ExtensionRefused(ValueError):
    """Why the extension cannot be asked for or decided; safe to show. ``field`` names the
    answer it is about (``new_date``, ``reason``), or is None when it is about the request."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def may_ask(trawl_request: TrawlRequest) -> bool:
    """The agency may ask for more time: no return sent yet, and no request for it waiting."""
    return trawl_request.returned_at is None and trawl_request.pending_extension is None


def last_decided(trawl_request: TrawlRequest) -> TrawlExtension | None:
    """The request's last request for more time that the officer has approved or refused."""
    decided = [e for e in trawl_request.extensions if e.status is not ExtensionStatus.REQUESTED]
    return decided[-1] if decided else None


def request(
    session: Session,
    trawl_request: TrawlRequest,
    *,
    new_date: dt.date,
    reason: str,
    client_address: str | None = None,
) -> TrawlExtension:
    """The agency asks to answer by ``new_date``; the DHR officer is told."""
    reason = (reason or "").strip()
    if trawl_request.returned_at is not None:
        raise ExtensionRefused("You have already sent your return")
    if trawl_request.pending_extension is not None:
        raise ExtensionRefused("You have already asked for more time; the DHR officer will reply")
    if new_date <= trawl_request.due_date:
        raise ExtensionRefused("The new date must be after the current due date", field="new_date")
    if not reason:
        raise ExtensionRefused("Enter why you need more time", field="reason")
    if len(reason) > REASON_MAX:
        raise ExtensionRefused(
            f"The reason must be {REASON_MAX} characters or fewer", field="reason"
        )
    ext = TrawlExtension(
        request=trawl_request, requested_date=new_date, reason=reason, requested_at=clock.now()
    )
    session.add(ext)
    trawl_request.last_activity_at = clock.now()
    session.flush()
    case = initial.case_of(session, trawl_request)
    agency = session.get(Agency, trawl_request.agency_id)
    partnership = session.get(Partnership, trawl_request.partnership_id)
    # No DHR officer inbox: the console still shows the request, and the case page says the
    # email was not sent.
    queueing.queue_if_addressed(
        session,
        partnership=partnership,
        purpose=messages.EXTENSION_REQUESTED.name,
        reference=case.reference,
        case_id=case.id,
        context={
            "agency_name": agency.name,
            "due_date": clock.long_date(trawl_request.due_date),
            "requested_date": clock.long_date(new_date),
            "reason": reason,
            "case_id": case.id,
            "referral_id": trawl_request.trawl.referral_id,
        },
    )
    audit.record(
        session,
        "trawl.extension_requested",
        actor=f"agency:{agency.id}",
        partnership_id=trawl_request.partnership_id,
        object_type="trawl_request",
        object_id=trawl_request.id,
        case_id=trawl_request.case_id,
        client_address=client_address,
    )
    return ext


def decide(
    session: Session,
    ext: TrawlExtension,
    *,
    approve: bool,
    actor: str,
    user_id: int | None,
    refusal_reason: str | None = None,
    client_address: str | None = None,
) -> None:
    """Approve or refuse a waiting request for more time; the agency is told either way."""
    now = clock.now()
    done = session.execute(
        update(TrawlExtension)
        .where(TrawlExtension.id == ext.id, TrawlExtension.status == ExtensionStatus.REQUESTED)
        .values(
            status=ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED,
            decided_at=now,
            decided_by=user_id,
            refusal_reason=None if approve else ((refusal_reason or "").strip() or None),
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ExtensionRefused("This request for more time has already been decided")
    session.refresh(ext)
    req = session.get(TrawlRequest, ext.request_id)
    partnership = session.get(Partnership, req.partnership_id)
    if approve:
        req.due_date = ext.requested_date
        req.chasers_this_round = 0
        if req.returned_at is None:
            req.next_chaser_at = schedule.first_chaser_at(partnership, req.due_date)
        links.extend(session, req)
    req.last_activity_at = now
    case = initial.case_of(session, req)
    agency = session.get(Agency, req.agency_id)
    # The decision goes in the agency's language, its dates too.
    language = routing.language(messages.EXTENSION_DECIDED, partnership, agency)
    queueing.queue_if_addressed(
        session,
        partnership=partnership,
        purpose=messages.EXTENSION_DECIDED.name,
        reference=case.reference,
        case_id=case.id,
        agency=agency,
        context={
            "agency_name": agency.name,
            "approved": approve,
            "due_date": clock.long_date(req.due_date, language),
            "requested_date": clock.long_date(ext.requested_date, language),
            "refusal_reason": ext.refusal_reason,
            "link": links.current_url(session, req),
        },
        actor=actor,
    )
    audit.record(
        session,
        "trawl.extension_approved" if approve else "trawl.extension_refused",
        actor=actor,
        partnership_id=req.partnership_id,
        object_type="trawl_request",
        object_id=req.id,
        case_id=req.case_id,
        client_address=client_address,
    )
