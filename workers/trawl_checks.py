"""The sweep's trawl check: chasing agencies whose return is overdue.

Each request's next chaser is a column (``next_chaser_at``). A sweep takes chaser n+1 with a
compare-and-set on what it read (``chasers_sent``, ``chasers_this_round``, ``next_chaser_at``,
no return yet), and only the sweep whose update changed the row queues the email, in the same
transaction. So two sweeps at once, a restarted scheduler or an emptied Redis send each chaser
exactly once, and a return or an approved extension that lands meanwhile wins.

When chasers go:

- the first at the partnership's dispatch hour on the first working day after the due date;
- the next ``chaser_interval_working_days`` working days after the sweep that sent the last
  one, at the same hour. It is counted from when the chaser actually went, so a sweep that runs
  late (the machine was off for a week) sends one chaser, not one for every interval missed;
- the second chaser of a round (``schedule.ESCALATE_WITH``) also goes to the agency's
  escalation contact and to the DHR officer. An approved extension starts a new round, so an
  agency that misses its new date too is escalated again; the chaser's own compare-and-set
  makes each escalation happen once;
- never after the first return, and not while the case is closed.

The chaser resends the agency's current link. A link that was revoked or has expired is not
replaced here: revoking is the officer's decision, so the chaser then asks the agency to
contact the DHR officer for a new one. An agency without a secure address gets the
partnership's content-free notice, as the secure-recipient policy decides for every message.
An agency with no address at all is not chased (nothing is claimed, so the chaser goes at the
first sweep after an address is added).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, runtime
from service.models import (
    Agency,
    Case,
    CaseStatus,
    ExtensionStatus,
    Partnership,
    TrawlExtension,
    TrawlRequest,
)
from service.trawls import links, messages, schedule
from service.trawls.sending import long_date
from service.workdays import london_date
from workers.sweep import deadline_check

log = logging.getLogger(__name__)


def _tracker_link(request: TrawlRequest) -> str:
    base = runtime.settings().SERVICE_URL.rstrip("/")
    return f"{base}/console/cases/{request.case_id}/trawls"


def _addressable(purpose: routing.Purpose, partnership: Partnership, agency: Agency) -> bool:
    """True if ``purpose`` has somewhere well-formed to go (secure or not: the policy decides
    what each address gets). Asked before anything is written, so a message that cannot be
    addressed leaves no half-done work to roll back."""
    try:
        for address in routing.recipients(purpose, partnership, agency=agency):
            policy.normalise(address)
    except (routing.RoutingError, policy.InvalidAddress):
        return False
    return True


def _claim_chaser(
    session: Session, request: TrawlRequest, partnership: Partnership, now: datetime
) -> bool:
    """Take chaser ``chasers_sent + 1`` for this sweep; True for the one sweep that did."""
    taken = session.execute(
        update(TrawlRequest)
        .where(
            TrawlRequest.id == request.id,
            TrawlRequest.returned_at.is_(None),
            # Unchanged since this sweep read it: no other sweep sent this chaser, and no
            # approved extension moved the schedule meanwhile.
            TrawlRequest.chasers_sent == request.chasers_sent,
            TrawlRequest.chasers_this_round == request.chasers_this_round,
            TrawlRequest.next_chaser_at == request.next_chaser_at,
        )
        .values(
            chasers_sent=request.chasers_sent + 1,
            chasers_this_round=request.chasers_this_round + 1,
            last_chased_at=now,
            next_chaser_at=schedule.chaser_after(partnership, now),
        )
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


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


def _escalate(
    session: Session,
    request: TrawlRequest,
    *,
    partnership: Partnership,
    case: Case,
    agency: Agency,
    number: int,
    now: datetime,
) -> bool:
    """Tell the agency's escalation contact and the DHR officer; True if either was told."""
    told = {
        "contact": _addressable(messages.ESCALATION, partnership, agency),
        "officer": _addressable(messages.ESCALATION_OFFICER, partnership, agency),
    }
    context = {
        "agency_name": agency.name,
        "case_reference": case.reference,
        "sent_date": long_date(london_date(request.sent_at)),
        "due_date": long_date(request.due_date),
        "chasers_sent": number,
        "sent_to": ", ".join(agency.secure_addresses or ()),
        "escalation_contact": told["contact"],
        "link": _tracker_link(request),
    }
    for key, purpose in (
        ("contact", messages.ESCALATION),
        ("officer", messages.ESCALATION_OFFICER),
    ):
        if not told[key]:
            # No escalation contact for the agency, or no DHR officer inbox: the other one
            # is still told, and the tracker shows the request as overdue either way.
            log.warning(
                "trawl escalation not sent: no address",
                extra={"trawl_request_id": request.id, "purpose": purpose.name},
            )
            continue
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=purpose.name,
            reference=case.reference,
            context=context,
            agency=agency,
        )
    if not any(told.values()):
        return False
    session.execute(
        update(TrawlRequest)
        .where(TrawlRequest.id == request.id)
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        "trawl.escalated",
        partnership_id=request.partnership_id,
        object_type="trawl_request",
        object_id=request.id,
        case_id=request.case_id,
        agency_id=agency.id,
        chaser=number,
        escalation_contact=told["contact"],
        dhr_officer=told["officer"],
    )
    return True


def _chase(session: Session, request: TrawlRequest, now: datetime) -> bool:
    """Send this request's next chaser if this sweep wins it; True if it did."""
    # Fresh from the database: the scheduler's session lives from sweep to sweep, and an
    # officer may have changed an address or an inbox meanwhile.
    partnership = session.get(Partnership, request.partnership_id, populate_existing=True)
    agency = session.get(Agency, request.agency_id, populate_existing=True)
    case = session.get(Case, request.case_id)
    if not _addressable(messages.CHASER, partnership, agency):
        log.warning(
            "trawl chaser not sent: the agency has no email address",
            extra={"trawl_request_id": request.id, "agency_id": agency.id},
        )
        return False
    number = request.chasers_sent + 1
    this_round = request.chasers_this_round + 1
    with session.begin_nested() as savepoint:
        if not _claim_chaser(session, request, partnership, now):
            return False  # another sweep sent it, or a return or an extension got in first
        context = _chaser_context(session, request, case, agency, number)
        try:
            outbox.queue_message(
                session,
                partnership=partnership,
                purpose=messages.CHASER.name,
                reference=case.reference,
                agency=agency,
                context=context,
            )
        except (routing.RoutingError, outbox.MessageRefused):
            # Checked above, so only an address changed under us: give the chaser back.
            log.warning(
                "trawl chaser not sent: no usable address",
                extra={"trawl_request_id": request.id, "agency_id": agency.id},
            )
            savepoint.rollback()
            return False
        audit.record(
            session,
            "trawl.chaser_sent",
            partnership_id=request.partnership_id,
            object_type="trawl_request",
            object_id=request.id,
            case_id=request.case_id,
            agency_id=agency.id,
            chaser=number,
            with_link=context["link"] is not None and not request.link_withheld,
        )
        if this_round == schedule.ESCALATE_WITH:
            _escalate(
                session, request, partnership=partnership, case=case, agency=agency,
                number=number, now=now,
            )  # fmt: skip
    return True


@deadline_check("trawl chasers")
def send_chasers(session: Session, now: datetime) -> int:
    """Chase every request past its next chaser time without a return; the chasers sent."""
    due = session.scalars(
        select(TrawlRequest)
        .join(Case, Case.id == TrawlRequest.case_id)
        .where(
            TrawlRequest.returned_at.is_(None),
            TrawlRequest.next_chaser_at.is_not(None),
            TrawlRequest.next_chaser_at <= now,
            Case.status == CaseStatus.OPEN,
        )
        .order_by(TrawlRequest.next_chaser_at, TrawlRequest.id)
        # The compare-and-set needs the values as they are now, not as an earlier sweep in
        # this long-lived session left them in its identity map.
        .execution_options(populate_existing=True)
    ).all()
    return sum(1 for request in due if _chase(session, request, now))
