"""Sending a request again once the officer has corrected the agency's address.

A request whose email (or chaser) bounced everywhere it went waits (``service.requests.bounces``).
When the agency then has an address the request has never been queued for, ``waiting`` lists
it; ``send_again`` sends the request email to those new addresses only, with the request's
current link (a new one only if it has none that works: one revoked or expired), and sets its
chasers anew in the same transaction, and marks its bounces dealt with (they leave the
dashboard's "Emails that could not be delivered"):

- the due date restarts, if the officer chooses: the kind's ``restart_due`` from today, the
  request counted as sent today, its link's life moved with the new date;
- or it stays, and the first chaser goes at the later of its usual time after the due date and
  one chaser interval from now, so an agency that has only just got the request is not chased
  the next morning.

Either way a new round of chasers starts (the agency never got the earlier ones). Each request
is taken with a compare-and-set on what was read, so two officers confirming at once send it
once. Every request sent again is audited (``<kind>.sent_again``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from mail.bounces import undelivered
from service import audit, clock
from service.models import Agency, Case, CaseStatus, Partnership
from service.requests import bounces, delivery, kinds
from service.requests.kinds import RequestKind


@dataclass(frozen=True)
class Waiting:
    """One request to the agency that bounced and can now go to a corrected address."""

    kind: RequestKind
    request: Any
    case: Any  # its case, or what stands for one (``RequestKind.case_of``)
    bounced: bounces.Bounced
    to: list[str]  # the agency's addresses the request has never been queued for
    restarted_due: dt.date  # its due date if the officer restarts it today


def waiting(session: Session, agency: Agency, now: dt.datetime | None = None) -> list[Waiting]:
    """The agency's open requests (no answer yet, case open) that bounced and that have a new
    address to go to, of every registered kind."""
    now = now or clock.now()
    partnership = session.get(Partnership, agency.partnership_id)
    found = []
    for kind in kinds.registered():
        model = kind.model
        rows = list(
            session.scalars(
                select(model)
                .outerjoin(Case, Case.id == model.case_id)
                .where(
                    model.agency_id == agency.id,
                    model.returned_at.is_(None),
                    # As the chasers: a request with no case yet waits for its answer too.
                    or_(Case.status == CaseStatus.OPEN, model.case_id.is_(None)),
                    bounces.undelivered(kind),
                )
                .order_by(model.id)
            )
        )
        states = bounces.states(session, kind, rows)
        for request in rows:
            if request.id not in states:
                continue
            gone_to = bounces.tried(session, kind, request)
            new = [a for a in agency.secure_addresses or () if a.strip().lower() not in gone_to]
            if new:
                found.append(
                    Waiting(
                        kind,
                        request,
                        kind.case_of(session, request),
                        states[request.id],
                        new,
                        kind.restart_due(partnership, request, now),
                    )
                )
    return found


def _reschedule(
    session: Session,
    kind: RequestKind,
    request: Any,
    partnership: Partnership,
    *,
    restart: bool,
    now: dt.datetime,
) -> bool:
    """Set the request's schedule anew, if nothing moved it since it was read."""
    model = kind.model
    if restart:
        due = kind.restart_due(partnership, request, now)
        values: dict[str, Any] = {
            "due_date": due,
            "sent_at": now,
            "next_chaser_at": kind.first_chaser_at(partnership, due),
        }
    else:
        values = {
            "next_chaser_at": max(
                kind.first_chaser_at(partnership, request.due_date),
                kind.chaser_after(partnership, now),
            )
        }
    taken = session.execute(
        update(model)
        .where(
            model.id == request.id,
            model.returned_at.is_(None),
            model.due_date == request.due_date,
            model.chasers_sent == request.chasers_sent,
            model.chasers_this_round == request.chasers_this_round,
            model.next_chaser_at.is_(None)
            if request.next_chaser_at is None
            else model.next_chaser_at == request.next_chaser_at,
        )
        .values(chasers_this_round=0, last_activity_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return False
    session.refresh(request)
    if restart:
        token = kind.links.current(session, request)
        if token is not None:
            token.expires_at = max(clock.as_utc(token.expires_at), kind.links.expires(request))
    return True


def send_again(
    session: Session,
    agency: Agency,
    *,
    restart: bool,
    actor: str,
    client_address: str | None = None,
) -> list[Waiting]:
    """Send each waiting request again to the agency's new addresses; the ones sent."""
    now = clock.now()
    partnership = session.get(Partnership, agency.partnership_id)
    sent = []
    for item in waiting(session, agency, now):
        request, kind = item.request, item.kind
        if not _reschedule(session, kind, request, partnership, restart=restart, now=now):
            continue  # sent again by someone else meanwhile, or answered
        request.link_withheld = not delivery.has_secure_address(
            partnership, bounces.only(agency, item.to)
        )
        delivery.deliver_request(
            kind, session, request, partnership=partnership, case=item.case, actor=actor,
            new_link=False, to=item.to,
        )  # fmt: skip
        # Dealt with: the dashboard's "Emails that could not be delivered" no longer lists them.
        for waiting_bounce in bounces.waiting_bounces(session, kind, request):
            with contextlib.suppress(undelivered.NotWaiting):  # another officer marked it
                undelivered.deal_with(
                    session, waiting_bounce, actor=actor, client_address=client_address
                )
        audit.record(
            session,
            f"{kind.name}.sent_again",
            actor=actor,
            partnership_id=request.partnership_id,
            object_type=kind.object_type,
            object_id=request.id,
            case_id=request.case_id,
            agency_id=agency.id,
            client_address=client_address,
            due_date_restarted=restart,
            due_date=request.due_date.isoformat(),
            addresses=len(item.to),
        )
        sent.append(item)
    return sent
