"""Purging what the outbox holds once it is no longer needed.

A sent message keeps its row for the audit trail and for matching bounces: the recipient's
domain, the purpose, the reference, the status, the Message-ID and the times. Its bodies, its
live links and sealed codes, the mail system's replies (which can name the address), the
address itself and its attachments go ``outbox_days`` after it was sent. A held or failed
message keeps its content until the officer deals with it; a message of a case under a legal
hold keeps everything.

When a case's (or a referral's) personal data is deleted, every message about it is purged at
once whatever its status; any not yet sent is cancelled, so nothing about a deleted case goes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from mail import policy
from service import audit
from service.models import (
    BounceNotice,
    Case,
    LegalHold,
    Message,
    MessageAttachment,
    MessageBounce,
    MessageStatus,
    Partnership,
    Referral,
)
from service.retention import schedule

PURGED_TEXT = (
    "[The content of this message was deleted under the partnership's retention schedule.]"
)
#: Statuses a message can still leave: purged with its case, it is cancelled instead.
UNSENT = (MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.FAILED)


def recipient_domain(address: str) -> str:
    """What is kept of the recipient: their domain, e.g. ``nhs.net``."""
    try:
        return policy.domain_of(address)
    except (ValueError, policy.InvalidAddress):
        return address.rpartition("@")[2] or "unknown"


def about(reference: str) -> ColumnElement[bool]:
    """Messages about the case (or referral) with this reference, and its drafts' (``REF/D1``)."""
    return or_(Message.reference == reference, Message.reference.startswith(f"{reference}/"))


def _held_references() -> ColumnElement[bool]:
    """True for a message about a case under a legal hold (or the referral it came from)."""
    held_case = exists().where(LegalHold.case_id == Case.id, LegalHold.lifted_at.is_(None))
    about_case = exists().where(
        held_case,
        or_(
            Message.reference == Case.reference, Message.reference.startswith(Case.reference + "/")
        ),
    )
    about_referral = exists().where(
        Referral.reference == Message.reference,
        exists().where(LegalHold.case_id == Referral.case_id, LegalHold.lifted_at.is_(None)),
    )
    return or_(about_case, about_referral)


def purge(session: Session, message_ids: list[str], now: datetime, *, cancel: bool) -> list[str]:
    """Purge these messages' content; the ids this call purged (each is purged only once).

    ``cancel``: a message not yet sent is cancelled too (its case is being deleted)."""
    if not message_ids:
        return []
    rows = session.execute(
        select(Message.id, Message.recipient, Message.status).where(
            Message.id.in_(message_ids), Message.content_purged_at.is_(None)
        )
    ).all()
    done = []
    for message_id, recipient, status in rows:
        if status is MessageStatus.SENDING:
            continue  # a worker has it now: the next sweep takes it
        values = {
            "content_purged_at": now,
            "recipient": recipient_domain(recipient),
            "body_text": PURGED_TEXT,
            "body_html": None,
            "live_links": None,
            "last_error": None,
            "transport_reply": None,
        }
        if cancel and status in UNSENT:
            values["status"] = MessageStatus.CANCELLED
        elif status is not MessageStatus.SENT and not cancel:
            continue
        claimed = session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.content_purged_at.is_(None),
                Message.status == status,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            done.append(message_id)
    if done:
        session.execute(
            delete(MessageAttachment)
            .where(MessageAttachment.message_id.in_(done))
            .execution_options(synchronize_session=False)
        )
        # A bounce of the message keeps the domain that failed, like the message itself.
        bounces = session.execute(
            select(MessageBounce.id, MessageBounce.recipient).where(
                MessageBounce.message_id.in_(done)
            )
        ).all()
        for bounce_id, address in bounces:
            session.execute(
                update(MessageBounce)
                .where(MessageBounce.id == bounce_id)
                .values(recipient=recipient_domain(address))
                .execution_options(synchronize_session=False)
            )
    return done


def forget_bounce_notices(session: Session, now: datetime) -> int:
    """The addresses the officer was told about serve only the once-a-day rule: gone after."""
    return session.execute(
        delete(BounceNotice)
        .where(BounceNotice.day < (now - timedelta(days=2)).date())
        .execution_options(synchronize_session=False)
    ).rowcount


def purge_about(session: Session, references: list[str], now: datetime) -> list[str]:
    """Every message about these references, whatever its status (their record is deleted)."""
    if not references:
        return []
    ids = list(
        session.scalars(
            select(Message.id).where(
                or_(*(about(r) for r in references)), Message.content_purged_at.is_(None)
            )
        )
    )
    return purge(session, ids, now, cancel=True)


def purge_sent(session: Session, now: datetime, *, limit: int = 500) -> int:
    """Sent messages past their partnership's ``outbox_days``: up to ``limit`` in one go."""
    done = 0
    for partnership_id in [*session.scalars(select(Partnership.id)), None]:
        if done >= limit:
            break
        cutoff = schedule.outbox_cutoff(schedule.of(session, partnership_id), now)
        owner = (
            Message.partnership_id == partnership_id
            if partnership_id
            else Message.partnership_id.is_(None)
        )
        ids = list(
            session.scalars(
                select(Message.id)
                .where(
                    owner,
                    Message.status == MessageStatus.SENT,
                    Message.content_purged_at.is_(None),
                    Message.sent_at <= cutoff,
                    ~_held_references(),
                )
                .order_by(Message.sent_at)
                .limit(limit - done)
            )
        )
        purged = purge(session, ids, now, cancel=False)
        for message_id in purged:
            audit.record(
                session, "message.content_purged", partnership_id=partnership_id,
                object_type="message", object_id=message_id, reason="retention",
            )  # fmt: skip
        done += len(purged)
    return done
