"""Handing queued messages to the job queue: once the transaction that wrote them commits (never
before, never on rollback), and from the sweep for any the queue did not take. Neither changes a
message's status (that is ``mail.outbox``'s); each hands a message over by its ``enqueued_at``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from service.models import Message, MessageStatus

log = logging.getLogger(__name__)

#: A message handed to the queue this long ago and still queued is handed over again.
ENQUEUED_STALE = timedelta(minutes=5)


def after_commit(session: Session, message_ids: list[str]) -> None:
    """Enqueue these messages' delivery once ``session`` commits (not before, not on rollback)."""
    pending: list[str] = session.info.setdefault("dhr.enqueue", [])
    pending.extend(message_ids)


def _enqueue_pending(session: Session) -> None:
    pending = session.info.pop("dhr.enqueue", [])
    if not pending:
        return
    from service.queues import batches, enqueue_delivery

    try:
        # Those one transaction queued go together: a job sends them over one connection.
        for batch in batches(pending):
            if not enqueue_delivery(batch):
                # Redis is unreachable: don't make the user wait for each of the others to time
                # out too. They are committed; the sweep hands them over.
                break
    except Exception:
        # The work is committed whatever happens here; never report a saved submission as lost.
        log.exception("enqueue after commit failed; the sweep will hand the messages over")


def _discard_pending(session: Session) -> None:
    session.info.pop("dhr.enqueue", None)


def _after_rollback(session: Session, previous_transaction) -> None:  # noqa: ANN001
    # A savepoint rolled back keeps what the rest of the transaction queued; an id whose row was
    # rolled back with it is harmless (delivery finds nothing to claim and skips it).
    if not previous_transaction.nested:
        _discard_pending(session)


def install_session_hooks() -> None:
    from sqlalchemy import event

    if not event.contains(Session, "after_commit", _enqueue_pending):
        event.listen(Session, "after_commit", _enqueue_pending)
        event.listen(Session, "after_soft_rollback", _after_rollback)


install_session_hooks()


def take_due_for_enqueue(session: Session, now: datetime) -> list[str]:
    """Queued messages that are due and not already with the queue; each is taken by one caller."""
    due = session.execute(
        select(Message.id, Message.enqueued_at).where(
            Message.status == MessageStatus.QUEUED,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
            or_(Message.enqueued_at.is_(None), Message.enqueued_at < now - ENQUEUED_STALE),
        )
    ).all()
    taken = []
    for message_id, enqueued_at in due:
        guard = (
            Message.enqueued_at.is_(None)
            if enqueued_at is None
            else Message.enqueued_at == enqueued_at
        )
        result = session.execute(
            update(Message)
            .where(and_(Message.id == message_id, Message.status == MessageStatus.QUEUED, guard))
            .values(enqueued_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            taken.append(message_id)
    return taken


def release_enqueue_claim(session: Session, message_ids: list[str], taken_at: datetime) -> None:
    """The queue did not take these after all: make them due for the next sweep."""
    session.execute(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.status == MessageStatus.QUEUED,
            Message.enqueued_at == taken_at,
        )
        .values(enqueued_at=None)
        .execution_options(synchronize_session=False)
    )
