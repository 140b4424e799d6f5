"""Consent requests whose email bounced, and sending it again to a corrected address.

A request sent by email is shown as bounced (on the case's consent page and the request's own)
when its email to the address the family gave could not be delivered and has not been sent
again. Correcting the address changes the request's address and sends that same email (the
same link: ``mail.bounces.resend``) to the new one; audited.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mail.bounces import resend
from service import audit
from service.consent import messages
from service.consent.requests import RequestRefused
from service.models import Case, ConsentDelivery, ConsentRequest, Message

NOTHING_WAITING = "No email to this family member is waiting to be sent again"


def waiting(session: Session, case: Case, request: ConsentRequest) -> list[resend.Bounced]:
    """The request's emails that bounced and have not been sent again, oldest first."""
    if request.delivery is not ConsentDelivery.EMAIL or not request.email:
        return []
    ids = list(
        session.scalars(
            select(Message.id).where(
                Message.partnership_id == request.partnership_id,
                Message.purpose == messages.REQUEST.name,
                Message.reference == case.reference,
                func.lower(Message.recipient) == request.email.lower(),
            )
        )
    )
    found = resend.bounced(session, ids)
    return sorted(
        (b for b in found.values() if b.resent is None), key=lambda b: (b.bounced_at, b.message.id)
    )


def bounced_requests(
    session: Session, case: Case, listed: list[ConsentRequest]
) -> dict[int, resend.Bounced]:
    """For the consent pages: each listed request's latest bounce still waiting, by id."""
    found = {}
    for request in listed:
        if items := waiting(session, case, request):
            found[request.id] = items[-1]
    return found


def correct_address(
    session: Session,
    case: Case,
    request: ConsentRequest,
    raw: str,
    *,
    actor: str,
    client_address: str | None = None,
) -> list[Message]:
    """Change the request's address and send its bounced email again to it. RequestRefused
    (with nothing changed) for a malformed or the same address, or nothing to send again."""
    bounced = waiting(session, case, request)
    if not bounced:
        raise RequestRefused(NOTHING_WAITING)
    sent = []
    for item in bounced:
        try:
            sent.append(
                resend.send_again(
                    session,
                    item.message,
                    raw,
                    actor=actor,
                    client_address=client_address,
                    case_id=case.id,
                )
            )
        except resend.Refused as exc:
            raise RequestRefused(str(exc)) from None
    old_domain = (request.email or "").rsplit("@", 1)[-1]
    request.email = sent[0].recipient
    audit.record(
        session,
        "consent.address_corrected",
        actor=actor,
        partnership_id=request.partnership_id,
        object_type="consent_request",
        object_id=request.id,
        case_id=case.id,
        client_address=client_address,
        old_domain=old_domain,
        sent_again=[m.id for m in sent],
    )
    return sent
