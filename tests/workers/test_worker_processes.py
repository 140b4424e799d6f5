"""`dhr worker` as an operator runs it: several processes, and a job that hangs still stopped."""

from __future__ import annotations

import subprocess
import time

from rq import Queue

from service import db, runtime
from service.models import Message, MessageStatus
from tests.conftest import DHR
from tests.workers.test_delivery import queue_test_message
from workers import pool, queues


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
    # The job would sleep for ten minutes; the worker's run is given five. Only the job's own
    # two-second timeout lets the worker finish in time, however slow the machine is to start it.
    q = Queue(queues.MAIL, connection=runtime.redis())
    job = q.enqueue("time.sleep", 600, job_timeout=2)

    run = subprocess.run(
        [*DHR, "worker", "--burst"], env=cli_env, capture_output=True, text=True, timeout=300
    )

    assert run.returncode == 0, run.stderr
    assert job.id in q.failed_job_registry.get_job_ids()
    job.refresh()
    assert "JobTimeoutException" in (job.latest_result().exc_string or "")


def test_a_worker_stops_without_waiting_out_its_command_channels_read(settings):
    # The reader has taken the reply to the unsubscribe and gone back to waiting for a command
    # before the worker stops it (what a busy machine makes likely): the stop waits for that
    # read to end, rq's minute before, a second now.
    worker = pool.Worker([queues.queue(n) for n in queues.ALL], connection=runtime.redis())
    worker.subscribe()
    time.sleep(0.5)
    worker.pubsub.unsubscribe()
    time.sleep(0.5)
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started < 10
    assert not worker.pubsub_thread.is_alive()
