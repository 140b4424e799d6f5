"""Helpers for the bounce follow-up tests: a message's bounce read through ``mail.bounces`` as a
mailbox poll or `dhr mail ingest` reads it, and the outbox as it stands."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mail import outbox
from mail.bounces import record
from service import clock, db
from service.models import Message, MessageStatus
from tests.mail import bounce_fixtures as fx


def read(raw: bytes, at: dt.datetime) -> record.Outcome:
    """The report ``raw``, read at ``at`` as `dhr mail ingest` reads a file."""
    with clock.frozen_at(at), db.transaction() as s:
        return record.ingest(s, raw, source="file")


def bounce(message: Message, at: dt.datetime, report=fx.rfc3464_dsn) -> bytes:  # noqa: ANN001
    """The report of ``message``'s permanent failure, read at ``at``; its bytes."""
    raw = report(message.message_id_header, message.recipient)
    outcome = read(raw, at)
    assert (outcome.result, outcome.messages) == ("bounced", (message.id,)), outcome
    return raw


def mark_all_sent(session, at: dt.datetime) -> None:
    """Every queued message accepted by the mail system at ``at`` (the outbox's own changes)."""
    session.rollback()
    queued = session.scalars(select(Message.id).where(Message.status == MessageStatus.QUEUED))
    for message_id in list(queued):
        assert outbox.claim(session, message_id, at)
        assert outbox.mark_sent(session, message_id, at, "250 accepted")
    session.commit()


def messages(session, purpose: str, recipient: str | None = None) -> list[Message]:
    """The outbox's messages of ``purpose`` (to ``recipient``), oldest first, as now stored."""
    session.rollback()
    session.expire_all()
    query = select(Message).where(Message.purpose == purpose)
    if recipient is not None:
        query = query.where(Message.recipient == recipient)
    return list(session.scalars(query.order_by(Message.created_at, Message.id)))
