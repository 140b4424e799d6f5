"""Delivery benchmarks' parts: queued messages, and raw smtplib sending the same ones."""

from __future__ import annotations

import smtplib
import statistics
import time
from collections.abc import Callable

from sqlalchemy import func, select

from mail import mime, outbox
from service import db
from service.models import Message, MessageStatus


def queue(partnership, count: int, prefix: str = "BENCH") -> list[str]:  # noqa: ANN001
    with db.transaction() as session:
        p = session.merge(partnership)
        ids = []
        for n in range(count):
            (m,) = outbox.queue_message(
                session,
                partnership=p,
                purpose="mail.test",
                reference=f"{prefix}-{n}",
                to=["dhr.officer@exampleshire.gov.uk"],
            )
            ids.append(m.id)
    return ids


def queue_without_jobs(partnership, count: int, prefix: str) -> list[str]:  # noqa: ANN001
    """Messages for the baseline only: no worker is asked to deliver them."""
    with db.transaction() as session:
        p = session.merge(partnership)
        ids = [m.id for n in range(count) for m in outbox.queue_message(session, partnership=p,
               purpose="mail.test", reference=f"{prefix}-{n}",
               to=["dhr.officer@exampleshire.gov.uk"])]  # fmt: skip
        session.info.pop("dhr.enqueue", None)
    return ids


def wire_bytes(ids: list[str], sender: str) -> list[tuple[str, list[str], bytes]]:
    """The messages as the worker would send them, flattened once, for the baseline."""
    session = db.Sessions()
    out = []
    for message_id in ids:
        envelope = mime.build(session.get(Message, message_id), sender)
        out.append((envelope.sender, list(envelope.recipients), envelope.mime.as_bytes()))
    session.rollback()
    return out


def smtplib_one_connection(port: int, wire: list[tuple[str, list[str], bytes]]) -> float:
    """Messages a second, raw smtplib over one connection."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        conn.ehlo()
        for sender, to, data in wire:
            conn.sendmail(sender, to, data)
    return len(wire) / (time.perf_counter() - start)


def smtplib_connection_each(port: int, wire: list[tuple[str, list[str], bytes]]) -> float:
    start = time.perf_counter()
    for sender, to, data in wire:
        with smtplib.SMTP("127.0.0.1", port) as conn:
            conn.ehlo()
            conn.sendmail(sender, to, data)
    return len(wire) / (time.perf_counter() - start)


def sent_rate(ids: list[str]) -> float:
    """Messages a second over the span the worker spent on them: first claim to last sent."""
    session = db.Sessions()
    session.expire_all()
    first, last, sent = session.execute(
        select(
            func.min(Message.claimed_at),
            func.max(Message.sent_at),
            func.count().filter(Message.status == MessageStatus.SENT),
        ).where(Message.id.in_(ids))
    ).one()
    session.rollback()
    assert sent == len(ids), f"{sent} of {len(ids)} sent"
    span = (db_time(last) - db_time(first)).total_seconds()
    return len(ids) / span


def db_time(value):  # noqa: ANN001, ANN201
    from service import clock

    if isinstance(value, str):  # SQLite's aggregate returns the stored text
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return clock.as_utc(value)


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))
