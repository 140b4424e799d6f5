"""Queueing a message that may have nobody to go to.

Some messages are courtesies the work does not wait for: the officer told that a return has
come in, the agency thanked for it. When such a message cannot be addressed (the partnership has
no inbox of that kind, the agency no address), the work is kept all the same, but never in
silence: the attempt is rolled back to a savepoint, an audit event on the case records what was
not sent and why, a warning is logged, and the case page lists it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import outbox, routing
from service import audit
from service.models import AuditEvent

if TYPE_CHECKING:
    from service.models import Message, Partnership

log = logging.getLogger(__name__)

#: The audit action of a message that was not sent because it could not be addressed.
NOT_SENT = "message.not_sent"

_INBOX_NAMES = {
    "referrals": "referrals",
    "dhr_officer": "DHR officer",
    "chair": "chair",
}


def queue_if_addressed(
    session: Session,
    *,
    partnership: Partnership,
    purpose: str,
    reference: str,
    case_id: int | None,
    actor: str = "system",
    **message: Any,
) -> list[Message]:
    """Queue the message as ``outbox.queue_message`` does, or record why it cannot be.

    Returns the queued rows, or an empty list when the message could not be addressed; the
    caller's other work in the transaction stands either way.
    """
    try:
        with session.begin_nested():
            return outbox.queue_message(
                session,
                partnership=partnership,
                purpose=purpose,
                reference=reference,
                actor=actor,
                **message,
            )
    except (routing.RoutingError, outbox.MessageRefused) as exc:
        reason = reason_for(purpose, exc)
        audit.record(
            session,
            NOT_SENT,
            actor=actor,
            partnership_id=partnership.id,
            object_type="case" if case_id is not None else None,
            object_id=case_id,
            case_id=case_id,
            purpose=purpose,
            reference=reference,
            reason=reason,
        )
        log.warning(
            "message not sent: it cannot be addressed",
            extra={
                "purpose": purpose,
                "reference": reference,
                "case_id": case_id,
                "partnership_id": partnership.id,
                "reason": reason,
            },
        )
        return []


def reason_for(purpose: str, exc: Exception) -> str:
    """Why a message could not be queued, in words for the case page (never an address)."""
    entry = routing.PURPOSES.get(purpose)
    if entry is None or not isinstance(exc, routing.NoRecipients):
        # Both errors carry fixed wording that is safe to show.
        return str(exc)
    if entry.audience.startswith("inbox:"):
        name = _INBOX_NAMES.get(entry.audience[6:], entry.audience[6:])
        return f"The partnership has no {name} inbox configured"
    if entry.audience == "agency":
        return "The agency has no secure address configured"
    if entry.audience == "agency_escalation":
        return "The agency has no escalation contact configured"
    return "No address was given"


def purpose_label(purpose: str) -> str:
    """A message's subject wording and who it was for: ``Trawl return received, to the agency``."""
    entry = routing.PURPOSES.get(purpose)
    if entry is None:
        return purpose
    if entry.audience.startswith("inbox:"):
        name = _INBOX_NAMES.get(entry.audience[6:], entry.audience[6:])
        audience = f"the {name} inbox"
    elif entry.audience == "agency":
        audience = "the agency"
    elif entry.audience == "agency_escalation":
        audience = "the agency's escalation contact"
    else:
        audience = "the person it was addressed to"
    return f"{entry.title}, to {audience}"


@dataclass(frozen=True)
class NotSent:
    """A message the case's work did not send, for the case page."""

    at: datetime
    purpose: str
    label: str
    reason: str


def not_sent_for_case(session: Session, case_id: int) -> list[NotSent]:
    """Every message not sent for ``case_id`` because it could not be addressed, oldest first."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.action == NOT_SENT)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        NotSent(
            at=event.at,
            purpose=str(event.detail.get("purpose", "")),
            label=purpose_label(str(event.detail.get("purpose", ""))),
            reason=str(event.detail.get("reason", "")),
        )
        for event in events
    ]
