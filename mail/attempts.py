"""A delivery attempt's status changes: claimed, sent, failed, waiting, given back, recovered.

Part of the outbox (``mail.outbox`` re-exports each): every change is a conditional UPDATE
guarded by the status it expects, so two workers or two sweeps can never both move a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, null, or_, select, update
from sqlalchemy.orm import Session

from service import clock
from service.models import Message, MessageStatus

#: A message claimed this long ago and still "sending" was being sent by a worker that died.
#: Longer than the delivery job's timeout, so a live worker's message is never taken from it.
SENDING_STALE = timedelta(minutes=15)
#: Transient failures are retried for at least this long after the first attempt.
RETRY_WINDOW = timedelta(hours=26)
_BACKOFF_MINUTES = (1, 2, 5, 10, 20, 30, 60, 120, 240)


def claim(session: Session, message_id: str, now: datetime) -> bool:
    """queued → sending, if the message is due. True only for the one caller that moved it."""
    return bool(claim_many(session, [message_id], now))


def claim_many(session: Session, message_ids: Sequence[str], now: datetime) -> list[str]:
    """queued → sending for those of ``message_ids`` that are due, in one statement.

    Returns the ids this caller moved, in the order asked; another caller gets none of them."""
    if not message_ids:
        return []
    moved = set(
        session.scalars(
            update(Message)
            .where(
                Message.id.in_(list(message_ids)),
                Message.status == MessageStatus.QUEUED,
                or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
            )
            .values(
                status=MessageStatus.SENDING,
                claimed_at=now,
                attempts=Message.attempts + 1,
                # One statement: the first attempt's time is kept, the claim's set only once.
                first_attempt_at=func.coalesce(
                    Message.first_attempt_at, literal(now, Message.first_attempt_at.type)
                ),
                updated_at=now,
            )
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
    )
    return [message_id for message_id in message_ids if message_id in moved]


def hand_back(session: Session, message_ids: Sequence[str], claimed_at: datetime) -> list[str]:
    """sending → queued for claimed messages that never reached the transport.

    The claim is undone as if it had not been made: the attempt is not counted, and the next
    sweep hands the messages to the queue again."""
    if not message_ids:
        return []
    now = clock.now()
    return list(
        session.scalars(
            update(Message)
            .where(
                Message.id.in_(list(message_ids)),
                Message.status == MessageStatus.SENDING,
                Message.claimed_at == claimed_at,
            )
            .values(
                status=MessageStatus.QUEUED,
                attempts=Message.attempts - 1,
                first_attempt_at=case(
                    (Message.attempts <= 1, null()), else_=Message.first_attempt_at
                ),
                enqueued_at=None,
                updated_at=now,
            )
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
    )


def mark_sent(session: Session, message_id: str, claimed_at: datetime, reply: str) -> bool:
    """sending → sent, by the claim that sent it."""
    return bool(mark_sent_many(session, [(message_id, reply, clock.now())], claimed_at))


def mark_sent_many(
    session: Session, sent: Sequence[tuple[str, str, datetime]], claimed_at: datetime
) -> list[str]:
    """sending → sent for ``(message id, reply, sent at)`` of one claim, in one statement.

    Returns the ids moved (those still "sending" under that claim), in the order given."""
    if not sent:
        return []
    replies = {message_id: reply[:2000] for message_id, reply, _ in sent}
    times = {message_id: at for message_id, _, at in sent}
    value_type = Message.sent_at.type
    moved = set(
        session.scalars(
            update(Message)
            .where(
                Message.id.in_(list(times)),
                Message.status == MessageStatus.SENDING,
                Message.claimed_at == claimed_at,
            )
            .values(
                status=MessageStatus.SENT,
                sent_at=case(
                    {k: literal(v, value_type) for k, v in times.items()}, value=Message.id
                ),
                transport_reply=(
                    next(iter(replies.values()))
                    if len(set(replies.values())) == 1
                    else case(replies, value=Message.id)
                ),
                last_error=None,
                updated_at=clock.now(),
            )
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
    )
    return [message_id for message_id, _, _ in sent if message_id in moved]


def mark_failed_attempt(
    session: Session,
    message: Message,
    claimed_at: datetime,
    error: str,
    *,
    permanent: bool,
) -> MessageStatus | None:
    """Record a failed attempt: back to queued with a later attempt time, or failed for good."""
    now = clock.now()
    first = message.first_attempt_at or claimed_at
    give_up = permanent or now - first >= RETRY_WINDOW
    if give_up:
        values: dict[str, Any] = {"status": MessageStatus.FAILED}
    else:
        values = {
            "status": MessageStatus.QUEUED,
            "next_attempt_at": now + backoff(message.attempts),
            "enqueued_at": None,
        }
    result = session.execute(
        update(Message)
        .where(
            Message.id == message.id,
            Message.status == MessageStatus.SENDING,
            Message.claimed_at == claimed_at,
        )
        .values(last_error=error[:2000], updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return values["status"] if result.rowcount == 1 else None


def wait_for_mail_system(
    session: Session,
    message_id: str,
    claimed_at: datetime,
    *,
    until: datetime,
    reason: str,
    attempted: bool,
) -> bool:
    """sending → queued because the mail system refuses the service itself, not this message.

    The retry window starts again (no message is given up on for a wrong secret), and a claim
    that never reached the transport (``attempted`` False) is not counted as an attempt."""
    now = clock.now()
    values: dict[str, Any] = {
        "status": MessageStatus.QUEUED,
        "next_attempt_at": until,
        "enqueued_at": None,
        "first_attempt_at": None,
        "last_error": reason[:2000],
        "updated_at": now,
    }
    if not attempted:
        values["attempts"] = Message.attempts - 1
    result = session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.status == MessageStatus.SENDING,
            Message.claimed_at == claimed_at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: growing, at most four hours."""
    index = min(max(attempts, 1), len(_BACKOFF_MINUTES)) - 1
    return timedelta(minutes=_BACKOFF_MINUTES[index])


def recover_stale_sending(session: Session, now: datetime) -> list[str]:
    """sending → queued for messages whose worker died mid-delivery."""
    stale = session.execute(
        select(Message.id, Message.claimed_at).where(
            Message.status == MessageStatus.SENDING,
            Message.claimed_at < now - SENDING_STALE,
        )
    ).all()
    recovered = []
    for message_id, claimed_at in stale:
        result = session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.status == MessageStatus.SENDING,
                Message.claimed_at == claimed_at,
            )
            .values(
                status=MessageStatus.QUEUED,
                enqueued_at=None,
                next_attempt_at=None,
                last_error="the worker stopped during delivery; sending again",
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            recovered.append(message_id)
    return recovered
