"""Held and failed messages, as the officer deals with them: release (asking the policy again)
or cancel. Status changes guarded by the status they expect, like the rest of ``mail.outbox``,
which these belong to (``outbox.release``, ``outbox.cancel``)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from mail import links as live_links
from mail import policy, render, routing
from mail.handover import after_commit
from mail.outbox import MessageRefused, _current, _not_now
from service import audit, clock, db, runtime
from service.models import Message, MessageAttachment, MessageStatus, Partnership

log = logging.getLogger(__name__)


def release(
    session: Session, message_id: str, *, actor: str, client_address: str | None = None
) -> Message:
    """held → queued, by the officer.

    The policy is asked again, since the allowlist may have changed while the message was held:
    an address that is now secure gets the message as written; any other address gets the
    content-free notice instead, and the attachments are deleted. Sensitive content is never
    released to an address outside the allowlist.
    """
    message = _current(session, message_id)
    if message.status is not MessageStatus.HELD:
        raise _not_now(message, "released", "held")
    partnership = (
        session.get(
            Partnership,
            message.partnership_id,
            populate_existing=True,
            with_for_update=db.NO_KEY_UPDATE,
        )
        if message.partnership_id is not None
        else None
    )
    if partnership is None:
        raise MessageRefused("This message belongs to no partnership, so it cannot be released.")
    try:
        verdict = policy.decide(partnership, message.recipient, sensitive=message.sensitive)
    except policy.InvalidAddress as exc:
        raise MessageRefused(f"This message cannot be released: {exc}.") from exc
    now = clock.now()
    values: dict[str, Any] = {
        "status": MessageStatus.QUEUED,
        "next_attempt_at": None,
        "enqueued_at": now,
        "updated_at": now,
    }
    as_content = verdict.decision is policy.Decision.SECURE
    if as_content:
        values["policy"] = policy.Decision.SECURE.value
    else:
        notice_text, notice_html = render.render(
            routing.NOTICE.template,
            {
                "partnership": partnership,
                "reference": message.reference,
                "service_url": runtime.settings().SERVICE_URL,
            },
        )
        notice_text, notice_html, notice_links = live_links.redact_bodies(
            notice_text, notice_html, live_links.lookup_in(session)
        )
        values.update(
            policy=policy.Decision.NOTICE.value,
            subject=routing.subject(
                routing.NOTICE.title, message.reference, partnership=partnership
            ),
            body_text=notice_text,
            body_html=notice_html,
            live_links=notice_links,
            sensitive=False,
        )
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.HELD)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # another officer acted first
        session.refresh(message)
        raise _not_now(message, "released", "held")
    if not as_content:
        session.execute(
            delete(MessageAttachment)
            .where(MessageAttachment.message_id == message_id)
            .execution_options(synchronize_session=False)
        )
    audit.record(
        session,
        "message.released",
        actor=actor,
        partnership_id=message.partnership_id,
        object_type="message",
        object_id=message_id,
        client_address=client_address,
        policy=values["policy"],
        sent_as="content" if as_content else "notice",
    )
    if not as_content:
        log.warning(
            "held message released as a content-free notice",
            extra={"message_id": message_id, "policy": values["policy"]},
        )
    after_commit(session, [message_id])
    session.refresh(message)
    if not as_content:
        session.expire(message, ["attachments"])
    return message


def cancel(
    session: Session, message_id: str, *, actor: str, client_address: str | None = None
) -> Message:
    """held or failed → cancelled, by the officer: the message is never sent."""
    message = _current(session, message_id)
    was = message.status
    if was not in (MessageStatus.HELD, MessageStatus.FAILED):
        raise _not_now(message, "cancelled", "held or failed")
    now = clock.now()
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == was)
        .values(status=MessageStatus.CANCELLED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # another officer acted first
        session.refresh(message)
        raise _not_now(message, "cancelled", "held or failed")
    audit.record(
        session,
        "message.cancelled",
        actor=actor,
        partnership_id=message.partnership_id,
        object_type="message",
        object_id=message_id,
        client_address=client_address,
        previous_status=was.value,
    )
    session.refresh(message)
    return message
