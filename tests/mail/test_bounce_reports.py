"""Bounce reports, read by ``mail.bounces``: each kind of report gives exactly its outcome.

A permanent failure marks that one message ``bounced`` with the redacted diagnostic and tells
the DHR officer; a delay is recorded and changes nothing else; out-of-office replies, read
receipts, reports about messages we never sent, malformed and oversized reports change nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mail import outbox
from mail.bounces import parse, record
from service import clock, db
from service.models import (
    AuditEvent,
    BounceKind,
    BounceReport,
    Message,
    MessageBounce,
    MessageStatus,
    Nation,
    Partnership,
)
from tests.mail import bounce_fixtures as fx

AGENCY = "asc.safeguarding@exampleshire.gov.uk"


def sent_message(session, partnership, to: str = AGENCY, reference: str = "TEST-1") -> Message:
    """A message queued and delivered through the outbox's own status changes."""
    session.rollback()  # no read snapshot older than what others wrote since
    (message,) = outbox.queue_message(
        session, partnership=partnership, purpose="mail.test", reference=reference, to=[to]
    )
    now = clock.now()
    assert outbox.claim(session, message.id, now)
    assert outbox.mark_sent(session, message.id, now, "250 accepted")
    session.commit()
    session.refresh(message)
    return message


def ingest(raw: bytes, source: str = "file") -> record.Outcome:
    with db.transaction() as s:
        return record.ingest(s, raw, source=source)


def status_of(session, message: Message) -> MessageStatus:
    session.rollback()  # a snapshot of now, not of the last read
    return session.get(Message, message.id).status


def officer_emails(session) -> list[Message]:
    session.rollback()  # a snapshot of now, not of the last read
    return list(session.scalars(select(Message).where(Message.purpose == "mail.bounced")))


def bounces(session) -> list[MessageBounce]:
    session.rollback()  # a snapshot of now, not of the last read
    return list(session.scalars(select(MessageBounce).order_by(MessageBounce.id)))


@pytest.mark.parametrize(
    "report",
    [fx.rfc3464_dsn, fx.exchange_online_ndr, fx.postfix_headers_only, fx.qmail_bounce],
    ids=["rfc3464-5.1.1", "exchange-online-ndr", "postfix-rfc822-headers", "qmail-flufl"],
)
def test_a_permanent_failure_marks_that_message_bounced_and_tells_the_officer(
    settings, session, partnership, report
):
    message = sent_message(session, partnership)
    other = sent_message(session, partnership, reference="TEST-2")

    outcome = ingest(report(message.message_id_header, AGENCY))

    assert (outcome.result, outcome.messages) == ("bounced", (message.id,))
    assert status_of(session, message) is MessageStatus.BOUNCED
    assert status_of(session, other) is MessageStatus.SENT  # same address, another message
    (bounce,) = bounces(session)
    assert (bounce.kind, bounce.recipient) == (BounceKind.BOUNCED, AGENCY)
    stored = session.get(Message, message.id)
    assert stored.last_error.startswith(f"Bounced ({bounce.status_code}): ")
    assert AGENCY not in stored.last_error and AGENCY not in bounce.diagnostic  # redacted
    (told,) = officer_emails(session)
    assert told.recipient == "dhr.officer@exampleshire.gov.uk"
    assert told.reference == "TEST-1" and AGENCY in told.body_text
    assert AGENCY not in told.subject
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == message.id))
    assert "message.bounced" in list(actions)


def test_each_format_gives_its_status_code(settings, session, partnership):
    expected = {
        fx.rfc3464_dsn: "5.1.1",
        fx.exchange_online_ndr: "5.1.10",
        fx.postfix_headers_only: "5.1.1",
        fx.qmail_bounce: "5.0.0",
    }
    for report, code in expected.items():
        parsed = parse.parse(report("<a1@dhr-forms.invalid>", AGENCY))
        assert parsed.ignored is None
        assert [(f.addresses, f.status, f.permanent) for f in parsed.failures] == [
            ((AGENCY,), code, True)
        ]
        assert parsed.original_ids == ("<a1@dhr-forms.invalid>",)


def test_a_4_4_7_delay_is_recorded_and_changes_nothing_else(settings, session, partnership):
    message = sent_message(session, partnership)

    outcome = ingest(fx.delay_447(message.message_id_header, AGENCY))

    assert outcome.result == "delayed"
    assert status_of(session, message) is MessageStatus.SENT
    (bounce,) = bounces(session)
    assert (bounce.kind, bounce.status_code) == (BounceKind.DELAYED, "4.4.7")
    assert officer_emails(session) == []
    assert session.get(Message, message.id).last_error is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda mid: fx.out_of_office(mid, AGENCY), parse.AUTO_REPLY),
        (lambda mid: fx.read_receipt(mid, AGENCY), parse.READ_RECEIPT),
        (lambda mid: fx.unknown_message(AGENCY), record.UNKNOWN_MESSAGE),
        (lambda mid: fx.malformed_report(mid, AGENCY), parse.MALFORMED),
        (lambda mid: fx.forged_from(mid, AGENCY), record.UNKNOWN_MESSAGE),
        (lambda mid: fx.rfc3464_dsn(mid, "other@exampleshire.gov.uk"), record.UNKNOWN_MESSAGE),
        (lambda mid: b"this is not an email at all\r\n", parse.NOT_A_REPORT),
        (lambda mid: fx.padded(fx.rfc3464_dsn(mid, AGENCY), 20 * 1024 * 1024 + 1), parse.TOO_BIG),
    ],
    ids=[
        "out-of-office",
        "read-receipt",
        "unknown-message-id",
        "malformed-multipart-report",
        "forged-from",
        "another-recipient",
        "not-an-email",
        "over-20-mb",
    ],
)
def test_reports_that_say_nothing_about_our_messages_change_nothing(
    settings, session, partnership, make, reason, caplog
):
    message = sent_message(session, partnership)
    caplog.set_level(logging.INFO, logger="mail.bounces")

    outcome = ingest(make(message.message_id_header))

    assert (outcome.result, outcome.detail) == ("ignored", reason)
    assert status_of(session, message) is MessageStatus.SENT
    assert bounces(session) == [] and officer_emails(session) == []
    logged = [r for r in caplog.records if r.name.startswith("mail.bounces")]
    assert [getattr(r, "reason", None) for r in logged] == [reason]
    assert all(AGENCY not in r.getMessage() and AGENCY not in str(r.__dict__) for r in logged)


def test_the_same_report_read_twice_is_recorded_once(settings, session, partnership):
    message = sent_message(session, partnership)
    report = fx.rfc3464_dsn(message.message_id_header, AGENCY)

    first, second = ingest(report), ingest(report.replace(b"\r\n", b"\n"))

    assert (first.result, second.result) == ("bounced", "duplicate")
    assert len(bounces(session)) == 1 and len(officer_emails(session)) == 1
    assert session.scalar(select(func.count()).select_from(BounceReport)) == 1


def test_the_officer_is_told_once_a_day_per_address(settings, session, partnership):
    first = sent_message(session, partnership, reference="TEST-1")
    second = sent_message(session, partnership, reference="TEST-2")
    ingest(fx.rfc3464_dsn(first.message_id_header, AGENCY))
    ingest(fx.postfix_headers_only(second.message_id_header, AGENCY))
    assert len(officer_emails(session)) == 1
    assert [b.message_id for b in bounces(session)] == [first.id, second.id]

    later = sent_message(session, partnership, reference="TEST-3")
    with clock.frozen_at(clock.now() + timedelta(days=1)):
        ingest(fx.exchange_online_ndr(later.message_id_header, AGENCY))
    assert len(officer_emails(session)) == 2


def test_a_report_about_a_message_not_yet_marked_sent_is_left_for_later(
    settings, session, partnership
):
    (message,) = outbox.queue_message(
        session, partnership=partnership, purpose="mail.test", reference="TEST-1", to=[AGENCY]
    )
    session.commit()
    report = fx.rfc3464_dsn(message.message_id_header, AGENCY)

    assert ingest(report).result == "not yet sent"
    assert session.scalar(select(func.count()).select_from(BounceReport)) == 0

    now = clock.now()
    with db.transaction() as s:
        outbox.claim(s, message.id, now)
        outbox.mark_sent(s, message.id, now, "250 accepted")
    assert ingest(report).result == "bounced"


def test_a_message_id_of_another_partnership_bounces_only_that_message(
    settings, session, partnership
):
    other = Partnership(
        slug="otherton",
        name="Otherton Community Safety Partnership",
        nation=Nation.ENGLAND,
        secure_domains=["otherton.gov.uk", "*.gov.uk"],
        inboxes={"dhr_officer": ["dhr@otherton.gov.uk"]},
    )
    session.add(other)
    session.commit()
    ours = sent_message(session, partnership)
    theirs = sent_message(session, other, reference="OTH-1")

    ingest(fx.rfc3464_dsn(theirs.message_id_header, AGENCY))

    assert status_of(session, ours) is MessageStatus.SENT
    assert status_of(session, theirs) is MessageStatus.BOUNCED
    (told,) = officer_emails(session)
    assert (told.partnership_id, told.recipient) == (other.id, "dhr@otherton.gov.uk")


def test_in_reply_to_is_only_a_fallback(settings, session, partnership):
    message = sent_message(session, partnership)
    decoy = sent_message(session, partnership, reference="TEST-2")
    # Returned headers name the decoy; In-Reply-To names the message: the headers win.
    report = fx.exchange_online_ndr(decoy.message_id_header, AGENCY).replace(
        f"In-Reply-To: {decoy.message_id_header}".encode(),
        f"In-Reply-To: {message.message_id_header}".encode(),
    )
    ingest(report)
    assert status_of(session, decoy) is MessageStatus.BOUNCED
    assert status_of(session, message) is MessageStatus.SENT

    # With nothing returned, In-Reply-To is used.
    third = sent_message(session, partnership, reference="TEST-3")
    bare = fx.delay_447("<x@y>", AGENCY).split(b"--delay-b\r\nContent-Type: text/rfc822-headers")[0]
    reply_to = f"In-Reply-To: {third.message_id_header}\r\nMIME-Version".encode()
    bare = bare.replace(b"MIME-Version", reply_to)
    assert ingest(bare + b"--delay-b--\r\n").result == "delayed"
    assert [b.message_id for b in bounces(session)][-1] == third.id


def test_a_second_report_about_a_bounced_message_changes_nothing(settings, session, partnership):
    message = sent_message(session, partnership)
    ingest(fx.rfc3464_dsn(message.message_id_header, AGENCY))
    again = ingest(fx.exchange_online_ndr(message.message_id_header, AGENCY))
    assert again.result == "ignored"
    assert len(bounces(session)) == 1
