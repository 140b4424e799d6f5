"""Speed targets for the mail pipeline (`make bench`).

Delivery is measured as an operator runs it, `dhr worker --burst` in its own process against a
real SMTP server on loopback, side by side with raw smtplib sending the same messages to the
same server in the same run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest

from mail import outbox
from service import clock, db
from tests.bench import delivery
from tests.bench.harness import at_least, record
from tests.conftest import DHR
from tests.mailserver import MailServer
from workers import sweep

pytestmark = [pytest.mark.bench, pytest.mark.timeout(1800)]

MESSAGES = 200
RUNS = 3
WORKER_TIMEOUT = 240


@pytest.fixture
def smtp_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


def _worker_run(partnership, cli_env, server, args: list[str]) -> tuple[float, float]:  # noqa: ANN001
    """One `dhr worker --burst` over MESSAGES fresh messages: (rate while sending, wall seconds)."""
    ids = delivery.queue(partnership, MESSAGES, prefix=f"W{time.monotonic_ns()}")
    start = time.perf_counter()
    worker = subprocess.Popen([*DHR, "worker", "--burst", *args],
                              env={**cli_env, "PYTHONFAULTHANDLER": "1"})  # fmt: skip
    try:
        assert worker.wait(WORKER_TIMEOUT) == 0, "the worker failed"
    except subprocess.TimeoutExpired:
        os.kill(worker.pid, signal.SIGABRT)  # its threads' stacks, to say where it hung
        worker.wait()
        raise
    wall = time.perf_counter() - start
    return delivery.sent_rate(ids), wall


def test_delivery_against_raw_smtplib(settings, partnership, cli_env, smtp_server):
    """Target: `dhr worker --burst` delivers at ≥ 0.3× raw smtplib over one connection."""
    cli_env["MAIL_TRANSPORT"] = smtp_server.url
    ids = delivery.queue_without_jobs(partnership, MESSAGES, "RAW")
    wire = delivery.wire_bytes(ids, settings.MAIL_FROM)
    port = smtp_server.port
    one = delivery.median_of(RUNS, lambda: delivery.smtplib_one_connection(port, wire))
    each = delivery.median_of(RUNS, lambda: delivery.smtplib_connection_each(port, wire))

    runs = [_worker_run(partnership, cli_env, smtp_server, []) for _ in range(RUNS)]
    rate = sorted(r for r, _ in runs)[RUNS // 2]
    wall = sorted(w for _, w in runs)[RUNS // 2]
    pooled = [_worker_run(partnership, cli_env, smtp_server, ["--processes", "2"])
              for _ in range(RUNS)]  # fmt: skip
    pooled_rate = sorted(r for r, _ in pooled)[RUNS // 2]

    oks = [
        record(f"deliver {MESSAGES} with `dhr worker --burst` (msg/s)", rate, one, "msg/s",
               "≥ 0.3× smtplib, one connection", at_least(0.3, rate, one)),
        record("the same, against smtplib with a connection each (msg/s)", rate, each, "msg/s",
               "≥ 0.3× baseline", at_least(0.3, rate, each)),
        record(f"`dhr worker --burst` wall time for {MESSAGES}, start-up included", wall, None,
               "s", "< 3 s", wall < 3.0),
        record(f"deliver {MESSAGES} with `dhr worker --burst --processes 2`", pooled_rate, one,
               "msg/s", "≥ 0.3× smtplib, one connection", at_least(0.3, pooled_rate, one)),
    ]  # fmt: skip
    assert all(oks), "a delivery target was missed (see the table)"


def test_queueing_200_messages(settings, partnership):
    start = time.perf_counter()
    delivery.queue(partnership, MESSAGES)
    took = time.perf_counter() - start
    assert record(f"queue {MESSAGES} messages in one transaction", took, None, "s", "< 2 s",
                  took < 2.0)  # fmt: skip


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
    assert len(report.enqueued) == 200
    assert db.Sessions().query(Message).count() == 2200
    assert record("sweep over 2,200 messages, 200 stale", took, None, "s", "< 2 s", took < 2.0)
