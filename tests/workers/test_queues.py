"""Every queue the service uses has a worker: `dhr worker` listens to all of them."""

from __future__ import annotations

import subprocess

from rq import Queue

from service import runtime
from tests.conftest import DHR
from workers import queues


def test_dhr_worker_empties_every_queue(cli_env, settings):
    for name in queues.ALL:
        Queue(name, connection=runtime.redis()).enqueue(
            "workers.delivery.deliver", "no-such-message"
        )
    run = subprocess.run(
        [*DHR, "worker", "--burst"], env=cli_env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    for name in queues.ALL:
        q = Queue(name, connection=runtime.redis())
        assert q.count == 0, f"nothing worked the {name} queue"
        assert q.failed_job_registry.count == 0


def test_a_delivery_job_for_a_message_that_is_not_queued_does_nothing(settings):
    from workers.delivery import deliver

    assert deliver("no-such-message") == "skipped"
