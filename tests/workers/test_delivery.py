"""Delivering messages: exactly once, whatever fails on the way."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from mail import outbox
from service import clock, db
from service.models import AuditEvent, Message, MessageStatus
from tests.conftest import DHR
from tests.jobs import queued_message_ids, run_worker_burst
from tests.mailserver import MailServer, free_port
from workers import sweep


def queue_test_message(partnership, to="dhr.officer@exampleshire.gov.uk", reference="DHR-1"):
    with db.transaction() as session:
        (message,) = outbox.queue_message(
            session,
            partnership=session.merge(partnership),
            purpose="mail.test",
            reference=reference,
            to=[to],
        )
    return message.id


def fetch(message_id: str) -> Message:
    session = db.Sessions()
    session.expire_all()
    return session.get(Message, message_id)


def use_redis(settings) -> None:
    from service import runtime

    runtime.configure(settings)


def use(settings, server: MailServer) -> None:
    from service import runtime

    settings.MAIL_TRANSPORT = server.url
    runtime.configure(settings)


def test_a_queued_message_is_delivered_once_and_recorded(settings, partnership, mail_server):
    use(settings, mail_server)
    message_id = queue_test_message(partnership)

    run_worker_burst()
    run_worker_burst()

    (got,) = mail_server.messages
    stored = fetch(message_id)
    assert stored.status is MessageStatus.SENT
    assert stored.attempts == 1
    assert got.message["Message-ID"] == stored.message_id_header
    assert got.message["Subject"] == "OFFICIAL-SENSITIVE: Test message [DHR-1]"
    actions = (
        db.Sessions()
        .scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == message_id)
            .order_by(AuditEvent.id)
        )
        .all()
    )
    assert actions == ["message.queued", "message.sent"]


def test_redis_flushed_before_any_worker_ran_the_sweep_still_delivers_once(
    settings, partnership, mail_server
):
    from service import runtime

    use(settings, mail_server)
    message_id = queue_test_message(partnership)
    runtime.redis().flushdb()  # Redis lost everything

    run_worker_burst()
    assert mail_server.messages == []

    later = clock.now() + timedelta(minutes=6)
    with clock.frozen_at(later):
        report = sweep.run(later)
        assert report.enqueued == [message_id]
        run_worker_burst()
        # A second sweep and worker find nothing more to do.
        assert sweep.run(later).enqueued == []
        run_worker_burst()

    assert len(mail_server.messages) == 1
    assert fetch(message_id).status is MessageStatus.SENT


def test_the_sweep_leaves_a_freshly_queued_message_to_its_job(settings, partnership):
    message_id = queue_test_message(partnership)
    assert sweep.run(clock.now() + timedelta(minutes=1)).enqueued == []
    assert queued_message_ids() == [message_id]


def test_smtp_down_for_the_first_attempts_then_delivered_once_when_it_is_back(
    settings, partnership
):
    server = MailServer()  # not started: nothing listens on its port yet
    use(settings, server)
    message_id = queue_test_message(partnership)
    start = clock.now()

    with clock.frozen_at(start):
        run_worker_burst()
    first = fetch(message_id)
    assert first.status is MessageStatus.QUEUED
    assert first.attempts == 1
    assert "could not reach" in first.last_error
    assert first.next_attempt_at == start + timedelta(minutes=1)

    t = start + timedelta(minutes=2)
    with clock.frozen_at(t):
        assert sweep.run(t).enqueued == [message_id]
        run_worker_burst()
    assert fetch(message_id).attempts == 2

    server.start()
    try:
        t += timedelta(minutes=10)
        with clock.frozen_at(t):
            assert sweep.run(t).enqueued == [message_id]
            run_worker_burst()
            sweep.run(t + timedelta(hours=1))
            run_worker_burst()
    finally:
        server.stop()

    assert len(server.messages) == 1
    done = fetch(message_id)
    assert (done.status, done.attempts, done.last_error) == (MessageStatus.SENT, 3, None)


def test_transient_failures_are_retried_for_a_day_then_the_message_fails(settings, partnership):
    use(settings, MailServer())  # never started
    message_id = queue_test_message(partnership)
    t = clock.now()
    attempts_in_first_day = 0
    while True:
        with clock.frozen_at(t):
            sweep.run(t)
            run_worker_burst()
        m = fetch(message_id)
        if m.status is MessageStatus.FAILED:
            break
        if t - m.first_attempt_at < timedelta(hours=24):
            attempts_in_first_day = m.attempts
        assert m.next_attempt_at > t
        t = m.next_attempt_at
    assert t - m.first_attempt_at >= timedelta(hours=24)
    assert attempts_in_first_day >= 10
    gaps = [outbox.backoff(n) for n in range(1, 10)]
    assert gaps == sorted(gaps)


def test_a_permanent_rejection_fails_at_once_and_an_operator_can_retry(
    settings, partnership, mail_server
):
    use(settings, mail_server)
    mail_server.handler.reply = "554 5.7.1 rejected <dhr.officer@exampleshire.gov.uk>"
    message_id = queue_test_message(partnership)
    run_worker_burst()

    failed = fetch(message_id)
    assert failed.status is MessageStatus.FAILED
    assert failed.attempts == 1
    assert "554" in failed.last_error
    assert "dhr.officer" not in failed.last_error  # the server's words, addresses cut

    mail_server.handler.reply = None
    with db.transaction() as session:
        outbox.retry(session, message_id, actor="test")
    run_worker_burst()
    (got,) = mail_server.messages
    assert got.message["Message-ID"] == failed.message_id_header
    assert fetch(message_id).status is MessageStatus.SENT


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (rq runs each job in a child in its own session)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    todo, found = list(children.get(pid, [])), []
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a process and everything below it, at once."""
    for member in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


def test_a_worker_killed_during_delivery_is_recovered_with_the_same_message_id(
    settings, partnership, cli_env
):
    server = MailServer()
    server.handler.stall = threading.Event()
    server.start()
    try:
        use(settings, server)
        cli_env["MAIL_TRANSPORT"] = server.url
        message_id = queue_test_message(partnership)

        worker = subprocess.Popen(
            [*DHR, "worker"], env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            assert server.handler.stalled.wait(60), "the worker never reached the SMTP server"
            assert fetch(message_id).status is MessageStatus.SENDING
            kill_tree(worker.pid)  # the worker and the process running its job, at once
            worker.wait(10)
        finally:
            if worker.poll() is None:
                kill_tree(worker.pid)
        server.handler.stall.set()

        # Still "sending" until the sweep sees the claim is stale.
        soon = clock.now() + timedelta(minutes=1)
        assert sweep.run(soon).recovered == []
        later = clock.now() + outbox.SENDING_STALE + timedelta(minutes=1)
        out = subprocess.run(
            [*DHR, "sweep", "--at", later.isoformat()],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "messages recovered from a stopped worker: 1" in out
        subprocess.run([*DHR, "worker", "--burst"], env=cli_env, timeout=60, check=True)
        time.sleep(0.2)
    finally:
        server.stop()

    assert len(server.messages) == 1
    ids = {r.message["Message-ID"] for r in server.received}
    assert ids == {fetch(message_id).message_id_header}
    done = fetch(message_id)
    assert (done.status, done.attempts) == (MessageStatus.SENT, 2)


def test_two_sweeps_at_once_hand_each_due_message_to_the_queue_once(settings, partnership, cli_env):
    from service import runtime

    ids = [queue_test_message(partnership, reference=f"DHR-{n}") for n in range(20)]
    runtime.redis().flushdb()
    at = (clock.now() + timedelta(minutes=10)).isoformat()

    sweeps = [
        subprocess.Popen(
            [*DHR, "sweep", "--at", at],
            env=cli_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in sweeps]
    assert [p.returncode for p in sweeps] == [0, 0], outputs

    queued = queued_message_ids()
    assert sorted(queued) == sorted(ids)


def test_sensitive_content_never_reaches_an_insecure_address(settings, partnership, mail_server):
    use(settings, mail_server)
    with db.transaction() as session:
        p = session.merge(partnership)
        agency = next(a for a in p.agencies if a.key == "drug-alcohol-service")
        routing_purpose = "test.delivery.to_agency"
        from mail import routing

        routing.purpose(
            routing_purpose, title="Trawl request", template="test_message", audience="agency"
        )
        outbox.queue_message(
            session,
            partnership=p,
            purpose=routing_purpose,
            reference="DHR-7",
            agency=agency,
            attachments=[outbox.Attachment("case.pdf", "application/pdf", b"%PDF secret")],
        )
    run_worker_burst()

    (got,) = mail_server.messages
    raw = got.data.decode("utf-8", "replace")
    assert got.rcpt_tos == ["safeguarding@exampleshire-recovery.org.uk"]
    assert "This is a test message" not in raw
    assert "%PDF" not in raw and "case.pdf" not in raw
    assert "Trawl request" not in raw
    assert "Message waiting [DHR-7]" in got.message["Subject"]


def test_logs_of_a_full_send_carry_no_content_and_no_recipient(
    settings, partnership, mail_server, caplog, capfd
):
    use(settings, mail_server)
    caplog.set_level(logging.DEBUG)
    message_id = queue_test_message(partnership, to="officer.private@exampleshire.gov.uk")
    with clock.frozen_at(clock.now() + timedelta(minutes=6)):
        sweep.run(clock.now())
    run_worker_burst()
    assert len(mail_server.messages) == 1

    # Everything the service and its libraries logged, less the test's own SMTP server's log.
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert any(r.name == "workers.delivery" for r in ours)
    logged = "\n".join(caplog.handler.format(r) + repr(r.__dict__) for r in ours) + "".join(
        capfd.readouterr()
    )
    assert message_id in logged  # identifiers are logged...
    for secret in ("officer.private", "This is a test", "Test message", "OFFICIAL-SENSITIVE:"):
        assert secret not in logged, f"{secret!r} was logged"  # ...content never


def test_an_accepted_message_survives_redis_being_down(settings, partnership, mail_server):
    working_redis = settings.REDIS_URL
    settings.MAIL_TRANSPORT = mail_server.url
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    use_redis(settings)
    message_id = queue_test_message(partnership)  # commits without an error
    assert db.Sessions().get(Message, message_id) is not None
    report = sweep.run(clock.now() + timedelta(minutes=6))
    assert report.not_enqueued == [message_id]

    settings.REDIS_URL = working_redis
    use_redis(settings)
    with clock.frozen_at(clock.now() + timedelta(minutes=1)):
        assert sweep.run(clock.now()).enqueued == [message_id]
        run_worker_burst()
    assert len(mail_server.messages) == 1
