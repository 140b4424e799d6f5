"""The chaser engine for every kind of request to an agency (a trawl request, an IMR request):
chasing it once it is overdue, and escalating with the second chaser of a round.

A request's next chaser is a column (``next_chaser_at``). A sweep takes chaser n+1 with a
compare-and-set on what it read (``chasers_sent``, ``chasers_this_round``, ``next_chaser_at``,
nothing returned yet), and only the sweep whose update changed the row queues the email, in the
same transaction. So two sweeps at once, a restarted scheduler or an emptied Redis send each
chaser exactly once, and an answer (or a moved due date) that lands meanwhile wins.

When chasers go:

- the first at the partnership's dispatch hour on the first working day after the due date
  (the feature sets ``next_chaser_at`` with the kind's ``first_chaser_at`` when it sends the
  request);
- the next at the kind's ``chaser_after`` the sweep that sent the last one (by default
  ``chaser_interval_working_days`` working days later, at the same hour). It is counted from
  when the chaser actually went, so a sweep that runs late (the machine was off for a week)
  sends one chaser, not one for every interval missed;
- the second chaser of a round (the kind's ``escalate_with``) also goes to the agency's
  escalation contact and to the DHR officer. Moving the due date starts a new round
  (``chasers_this_round`` back to 0); the chaser's own compare-and-set makes each escalation
  happen once;
- never after the first answer (``returned_at``), and not while the case is closed;
- not to an address where the request or an earlier chaser bounced, and not at all while the
  agency has none left that the request reached (``service.requests.bounces``): the chaser
  waits until the officer sends the request again to a corrected address, which sets its
  schedule anew (``service.requests.resending``).

An agency without a secure address gets the partnership's content-free notice, as the
secure-recipient policy decides for every message. An agency with no address at all is not
chased (nothing is claimed, so the chaser goes at the first sweep after an address is added).

Each feature describes its requests with a ``RequestKind`` (service.requests.kinds): the
model, the message purposes, what its chaser email says, its intervals and where the officer's
tracker is. This is the only module that claims chasers.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit
from service.clock import long_date
from service.models import Agency, Case, CaseStatus, Partnership
from service.requests import bounces
from service.requests.kinds import RequestKind
from service.workdays import london_date

log = logging.getLogger(__name__)


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


def _claim(
    kind: RequestKind, session: Session, request: Any, partnership: Partnership, now: datetime
) -> bool:
    """Take chaser ``chasers_sent + 1`` for this sweep; True for the one sweep that did."""
    model = kind.model
    taken = session.execute(
        update(model)
        .where(
            model.id == request.id,
            model.returned_at.is_(None),
            # Unchanged since this sweep read it: no other sweep sent this chaser, and nothing
            # moved the schedule meanwhile.
            model.chasers_sent == request.chasers_sent,
            model.chasers_this_round == request.chasers_this_round,
            model.next_chaser_at == request.next_chaser_at,
        )
        .values(
            chasers_sent=request.chasers_sent + 1,
            chasers_this_round=request.chasers_this_round + 1,
            last_chased_at=now,
            next_chaser_at=kind.chaser_after(partnership, now),
        )
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _escalate(
    kind: RequestKind,
    session: Session,
    request: Any,
    *,
    partnership: Partnership,
    case: Case,
    agency: Agency,
    number: int,
    now: datetime,
) -> bool:
    """Tell the agency's escalation contact and the DHR officer; True if either was told."""
    told = {
        "contact": _addressable(kind.escalation, partnership, agency),
        "officer": _addressable(kind.escalation_officer, partnership, agency),
    }

    def context(purpose: routing.Purpose) -> dict[str, Any]:
        # The dates in the email's own language: the agency's, for one written in Welsh too.
        language = routing.language(purpose, partnership, agency)
        return {
            "agency_name": agency.name,
            "case_reference": case.reference,
            "sent_date": long_date(london_date(request.sent_at), language),
            "due_date": long_date(request.due_date, language),
            "chasers_sent": number,
            "sent_to": ", ".join(agency.secure_addresses or ()),
            "escalation_contact": told["contact"],
            "link": kind.tracker_link(request),
        }

    for key, purpose in (("contact", kind.escalation), ("officer", kind.escalation_officer)):
        if not told[key]:
            # No escalation contact for the agency, or no DHR officer inbox: the other one
            # is still told, and the tracker shows the request as overdue either way.
            log.warning(
                f"{kind.name} escalation not sent: no address",
                extra={kind.log_key: request.id, "purpose": purpose.name},
            )
            continue
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=purpose.name,
            reference=case.reference,
            context=context(purpose),
            agency=agency,
        )
    if not any(told.values()):
        return False
    session.execute(
        update(kind.model)
        .where(kind.model.id == request.id)
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        kind.escalation_action,
        partnership_id=request.partnership_id,
        object_type=kind.object_type,
        object_id=request.id,
        case_id=request.case_id,
        agency_id=agency.id,
        chaser=number,
        escalation_contact=told["contact"],
        dhr_officer=told["officer"],
    )
    return True


def chase(kind: RequestKind, session: Session, request: Any, now: datetime) -> bool:
    """Send this request's next chaser if this sweep wins it; True if it did."""
    partnership = session.get(Partnership, request.partnership_id)
    agency = kind.recipient(session, request)
    case = kind.case_of(session, request)
    bounced = bounces.of(session, kind, request)
    addressed = bounces.without_dead(agency, bounced)
    if bounced is not None and not addressed.secure_addresses:
        log.info(
            f"{kind.name} chaser waits: the request bounced at every address of the agency",
            extra={kind.log_key: request.id, "agency_id": agency.id},
        )
        return False
    if not _addressable(kind.chaser, partnership, addressed):
        log.warning(
            f"{kind.name} chaser not sent: the agency has no email address",
            extra={kind.log_key: request.id, "agency_id": agency.id},
        )
        return False
    number = request.chasers_sent + 1
    this_round = request.chasers_this_round + 1
    with session.begin_nested() as savepoint:
        if not _claim(kind, session, request, partnership, now):
            return False  # another sweep sent it, or an answer or a new date got in first
        context = kind.chaser_context(session, request, case, agency, number)
        try:
            queued = outbox.queue_message(
                session,
                partnership=partnership,
                purpose=kind.chaser.name,
                reference=case.reference,
                agency=addressed,
                context=context,
            )
        except (routing.RoutingError, outbox.MessageRefused):
            # Checked above, so only an address changed under us: give the chaser back.
            log.warning(
                f"{kind.name} chaser not sent: no usable address",
                extra={kind.log_key: request.id, "agency_id": agency.id},
            )
            savepoint.rollback()
            return False
        bounces.record(session, kind, request, queued)
        audit.record(
            session,
            kind.chaser_action,
            partnership_id=request.partnership_id,
            object_type=kind.object_type,
            object_id=request.id,
            case_id=request.case_id,
            agency_id=agency.id,
            chaser=number,
            with_link=context.get("link") is not None and not request.link_withheld,
        )
        if this_round == kind.escalate_with:
            _escalate(
                kind, session, request, partnership=partnership, case=case, agency=addressed,
                number=number, now=now,
            )  # fmt: skip
    return True


def send_due(kind: RequestKind, session: Session, now: datetime) -> int:
    """Chase every request of this kind past its next chaser time with no answer yet; the
    chasers sent."""
    model = kind.model
    waiting = (
        model.returned_at.is_(None),
        model.next_chaser_at.is_not(None),
        model.next_chaser_at <= now,
        ~bounces.undelivered(kind),
    )
    # Two reads, not one with an OR: the requests of open cases are found from the open cases
    # (the index on the case's status, then the one on the request's case: closed cases'
    # requests, however many, are never read, whatever a planner guesses of how many cases are
    # open), and a request with no case yet (an initial information request) through the
    # index on its case.
    open_cases = select(Case.id).where(Case.status == CaseStatus.OPEN)
    of_open_cases = select(model).where(model.case_id.in_(open_cases), *waiting)
    without_case = select(model).where(model.case_id.is_(None), *waiting)
    due = sorted(
        {*session.scalars(of_open_cases), *session.scalars(without_case)},
        key=lambda request: (request.next_chaser_at, request.id),
    )
    return sum(1 for request in due if chase(kind, session, request, now))
