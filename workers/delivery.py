"""The rq job that delivers one message."""

from __future__ import annotations

import logging

from mail import faults, mime, outbox
from mail.transports import CredentialsRefused, PermanentError, TransientError, redact
from service import audit, clock, db, runtime
from service.models import Message, MessageStatus

log = logging.getLogger(__name__)


def deliver(message_id: str) -> str:
    """Claim the message, hand it to the transport outside any transaction, record the outcome.

    Returns what happened, for the job's result. Safe to run twice: only one run can claim.
    """
    settings = runtime.bootstrap()
    claimed_at = clock.now()
    # One transaction claims the message and reads it as claimed; the record is a second one.
    # The MIME is built here too, so nothing is left to do between the two but the sending.
    with db.transaction() as session:
        if not outbox.claim(session, message_id, claimed_at):
            log.info("message not claimable; nothing to do", extra={"message_id": message_id})
            return "skipped"
        # The mail system has just refused the service's sign-in: wait for the next probe
        # rather than be refused again for every message.
        until = faults.wait_until(session, claimed_at)
        if until is not None:
            outbox.wait_for_mail_system(
                session,
                message_id,
                claimed_at,
                until=until,
                reason=faults.WAITING,
                attempted=False,
            )
            return "waiting"
        message = session.get(Message, message_id, populate_existing=True)
        assert message is not None
        attempt, partnership_id = message.attempts, message.partnership_id
        try:
            envelope = mime.build(message, settings.MAIL_FROM)
        except Exception as exc:  # the claim stands; the sweep recovers the message
            unbuildable: Exception | None = exc
        else:
            unbuildable = None
    if unbuildable is not None:
        raise unbuildable
    # No transaction stays open while the mail server is talking.

    log.info("delivering", extra={"message_id": message_id, "attempt": attempt})
    try:
        reply = runtime.transport().send(envelope)
    except CredentialsRefused as exc:
        return _record_refusal(message_id, claimed_at, exc)
    except (TransientError, PermanentError) as exc:
        return _record_failure(
            message_id, claimed_at, redact(str(exc)), isinstance(exc, PermanentError)
        )
    except Exception as exc:
        # A fault of ours, not of the mail server: keep the message for a later attempt and let
        # rq see the exception too, so it is never swallowed.
        _record_failure(message_id, claimed_at, f"unexpected error: {type(exc).__name__}", False)
        raise

    with db.transaction() as session:
        faults.clear(session)
        if outbox.mark_sent(session, message_id, claimed_at, redact(reply)):
            audit.record(
                session,
                "message.sent",
                partnership_id=partnership_id,
                object_type="message",
                object_id=message_id,
                attempt=attempt,
            )
    log.info("delivered", extra={"message_id": message_id, "attempt": attempt})
    return "sent"


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
