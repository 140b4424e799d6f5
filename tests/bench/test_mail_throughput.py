"""Speed targets for the mail pipeline (`make bench`)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from mail import outbox
from service import clock, db
from tests.jobs import run_worker_burst
from workers import sweep

pytestmark = pytest.mark.bench

MESSAGES = 200


def test_queue_and_deliver_throughput(settings, partnership, record_property):
    """Target: 200 messages queued in well under a second and delivered at 20+ a second."""
    start = time.perf_counter()
    with db.transaction() as session:
        p = session.merge(partnership)
        for n in range(MESSAGES):
            outbox.queue_message(
                session,
                partnership=p,
                purpose="mail.test",
                reference=f"BENCH-{n}",
                to=["dhr.officer@exampleshire.gov.uk"],
            )
    queued = time.perf_counter() - start

    start = time.perf_counter()
    run_worker_burst()
    delivered = time.perf_counter() - start
    rate = MESSAGES / delivered
    print(f"\nqueued {MESSAGES} in {queued:.2f}s; delivered at {rate:.0f} messages/s")
    record_property("delivery_rate", rate)
    assert queued < 2.0
    assert rate >= 20


def test_sweep_over_a_large_outbox(settings, partnership):
    """Target: a sweep over 2,000 sent messages and 200 stale ones takes under 2 seconds."""
    from service.models import Message, MessageStatus

    with db.transaction() as session:
        p = session.merge(partnership)
        for n in range(2200):
            (m,) = outbox.queue_message(
                session,
                partnership=p,
                purpose="mail.test",
                reference=f"B-{n}",
                to=["dhr.officer@exampleshire.gov.uk"],
            )
            if n >= 200:
                m.status = MessageStatus.SENT
        session.info.pop("dhr.enqueue", None)  # only the sweep hands them over
    later = clock.now() + timedelta(minutes=10)
    start = time.perf_counter()
    report = sweep.run(later)
    took = time.perf_counter() - start
    print(f"\nsweep over 2,200 messages took {took:.2f}s")
    assert len(report.enqueued) == 200
    assert took < 2.0
    assert db.Sessions().query(Message).count() == 2200
