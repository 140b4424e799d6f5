"""`dhr worker` as an operator runs it: several processes, and a job that hangs still stopped."""

from __future__ import annotations

import subprocess
import time

from rq import Queue

from service import db, runtime
from service.models import Message, MessageStatus
from tests.conftest import DHR
from tests.workers.test_delivery import queue_test_message
from workers import queues


def test_worker_processes_deliver_every_message_once(settings, partnership, cli_env, mail_server):
    cli_env["MAIL_TRANSPORT"] = mail_server.url
    ids = [queue_test_message(partnership, reference=f"DHR-{n}") for n in range(6)]

    run = subprocess.run(
        [*DHR, "worker", "--burst", "--processes", "2"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert run.returncode == 0, run.stderr
    session = db.Sessions()
    session.expire_all()
    assert {session.get(Message, i).status for i in ids} == {MessageStatus.SENT}
    headers = sorted(r.message["Message-ID"] for r in mail_server.messages)
    assert len(headers) == len(set(headers)) == 6


def test_a_job_that_hangs_is_stopped_by_its_timeout(settings, cli_env):
    q = Queue(queues.MAIL, connection=runtime.redis())
    job = q.enqueue("time.sleep", 120, job_timeout=2)

    start = time.monotonic()
    run = subprocess.run(
        [*DHR, "worker", "--burst"], env=cli_env, capture_output=True, text=True, timeout=100
    )

    assert run.returncode == 0, run.stderr
    assert time.monotonic() - start < 60
    assert job.id in q.failed_job_registry.get_job_ids()
