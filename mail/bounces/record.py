"""Recording what a report says, once.

``ingest`` reads one report in the caller's transaction:

- the report's key goes into ``bounce_report`` (unique) first, inside a savepoint: a report read
  twice, or by two polls at once, is recorded by whichever gets there first and is a
  ``duplicate`` for the other;
- a permanent failure of a message that was ``sent`` marks it ``bounced`` (``mail.outbox``), with
  the redacted diagnostic as its reason, adds a ``MessageBounce`` row, audits it and tells the
  DHR officer, at most once a day for each address;
- a delay adds a ``MessageBounce`` row of kind ``delayed`` and an audit event: nothing else;
- a report about a message that is still queued or being sent is left for the next reading
  (``not yet sent``) and not recorded, so it is not lost;
- anything else is ignored, and logged with the reason only, never an address or subject.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mail import outbox, routing
from mail.bounces import match, parse
from mail.queueing import queue_if_addressed
from service import audit, clock, runtime
from service.models import (
    BounceKind,
    BounceNotice,
    BounceReport,
    Message,
    MessageBounce,
    MessageStatus,
    Partnership,
)

log = logging.getLogger(__name__)

BOUNCED, DELAYED, IGNORED = "bounced", "delayed", "ignored"
DUPLICATE, NOT_YET_SENT = "duplicate", "not yet sent"
UNKNOWN_MESSAGE = "about no message the service sent"
_WAITING = (MessageStatus.QUEUED, MessageStatus.SENDING)
_NOT_REPORTS = {parse.AUTO_REPLY, parse.READ_RECEIPT, parse.NOT_A_REPORT}


@dataclass(frozen=True)
class Outcome:
    """What reading one report did. ``detail`` is safe to log and print (no addresses)."""

    result: str  # bounced, delayed, ignored, duplicate or not yet sent
    detail: str = ""
    messages: tuple[str, ...] = ()  # outbox ids of the messages it changed
    #: False for what is no delivery report (an automatic reply, a read receipt, other mail):
    #: a mailbox leaves those where they are, for people to read.
    report: bool = True

    @property
    def settled(self) -> bool:
        """Whether the report is done with (a mailbox may move it away)."""
        return self.result != NOT_YET_SENT


def ingest(session: Session, raw: bytes, *, source: str) -> Outcome:
    """Read the report ``raw`` (from ``source``: file, graph, imap) in the caller's transaction."""
    report = parse.parse(raw)
    if report.ignored == parse.TOO_BIG:
        log.warning("bounce report ignored", extra={"reason": report.ignored, "source": source})
        return Outcome(IGNORED, report.ignored)
    if report.ignored:
        return _ignore(session, report.key, source, report.ignored)
    matches = match.find(session, report)
    if not matches:
        return _ignore(session, report.key, source, UNKNOWN_MESSAGE)
    if any(m.message.status in _WAITING for m in matches):
        return Outcome(NOT_YET_SENT, "the message it is about is not marked sent yet")
    row, earlier = _first_reading(session, report.key, source, report.format)
    if row is None:
        return _duplicate(earlier)
    changed: list[str] = []
    results: set[str] = set()
    for found in matches:
        result = _apply(session, row, found)
        if result:
            changed.append(found.message.id)
            results.add(result)
    row.outcome = "+".join(sorted(results)) or "nothing to change"
    if not changed:
        return Outcome(IGNORED, "the messages it is about were not sent or had bounced already")
    return Outcome(BOUNCED if BOUNCED in results else DELAYED, report.format, tuple(changed))


def remember(session: Session, key: str, source: str, outcome: str) -> bool:
    """Record ``key`` as read (a mailbox item left in place, say); False if it was already."""
    return _first_reading(session, key, source, outcome)[0] is not None


def known(session: Session, key: str) -> bool:
    return session.scalar(select(BounceReport.id).where(BounceReport.key == key)) is not None


def _ignore(session: Session, key: str, source: str, reason: str) -> Outcome:
    row, earlier = _first_reading(session, key, source, f"ignored: {reason}")
    if row is None:
        return _duplicate(earlier)
    log.info("bounce report ignored", extra={"reason": reason, "source": source})
    return Outcome(IGNORED, reason, report=reason not in _NOT_REPORTS)


def _duplicate(earlier: str) -> Outcome:
    left = earlier.removeprefix("ignored: ") in _NOT_REPORTS
    return Outcome(DUPLICATE, "this report was read before", report=not left)


def _first_reading(
    session: Session, key: str, source: str, outcome: str
) -> tuple[BounceReport | None, str]:
    """The new row for ``key``; or None and what the earlier reading recorded."""
    row = BounceReport(key=key, source=source, outcome=outcome[:64], read_at=clock.now())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        earlier = session.scalar(select(BounceReport.outcome).where(BounceReport.key == key))
        return None, earlier or ""
    return row, outcome


def _apply(session: Session, report: BounceReport, found: match.Match) -> str | None:
    message, failure = found.message, found.failure
    if message.status is not MessageStatus.SENT:
        return None  # bounced already, or never sent (failed, held, cancelled)
    kind = BounceKind.BOUNCED if failure.permanent else BounceKind.DELAYED
    if kind is BounceKind.BOUNCED:
        reason = f"Bounced ({failure.status}): {failure.diagnostic}"
        if not outbox.mark_bounced(session, message.id, reason):
            return None  # another reading moved it first
    session.add(
        MessageBounce(
            message_id=message.id,
            partnership_id=message.partnership_id,
            report_id=report.id,
            kind=kind,
            recipient=message.recipient,
            status_code=failure.status,
            diagnostic=failure.diagnostic,
            reported_at=clock.now(),
        )
    )
    audit.record(
        session,
        f"message.{kind.value}",
        partnership_id=message.partnership_id,
        object_type="message",
        object_id=message.id,
        purpose=message.purpose,
        reference=message.reference,
        status_code=failure.status,
    )
    log.info(
        "bounce report recorded",
        extra={"message_id": message.id, "kind": kind.value, "status_code": failure.status},
    )
    if kind is BounceKind.BOUNCED:
        session.refresh(message)
        _tell_officer(session, message, failure)
    return kind.value


def _tell_officer(session: Session, message: Message, failure: parse.Failure) -> None:
    """One email to the DHR officer inbox per bounced address per day, at most."""
    if message.partnership_id is None or message.purpose == routing.BOUNCED.name:
        return  # nobody's, or a notice of a bounce that bounced itself: no loop
    partnership = session.get(Partnership, message.partnership_id)
    if partnership is None:
        return
    notice = BounceNotice(
        partnership_id=partnership.id,
        address=message.recipient.strip().lower(),
        day=clock.london_date(clock.now()),
    )
    try:
        with session.begin_nested():
            session.add(notice)
            session.flush()
    except IntegrityError:
        return  # told about this address today already
    entry = routing.PURPOSES.get(message.purpose)
    queue_if_addressed(
        session,
        partnership=partnership,
        purpose=routing.BOUNCED.name,
        reference=message.reference,
        case_id=None,
        context={
            "what": entry.title if entry else message.purpose,
            "address": message.recipient,
            "sent_on": clock.long_moment(message.sent_at) if message.sent_at else "not known",
            "reason": f"{failure.status} {failure.diagnostic}",
            "link": f"{runtime.settings().SERVICE_URL}/console/outbox/{message.id}",
        },
    )
