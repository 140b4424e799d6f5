"""`dhr scheduler`: the sweep every interval, safe to run twice."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import timedelta

from mail import handover
from service import clock, db, runtime
from service.models import Message
from tests.conftest import DHR
from tests.jobs import queued_message_ids
from tests.workers.test_delivery import queue_test_message


def test_two_schedulers_hand_each_stale_message_over_once(settings, partnership, cli_env):
    ids = [queue_test_message(partnership, reference=f"DHR-{n}") for n in range(10)]
    runtime.redis().flushdb()
    with db.transaction() as session:  # as if they were queued before Redis was lost
        session.query(Message).update(
            {Message.enqueued_at: clock.now() - handover.ENQUEUED_STALE - timedelta(minutes=1)}
        )

    schedulers = [
        subprocess.Popen(
            [*DHR, "scheduler", "--interval", "0.5"],
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(queued_message_ids()) < len(ids):
            time.sleep(0.2)
        time.sleep(2)  # several more sweeps by both
    finally:
        for s in schedulers:
            s.send_signal(signal.SIGTERM)
        errors = [s.communicate(timeout=30)[1] for s in schedulers]
    assert [s.returncode for s in schedulers] == [0, 0], errors
    assert sorted(queued_message_ids()) == sorted(ids)
