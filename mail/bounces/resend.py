"""Sending a bounced message again, with the same content, to a corrected address.

``send_again`` writes a new outbox row for the new address: the bounced message's subject,
bodies (its live links stored as they were, so the same links are put back on the way out:
``mail.links``), attachments (the same stored bytes) and purpose, under a new Message-ID. The
secure-recipient policy is applied to the new address: a message with case content
(``sensitive``), or one the caller says must stay on secure addresses, goes only to an address
on the partnership's secure domains, and is otherwise refused with a reason to show. The
bounced message's bounces are marked dealt with (it leaves the dashboard), which message
replaced it is kept (``MessageResend``), and both are audited, all in the caller's transaction.

A message is sent again once: the unique ``MessageResend.original_id``, written in a savepoint
with the new row, keeps two officers confirming at once from sending it twice (the second is
refused, with nothing queued).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mail import policy
from mail.handover import after_commit
from service import audit, clock, runtime
from service.models import (
    BounceKind,
    Message,
    MessageAttachment,
    MessageBounce,
    MessageResend,
    MessageStatus,
    Partnership,
)
from service.models.types import new_id

FORMAT = "Enter an email address in the correct format, like name@example.com"
SAME = "Enter a different address: the email could not be delivered to this one"


class Refused(ValueError):
    """The message cannot be sent again to that address; the reason is safe to show."""


@dataclass(frozen=True)
class Bounced:
    """A bounced message, where it is listed: when it bounced, and whether it went again."""

    message: Message
    bounced_at: datetime
    resent: MessageResend | None


def bounced(session: Session, message_ids: list[str]) -> dict[str, Bounced]:
    """The messages among ``message_ids`` that bounced, by id, each with its latest bounce."""
    if not message_ids:
        return {}
    found: dict[str, Bounced] = {}
    rows = session.execute(
        select(MessageBounce, Message)
        .join(Message, Message.id == MessageBounce.message_id)
        .where(
            MessageBounce.message_id.in_(message_ids),
            MessageBounce.kind == BounceKind.BOUNCED,
            Message.status == MessageStatus.BOUNCED,
        )
        .order_by(MessageBounce.reported_at)
    )
    for bounce, message in rows:
        found[message.id] = Bounced(message, bounce.reported_at, None)
    if found:
        resends = session.scalars(
            select(MessageResend).where(MessageResend.original_id.in_(list(found)))
        )
        for resend in resends:
            item = found[resend.original_id]
            found[resend.original_id] = Bounced(item.message, item.bounced_at, resend)
    return found


def check_address(
    partnership: Partnership, message: Message, raw: str, *, secure_only: bool = False
) -> str:
    """The corrected address, normalised, if ``message`` may go to it; else ``Refused``."""
    try:
        address = policy.normalise(raw or "")
    except policy.InvalidAddress:
        raise Refused(FORMAT) from None
    if address.casefold() == (message.recipient or "").casefold():
        raise Refused(SAME)
    if (secure_only or message.sensitive) and not policy.is_secure(partnership, address):
        domains = ", ".join(partnership.secure_domains or ()) or "none are set"
        raise Refused(
            f"{address} is not a secure address: this email can only go to addresses on the "
            f"partnership’s secure domains ({domains})"
        )
    return address


def send_again(
    session: Session,
    message: Message,
    raw_address: str,
    *,
    actor: str,
    client_address: str | None = None,
    case_id: int | None = None,
    secure_only: bool = False,
) -> Message:
    """Queue ``message``'s content to the corrected address; the new outbox row."""
    partnership = session.get(Partnership, message.partnership_id)
    if partnership is None:
        raise Refused("This email belongs to no partnership")
    if message.status is not MessageStatus.BOUNCED:
        raise Refused("Only an email that could not be delivered can be sent again")
    if message.content_purged_at is not None:
        raise Refused("This email’s content has been deleted under the retention schedule")
    if session.scalar(select(MessageResend.id).where(MessageResend.original_id == message.id)):
        raise Refused("This email has already been sent again")
    address = check_address(partnership, message, raw_address, secure_only=secure_only)
    now = clock.now()
    copy = Message(
        id=new_id(),
        partnership_id=message.partnership_id,
        purpose=message.purpose,
        reference=message.reference,
        recipient=address,
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        live_links=[dict(link) for link in message.live_links] if message.live_links else None,
        sensitive=message.sensitive,
        policy=policy.decide(partnership, address, sensitive=message.sensitive).decision.value,
        status=MessageStatus.QUEUED,
        enqueued_at=now,
        created_at=now,
    )
    copy.message_id_header = f"<{copy.id}@{runtime.settings().MESSAGE_ID_DOMAIN}>"
    copy.attachments = [
        MessageAttachment(
            position=a.position,
            filename=a.filename,
            content_type=a.content_type,
            sha256=a.sha256,
            size=a.size,
        )
        for a in message.attachments
    ]
    try:
        with session.begin_nested():
            session.add(copy)
            session.flush()
            session.add(
                MessageResend(
                    partnership_id=message.partnership_id,
                    original_id=message.id,
                    message_id=copy.id,
                    actor=actor[:128],
                    created_at=now,
                )
            )
            session.flush()  # the unique original_id: a second officer at once stops here
    except IntegrityError:
        raise Refused("This email has already been sent again") from None
    # The bounces of the message are dealt with by this: it leaves the dashboard.
    session.execute(
        update(MessageBounce)
        .where(MessageBounce.message_id == message.id, MessageBounce.dealt_with_at.is_(None))
        .values(dealt_with_at=now, dealt_with_by=actor[:128])
        .execution_options(synchronize_session=False)
    )
    common = {
        "actor": actor,
        "partnership_id": message.partnership_id,
        "object_type": "message",
        "client_address": client_address,
        "case_id": case_id,
    }
    audit.record(
        session,
        "message.queued",
        object_id=copy.id,
        purpose=copy.purpose,
        reference=copy.reference,
        policy=copy.policy,
        **common,
    )
    audit.record(
        session,
        "message.sent_again",
        object_id=message.id,
        message=copy.id,
        purpose=message.purpose,
        reference=message.reference,
        **common,
    )
    after_commit(session, [copy.id])
    return copy
