"""The rq job that delivers messages: the ones one transaction queued, over one connection.

The batch is claimed (queued → sending) in one statement before anything is sent, and what the
mail server accepts is recorded as sent within ``RECORD_EVERY`` seconds: a worker killed
mid-batch leaves only the messages of those last moments unrecorded (the sweep sends them again
with the same Message-ID), and the ones it had not reached are sent by the sweep for the first
time.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mail import faults, mime, outbox
from mail.transports import (
    CredentialsRefused,
    Envelope,
    PermanentError,
    TransientError,
    redact,
)
from service import audit, clock, db, runtime
from service.models import Message, MessageAttachment, MessageStatus

log = logging.getLogger(__name__)

#: A batch starts no new send after this many seconds; the rest go back to the queue, so a slow
#: mail server never runs a job into its time-out (``service.queues.DELIVERY_TIMEOUT``).
BATCH_BUDGET = 120.0
#: Seconds at most between the mail server accepting a message and its record as sent.
RECORD_EVERY = 0.05
#: Seconds between Python's switches of thread while a batch runs (``_Batch.run``).
SWITCH_INTERVAL = 0.0002


def deliver(message_id: str) -> str:
    """Deliver one message; what happened to it, for the job's result."""
    return deliver_many([message_id])[message_id]


def deliver_many(message_ids: Sequence[str]) -> dict[str, str]:
    """Claim the messages, send each outside any transaction, record what happened to each.

    Returns what happened to each ("sent", "retry", "failed", "waiting", "skipped",
    "unbuildable"). Safe to run twice, or beside another job for the same messages: only one
    run can claim a message.
    """
    settings = runtime.bootstrap()
    outcomes = {message_id: "skipped" for message_id in message_ids}
    claimed_at = clock.now()
    with db.transaction() as session:
        claimed = outbox.claim_many(session, message_ids, claimed_at)
        if not claimed:
            log.info("no message claimable; nothing to do", extra={"messages": len(message_ids)})
            return outcomes
        # The mail system has just refused the service's sign-in: wait for the next probe
        # rather than be refused again for every message.
        until = faults.wait_until(session, claimed_at)
        if until is not None:
            _wait_in(session, claimed, claimed_at, until, outcomes)
            return outcomes
        fault_to_clear = faults.current(session) is not None
        # Read as claimed, attachments and all; the session keeps them loaded after the commit.
        messages = _load(session, claimed)
    # The claim is committed before anything is sent, and no transaction stays open while the
    # mail server is talking.
    _Batch(claimed, claimed_at, fault_to_clear, outcomes).run(messages, settings.MAIL_FROM)
    return outcomes


class _Batch:
    """One batch's sending: built here, sent by a thread of its own, recorded here.

    Building a message costs about as much as the mail server takes to answer for the one
    before it, so the two overlap: this thread builds and records while ``_Sender`` waits on
    the server. Only this thread touches the database.
    """

    def __init__(
        self, claimed: list[str], claimed_at: datetime, fault_to_clear: bool, outcomes: dict
    ) -> None:
        self.claimed = claimed
        self.claimed_at = claimed_at
        self.outcomes = outcomes
        self.recorder = _Recorder(claimed_at, fault_to_clear)
        self.details: dict[str, tuple[int, int]] = {}
        self.started = time.monotonic()
        #: A fault of ours that stopped the batch, raised once the batch is put in order.
        self.stopped_by: BaseException | None = None
        #: The mail system refused the service's sign-in: the rest wait for the next probe.
        self.refused = False

    def run(self, messages: list[Message], sender_address: str) -> None:
        # Python hands its lock between threads every 5 ms by default: the sender, woken by each
        # reply of the mail server, would wait that long for it while this thread builds.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            self._run(messages, sender_address)
        finally:
            sys.setswitchinterval(switch)

    def _run(self, messages: list[Message], sender_address: str) -> None:
        sender = _Sender(runtime.transport())
        sender.start()
        unbuildable: Exception | None = None
        try:
            for message in messages:
                if sender.finished.is_set() or self._out_of_time():
                    break
                try:
                    envelope = mime.build(message, sender_address)
                    envelope.wire  # noqa: B018 - flattened here, while the one before is sending
                except Exception as exc:  # the claim stands; the sweep recovers the message
                    log.error("message could not be built", extra={"message_id": message.id})
                    unbuildable = unbuildable or exc
                    self.outcomes[message.id] = "unbuildable"
                    continue
                self.details[message.id] = (message.attempts, message.partnership_id)
                sender.hand(message.id, message.attempts, envelope)
                self._take(sender, wait=False)
            sender.hand_over_done()
            while not (sender.finished.is_set() and sender.results.empty()):
                if self._out_of_time():
                    sender.stop()
                self._take(sender, wait=True)
        except BaseException:
            # The job's time-out, or a fault recording: stop sending, keep what is known.
            sender.stop()
            self._take_all(sender)
            self._give_back(sender, "the delivery job stopped")
            raise
        self._take_all(sender)
        self._give_back(sender, "the batch stopped before sending them")
        if self.stopped_by is not None:
            raise self.stopped_by
        if unbuildable is not None:
            raise unbuildable

    def _out_of_time(self) -> bool:
        return time.monotonic() - self.started > BATCH_BUDGET

    def _take(self, sender: _Sender, *, wait: bool) -> None:
        try:
            result = sender.results.get(timeout=0.5) if wait else sender.results.get_nowait()
        except queue.Empty:
            self.recorder.due()
            return
        self._record(*result)
        self.recorder.due()

    def _take_all(self, sender: _Sender) -> None:
        while True:
            try:
                result = sender.results.get_nowait()
            except queue.Empty:
                break
            self._record(*result)
        self.recorder.flush()

    def _record(self, message_id: str, reply: str | None, error: BaseException | None) -> None:
        attempt, partnership_id = self.details[message_id]
        if error is None:
            assert reply is not None
            self.recorder.add(message_id, redact(reply), attempt, partnership_id)
            self.outcomes[message_id] = "sent"
            return
        self.recorder.flush()  # in order: what was sent before this is recorded first
        if isinstance(error, CredentialsRefused):
            self.outcomes[message_id] = _record_refusal(message_id, self.claimed_at, error)
            self.refused = True
        elif isinstance(error, (TransientError, PermanentError)):
            self.outcomes[message_id] = _record_failure(
                message_id, self.claimed_at, redact(str(error)), isinstance(error, PermanentError)
            )
        else:
            # A fault of ours, not of the mail server: keep the message for a later attempt and
            # let rq see the exception too, so it is never swallowed.
            _record_failure(message_id, self.claimed_at,
                            f"unexpected error: {type(error).__name__}", False)  # fmt: skip
            self.outcomes[message_id] = "retry"
            self.stopped_by = error

    def _give_back(self, sender: _Sender, why: str) -> None:
        """The claimed messages the sender never started on: unattempted, so not counted."""
        unsent = [
            message_id
            for message_id in self.claimed
            if self.outcomes[message_id] == "skipped" and message_id not in sender.started_on
        ]
        if not unsent:
            return
        if self.refused:
            _wait_unattempted(unsent, self.claimed_at, self.outcomes)
        else:
            _hand_back(unsent, self.claimed_at, self.outcomes, why)


class _Sender(threading.Thread):
    """Sends the envelopes handed to it, in order, and hands back each reply or error.

    It stops at the first refusal of the service's sign-in or fault of its own (nothing more
    would get through), and when told to; a message it has started on is never given back.
    """

    def __init__(self, transport) -> None:  # noqa: ANN001
        super().__init__(name="delivery-sender", daemon=True)
        self.transport = transport
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        self.finished = threading.Event()
        self.started_on: set[str] = set()
        self._lock = threading.Lock()
        self._stopped = False

    def hand(self, message_id: str, attempt: int, envelope: Envelope) -> None:
        self.inbox.put((message_id, attempt, envelope))

    def hand_over_done(self) -> None:
        self.inbox.put(None)

    def stop(self) -> None:
        """Start on nothing more; after this, ``started_on`` no longer changes."""
        with self._lock:
            self._stopped = True
        self.inbox.put(None)

    def run(self) -> None:
        try:
            while True:
                item = self.inbox.get()
                with self._lock:
                    if item is None or self._stopped:
                        return
                    message_id, attempt, envelope = item
                    self.started_on.add(message_id)
                log.info("delivering", extra={"message_id": message_id, "attempt": attempt})
                try:
                    reply = self.transport.send(envelope)
                except Exception as exc:
                    self.results.put((message_id, None, exc))
                    if isinstance(exc, CredentialsRefused) or not isinstance(
                        exc, (TransientError, PermanentError)
                    ):
                        return
                    continue
                self.results.put((message_id, reply, None))
        finally:
            with self._lock:
                self._stopped = True
            self.finished.set()


class _Recorder:
    """Messages the mail server accepted, recorded as sent in one transaction for several.

    A transaction a message costs more than sending it does; so what was accepted is written
    together, at most ``RECORD_EVERY`` seconds after the first of them was accepted, and always
    before anything else is recorded and when the batch ends. A worker killed in between leaves
    those few "sending": the sweep sends them again with the same Message-ID.
    """

    def __init__(self, claimed_at: datetime, fault_to_clear: bool) -> None:
        self.claimed_at = claimed_at
        self.fault_to_clear = fault_to_clear
        self.pending: list[tuple[str, str, int, int, datetime]] = []
        self.since = 0.0

    def add(self, message_id: str, reply: str, attempt: int, partnership_id: int) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append((message_id, reply, attempt, partnership_id, clock.now()))
        self.due()

    def due(self) -> None:
        """Record what is waiting if the first of it was accepted ``RECORD_EVERY`` ago."""
        if self.pending and time.monotonic() - self.since >= RECORD_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        with db.transaction() as session:
            if self.fault_to_clear:
                faults.clear(session)
            # One statement moves them all; the audit rows are written together at the commit.
            moved = set(
                outbox.mark_sent_many(
                    session, [(m, reply, at) for m, reply, _, _, at in pending], self.claimed_at
                )
            )
            for message_id, _reply, attempt, partnership_id, _at in pending:
                if message_id not in moved:
                    continue
                audit.record(
                    session,
                    "message.sent",
                    partnership_id=partnership_id,
                    object_type="message",
                    object_id=message_id,
                    attempt=attempt,
                )
        self.fault_to_clear = False
        for message_id, _reply, attempt, _p, _at in pending:
            log.info("delivered", extra={"message_id": message_id, "attempt": attempt})


def _load(session, message_ids: list[str]) -> list[Message]:  # noqa: ANN001
    """The claimed messages as the database has them now, attachments and all, in one read."""
    rows = session.scalars(
        select(Message)
        .where(Message.id.in_(message_ids))
        .options(selectinload(Message.attachments).selectinload(MessageAttachment.blob))
        .execution_options(populate_existing=True)
    ).all()
    by_id = {message.id: message for message in rows}
    return [by_id[message_id] for message_id in message_ids if message_id in by_id]


def _hand_back(message_ids: list[str], claimed_at, outcomes: dict, why: str) -> None:  # noqa: ANN001
    if not message_ids:
        return
    with db.transaction() as session:
        for message_id in outbox.hand_back(session, message_ids, claimed_at):
            outcomes[message_id] = "skipped"
    log.warning("messages given back to the queue unsent", extra={"messages": len(message_ids),
                "reason": why})  # fmt: skip


def _wait_unattempted(message_ids: list[str], claimed_at, outcomes: dict) -> None:  # noqa: ANN001
    if not message_ids:
        return
    with db.transaction() as session:
        until = faults.wait_until(session, clock.now()) or clock.now() + faults.PROBE_INTERVAL
        _wait_in(session, message_ids, claimed_at, until, outcomes)


def _wait_in(session, message_ids: list[str], claimed_at, until, outcomes: dict) -> None:  # noqa: ANN001
    """Claimed, never sent: they wait, uncounted, for the next probe of the mail system."""
    for message_id in message_ids:
        outbox.wait_for_mail_system(
            session, message_id, claimed_at, until=until, reason=faults.WAITING, attempted=False
        )
        outcomes[message_id] = "waiting"


def _record_refusal(message_id: str, claimed_at, exc: CredentialsRefused) -> str:  # noqa: ANN001
    """The mail system refused the service itself: keep the message, tell the officers."""
    now = clock.now()
    reason = redact(str(exc))
    with db.transaction() as session:
        faults.record(session, exc.setting, reason, now)
        outbox.wait_for_mail_system(
            session,
            message_id,
            claimed_at,
            until=now + faults.PROBE_INTERVAL,
            reason=f"{faults.WAITING}: {reason}",
            attempted=True,
        )
    return "waiting"


def _record_failure(message_id: str, claimed_at, error: str, permanent: bool) -> str:  # noqa: ANN001
    with db.transaction() as session:
        message = session.get(Message, message_id, populate_existing=True)
        assert message is not None
        status = outbox.mark_failed_attempt(
            session, message, claimed_at, error, permanent=permanent
        )
        if status is MessageStatus.FAILED:
            audit.record(
                session,
                "message.failed",
                partnership_id=message.partnership_id,
                object_type="message",
                object_id=message_id,
                attempts=message.attempts,
            )
    log.warning(
        "delivery failed",
        extra={
            "message_id": message_id,
            "permanent": permanent,
            "status": status.value if status else "unchanged",
            "error": error,
        },
    )
    return "failed" if status is MessageStatus.FAILED else "retry"
