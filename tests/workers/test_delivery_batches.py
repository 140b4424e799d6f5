"""Delivering in batches: what one transaction queued goes in one job, over one connection, and
whatever fails part-way leaves every message sent once or waiting to be."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from rq import Queue
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty
from sqlalchemy import func, select

from mail import outbox
from service import clock, db, runtime
from service.models import AuditEvent, Message, MessageStatus
from tests.jobs import queued_message_ids, run_worker_burst
from tests.mailserver import MailServer
from tests.workers.test_delivery import fetch, use
from workers import delivery, pool, queues, sweep

OFFICER = "dhr.officer@exampleshire.gov.uk"


def queue_together(partnership, recipients: list[str], reference: str = "DHR-7") -> list[str]:  # noqa: ANN001
    """One message to each recipient, all queued in one transaction."""
    with db.transaction() as session:
        p = session.merge(partnership)
        return [
            m.id
            for n, to in enumerate(recipients)
            for m in outbox.queue_message(
                session, partnership=p, purpose="mail.test", reference=f"{reference}-{n}", to=[to]
            )
        ]


def statuses(ids: list[str]) -> list[tuple[MessageStatus, int]]:
    db.Sessions().rollback()  # read afresh, not through an earlier snapshot (SQLite)
    return [(m.status, m.attempts) for m in map(fetch, ids)]


def test_messages_queued_together_go_in_one_job_a_batch(settings, partnership, mail_server):
    use(settings, mail_server)
    ids = queue_together(partnership, [OFFICER] * (queues.BATCH + 5))

    jobs = Queue(queues.MAIL, connection=runtime.redis()).get_jobs()
    assert [len(job.args[0]) for job in jobs] == [queues.BATCH, 5]
    assert queued_message_ids() == ids

    started = time.monotonic()
    run_worker_burst()
    # Stopped once the queues were empty: rq waits for the thread reading the worker's command
    # channel, and with rq's own minute-long read each burst took a minute more (pool.Worker).
    assert time.monotonic() - started < 30

    assert statuses(ids) == [(MessageStatus.SENT, 1)] * len(ids)
    assert len(mail_server.messages) == len(ids)
    sent_events = db.Sessions().scalar(
        select(func.count()).where(AuditEvent.action == "message.sent",
                                   AuditEvent.object_id.in_(ids))
    )  # fmt: skip
    assert sent_events == len(ids)
    # Each keeps its own Message-ID, and each went once.
    assert sorted(r.message["Message-ID"] for r in mail_server.received) == sorted(
        fetch(i).message_id_header for i in ids
    )


def test_a_batch_worked_by_dhr_worker_shares_one_connection(settings, partnership, mail_server):
    use(settings, mail_server)
    ids = queue_together(partnership, [OFFICER] * 4)
    pool.warm_up()  # as `dhr worker` does: the transport keeps its connection for the next
    try:
        run_worker_burst()
        assert runtime.transport()._kept is not None
    finally:
        pool.close_transport()
        runtime.transport().keep_alive = 0
    assert statuses(ids) == [(MessageStatus.SENT, 1)] * 4


def test_a_message_refused_in_a_batch_fails_alone(settings, partnership, mail_server):
    use(settings, mail_server)
    gone = "left.the.team@exampleshire.gov.uk"
    mail_server.handler.refuse_rcpt = {gone}
    ids = queue_together(partnership, [OFFICER, gone, OFFICER])

    run_worker_burst()

    assert statuses(ids) == [
        (MessageStatus.SENT, 1),
        (MessageStatus.FAILED, 1),
        (MessageStatus.SENT, 1),
    ]
    assert "550" in fetch(ids[1]).last_error


def test_a_batch_run_twice_sends_each_message_once(settings, partnership, mail_server):
    use(settings, mail_server)
    ids = queue_together(partnership, [OFFICER] * 3)

    first = delivery.deliver_many(ids)
    again = delivery.deliver_many(ids)

    assert set(first.values()) == {"sent"}
    assert set(again.values()) == {"skipped"}
    assert len(mail_server.messages) == 3


class FailsOnSecond:
    """The real transport, with a fault of ours on the second message it is given."""

    def __init__(self, real) -> None:  # noqa: ANN001
        self.real, self.calls = real, 0

    def send(self, envelope):  # noqa: ANN001, ANN201
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("a bug of ours")
        return self.real.send(envelope)


def test_a_fault_of_ours_mid_batch_gives_the_rest_back_unattempted(
    settings, partnership, mail_server, monkeypatch
):
    use(settings, mail_server)
    ids = queue_together(partnership, [OFFICER] * 4)
    monkeypatch.setattr(runtime, "_transport", FailsOnSecond(runtime.transport()))

    with pytest.raises(RuntimeError, match="a bug of ours"):
        delivery.deliver_many(ids)

    assert statuses(ids) == [
        (MessageStatus.SENT, 1),
        (MessageStatus.QUEUED, 1),  # tried: a later attempt, after the back-off
        (MessageStatus.QUEUED, 0),  # never reached: given back as if never claimed
        (MessageStatus.QUEUED, 0),
    ]
    assert fetch(ids[1]).last_error == "unexpected error: RuntimeError"
    assert fetch(ids[2]).first_attempt_at is None

    monkeypatch.undo()
    use(settings, mail_server)
    later = clock.now() + timedelta(minutes=10)
    with clock.frozen_at(later):
        assert sorted(sweep.run(later).enqueued) == sorted(ids[1:])
        run_worker_burst()
    assert [m.status for m in map(fetch, ids)] == [MessageStatus.SENT] * 4
    assert len(mail_server.messages) == 4


def test_what_the_server_accepted_is_recorded_while_the_batch_goes_on(settings, partnership):
    server = MailServer()
    server.handler.stall = threading.Event()
    server.handler.stall_at = 3
    server.start()
    try:
        use(settings, server)
        ids = queue_together(partnership, [OFFICER] * 4)
        job = threading.Thread(target=delivery.deliver_many, args=(ids,), daemon=True)
        job.start()
        assert server.handler.stalled.wait(30), "the third message never reached the server"
        deadline = time.monotonic() + 5
        while statuses(ids[:2]) != [(MessageStatus.SENT, 1)] * 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        # Accepted ones are on record before the batch ends: a worker killed now would send
        # only the third again.
        assert statuses(ids[:2]) == [(MessageStatus.SENT, 1)] * 2
        assert fetch(ids[2]).status is MessageStatus.SENDING
        server.handler.stall.set()
        job.join(30)
    finally:
        server.stop()
    # The stalled one was answered 451 and waits for its retry; the last one was sent.
    assert statuses(ids[2:]) == [(MessageStatus.QUEUED, 1), (MessageStatus.SENT, 1)]


def test_a_batch_stopped_by_its_time_out_leaves_only_the_message_in_flight_to_recover(
    settings, partnership
):
    server = MailServer()
    server.handler.stall = threading.Event()
    server.start()
    try:
        use(settings, server)
        ids = queue_together(partnership, [OFFICER] * 3)
        with pytest.raises(JobTimeoutException), UnixSignalDeathPenalty(1, JobTimeoutException):
            delivery.deliver_many(ids)
        # The first was with the mail server when time ran out: whether it got through is not
        # known, so it stays "sending" for the sweep. The others never left: given back.
        assert statuses(ids) == [
            (MessageStatus.SENDING, 1),
            (MessageStatus.QUEUED, 0),
            (MessageStatus.QUEUED, 0),
        ]
        server.handler.stall.set()
    finally:
        server.stop()
    with db.transaction() as session:
        recovered = outbox.recover_stale_sending(
            session, clock.now() + outbox.SENDING_STALE + timedelta(minutes=1)
        )
    assert recovered == [ids[0]]
    assert (
        db.Sessions().scalar(
            select(func.count()).where(Message.id.in_(ids), Message.status == MessageStatus.QUEUED)
        )
        == 3
    )
