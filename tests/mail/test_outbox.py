"""Queueing messages: routing, the policy, subjects, the caller's transaction and the audit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mail import outbox, routing
from mail.outbox import Attachment
from service import db
from service.models import AuditEvent, InsecureRecipientAction, Message, MessageStatus
from tests.jobs import queued_message_ids

routing.purpose(
    "test.to_officer", title="Case update", template="test_message", audience="inbox:dhr_officer"
)
routing.purpose("test.to_agency", title="Request", template="test_message", audience="agency")


def agency(partnership, key):
    return next(a for a in partnership.agencies if a.key == key)


def test_a_message_is_written_in_the_callers_transaction_and_enqueued_after_commit(
    settings, partnership
):
    session = db.Sessions()
    (message,) = outbox.queue_message(
        session, partnership=partnership, purpose="test.to_officer", reference="DHR-2026-001"
    )
    assert queued_message_ids() == []  # nothing is handed to Redis before the commit
    session.commit()

    assert queued_message_ids() == [message.id]
    stored = session.get(Message, message.id)
    assert stored.recipient == "dhr.officer@exampleshire.gov.uk"
    assert stored.status is MessageStatus.QUEUED
    assert stored.subject == "OFFICIAL-SENSITIVE: Case update [DHR-2026-001]"
    assert stored.message_id_header == f"<{message.id}@{settings.MESSAGE_ID_DOMAIN}>"
    assert "Exampleshire Community Safety Partnership" in stored.body_text
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.object_id == message.id)).action
        == "message.queued"
    )


def test_a_savepoint_rolled_back_keeps_what_the_rest_of_the_transaction_queued(
    settings, partnership
):
    session = db.Sessions()
    (kept,) = outbox.queue_message(
        session, partnership=partnership, purpose="test.to_officer", reference="DHR-2026-001"
    )
    with session.begin_nested() as savepoint:
        outbox.queue_message(
            session, partnership=partnership, purpose="test.to_officer", reference="DHR-2026-002"
        )
        savepoint.rollback()
    session.commit()

    assert kept.id in queued_message_ids()
    assert session.scalars(select(Message.reference)).all() == ["DHR-2026-001"]


def test_a_rolled_back_transaction_enqueues_nothing(settings, partnership):
    session = db.Sessions()
    outbox.queue_message(
        session, partnership=partnership, purpose="test.to_officer", reference="DHR-2026-001"
    )
    session.rollback()
    session.commit()
    assert queued_message_ids() == []


def test_a_rolled_back_transaction_leaves_no_message_and_no_job(settings, partnership):
    session = db.Sessions()
    outbox.queue_message(
        session, partnership=partnership, purpose="test.to_officer", reference="DHR-2026-001"
    )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Message)) == 0
    session.commit()
    assert queued_message_ids() == []


def test_the_subject_takes_only_a_reference(partnership, settings):
    session = db.Sessions()
    with pytest.raises(routing.RoutingError, match="never a name"):
        outbox.queue_message(
            session, partnership=partnership, purpose="test.to_officer", reference="Jane Smith"
        )


def test_agency_messages_go_to_the_agencys_secure_addresses(settings, partnership):
    session = db.Sessions()
    (message,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="test.to_agency",
        reference="DHR-2026-001",
        agency=agency(partnership, "police"),
        attachments=[Attachment("request.pdf", "application/pdf", b"%PDF")],
    )
    session.commit()
    assert message.recipient == "public.protection@example.police.uk"
    assert message.policy == "secure"
    assert [a.filename for a in message.attachments] == ["request.pdf"]


def test_an_insecure_agency_gets_a_content_free_notice_and_it_is_audited(settings, partnership):
    session = db.Sessions()
    (message,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="test.to_agency",
        reference="DHR-2026-001",
        context={"secret_detail": "never in a notice"},
        agency=agency(partnership, "drug-alcohol-service"),
        attachments=[Attachment("request.pdf", "application/pdf", b"%PDF")],
    )
    session.commit()
    assert message.policy == "notice"
    assert message.status is MessageStatus.QUEUED
    assert message.attachments == []
    assert message.subject == "OFFICIAL-SENSITIVE: Message waiting [DHR-2026-001]"
    assert "test message" not in message.body_text.lower()
    assert "dhr@exampleshire.gov.uk" in message.body_text  # whom to contact
    assert ".gov.uk, .police.uk, .cjsm.net, nhs.net" in message.body_text
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == message.id)
    ).all()
    assert actions == ["message.content_withheld"]


def test_a_partnership_that_holds_keeps_the_message_for_the_officer(settings, session):
    from tests.factories import load_example_partnership

    p = load_example_partnership(session, insecure_recipient_action=InsecureRecipientAction.HOLD)
    session.commit()
    (message,) = outbox.queue_message(
        session,
        partnership=p,
        purpose="test.to_agency",
        reference="DHR-2026-001",
        agency=agency(p, "drug-alcohol-service"),
    )
    session.commit()
    assert message.status is MessageStatus.HELD
    assert queued_message_ids() == []
    assert (
        session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == message.id))
        == "message.held"
    )


def test_a_purpose_with_no_configured_address_is_an_error(settings, partnership):
    session = db.Sessions()
    partnership.inboxes = {**partnership.inboxes, "chair": []}
    routing.purpose("test.to_chair", title="IMR", template="test_message", audience="inbox:chair")
    with pytest.raises(routing.RoutingError, match="nobody to send"):
        outbox.queue_message(
            session, partnership=partnership, purpose="test.to_chair", reference="DHR-1"
        )


def test_an_agency_of_another_partnership_is_refused(settings, partnership):
    from service.models import Agency

    stranger = Agency(key="police", name="Elsewhere Police", partnership_id=partnership.id + 1)
    stranger.secure_addresses = ["ops@elsewhere.police.uk"]
    with pytest.raises(routing.RoutingError, match="another partnership"):
        routing.recipients(routing.get("test.to_agency"), partnership, agency=stranger)


# --- the officer's decisions: release, cancel, retry ---------------------------------------


def held_message(session, *, attachments=True):
    """A sensitive message to the drug and alcohol service (an insecure domain), held."""
    from tests.factories import load_example_partnership

    p = load_example_partnership(session, insecure_recipient_action=InsecureRecipientAction.HOLD)
    session.commit()
    (message,) = outbox.queue_message(
        session,
        partnership=p,
        purpose="test.to_agency",
        reference="DHR-2026-007",
        agency=agency(p, "drug-alcohol-service"),
        attachments=[Attachment("chronology.pdf", "application/pdf", b"%PDF-1.7")]
        if attachments
        else [],
    )
    session.commit()
    assert message.status is MessageStatus.HELD
    return p, message


def events(session, message_id, action):
    return session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == message_id, AuditEvent.action == action)
    ).all()


def attachment_count(session, message_id):
    from service.models import MessageAttachment

    return session.scalar(
        select(func.count())
        .select_from(MessageAttachment)
        .where(MessageAttachment.message_id == message_id)
    )


def test_releasing_to_an_insecure_address_sends_a_content_free_notice(settings, session):
    p, message = held_message(session)
    original = message.body_text
    assert "test message" in original.lower()

    with db.transaction() as s:
        released = outbox.release(s, message.id, actor="user:1", client_address="192.0.2.1")
    assert queued_message_ids() == [message.id]  # handed to the queue after the commit

    stored = session.get(Message, message.id, populate_existing=True)
    assert released.status is stored.status is MessageStatus.QUEUED
    assert stored.policy == "notice"
    assert stored.sensitive is False
    assert stored.subject == "OFFICIAL-SENSITIVE: Message waiting [DHR-2026-007]"
    assert stored.body_text != original
    assert "test message" not in stored.body_text.lower()
    assert "dhr@exampleshire.gov.uk" in stored.body_text  # whom to contact
    assert "DHR-2026-007" in stored.body_text
    assert "test message" not in (stored.body_html or "").lower()
    assert attachment_count(session, message.id) == 0
    assert stored.attachments == []
    (event,) = events(session, message.id, "message.released")
    assert event.detail == {"policy": "notice", "sent_as": "notice"}
    assert event.actor == "user:1"
    assert event.client_address == "192.0.2.1"
    assert event.partnership_id == p.id


def test_releasing_after_the_domain_was_made_secure_sends_the_content(settings, session):
    p, message = held_message(session)
    original_subject, original_body = message.subject, message.body_text
    p.secure_domains = [*p.secure_domains, "exampleshire-recovery.org.uk"]
    session.commit()

    with db.transaction() as s:
        outbox.release(s, message.id, actor="user:1")

    stored = session.get(Message, message.id, populate_existing=True)
    assert stored.status is MessageStatus.QUEUED
    assert stored.policy == "secure"
    assert stored.sensitive is True
    assert (stored.subject, stored.body_text) == (original_subject, original_body)
    assert [a.filename for a in stored.attachments] == ["chronology.pdf"]
    assert events(session, message.id, "message.released")[0].detail["sent_as"] == "content"
    assert queued_message_ids() == [message.id]


def test_release_asks_the_allowlist_as_it_is_now_not_as_this_session_last_read_it(
    settings, session
):
    from sqlalchemy.orm import Session

    from service.models import Partnership

    p, message = held_message(session)
    assert "exampleshire-recovery.org.uk" not in p.secure_domains  # as this session read it
    with Session(db.engine()) as other:  # another officer adds the domain meanwhile
        other.get(Partnership, p.id).secure_domains = [
            *p.secure_domains,
            "exampleshire-recovery.org.uk",
        ]
        other.commit()
    with db.transaction() as s:
        outbox.release(s, message.id, actor="user:1")
    assert session.get(Message, message.id, populate_existing=True).policy == "secure"


def test_a_message_can_be_released_only_once(settings, session):
    _, message = held_message(session)
    with db.transaction() as s:
        outbox.release(s, message.id, actor="user:1")
    with (
        pytest.raises(outbox.MessageRefused, match="it is queued. Only held messages"),
        db.transaction() as s,
    ):
        outbox.release(s, message.id, actor="user:2")
    assert len(events(session, message.id, "message.released")) == 1
    assert queued_message_ids() == [message.id]  # not handed over twice


def test_only_held_messages_are_released(settings, partnership, session):
    (message,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="mail.test",
        reference="TEST-1",
        to=["someone@exampleshire.gov.uk"],
    )
    session.commit()
    with pytest.raises(outbox.MessageRefused, match="Only held messages can be released"):
        outbox.release(session, message.id, actor="user:1")
    with pytest.raises(outbox.MessageRefused, match="no message"):
        outbox.release(session, "0" * 32, actor="user:1")


def test_cancelling_a_held_message(settings, session):
    _, message = held_message(session)
    with db.transaction() as s:
        cancelled = outbox.cancel(s, message.id, actor="user:1", client_address="192.0.2.1")
    assert cancelled.status is MessageStatus.CANCELLED
    assert session.get(Message, message.id, populate_existing=True).status is (
        MessageStatus.CANCELLED
    )
    (event,) = events(session, message.id, "message.cancelled")
    assert event.detail == {"previous_status": "held"}
    assert event.client_address == "192.0.2.1"
    assert queued_message_ids() == []
    with pytest.raises(outbox.MessageRefused, match="it is cancelled"):
        outbox.release(session, message.id, actor="user:1")
    with pytest.raises(outbox.MessageRefused, match="it is cancelled"):
        outbox.cancel(session, message.id, actor="user:1")


def failed_message(session, partnership):
    from sqlalchemy import update

    (message,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="mail.test",
        reference="TEST-1",
        to=["someone@exampleshire.gov.uk"],
    )
    session.execute(
        update(Message)
        .where(Message.id == message.id)
        .values(status=MessageStatus.FAILED, attempts=1, last_error="554 rejected")
    )
    session.commit()
    return message


def test_cancelling_a_failed_message_and_not_a_queued_one(settings, partnership, session):
    message = failed_message(session, partnership)
    with db.transaction() as s:
        outbox.cancel(s, message.id, actor="user:1")
    assert events(session, message.id, "message.cancelled")[0].detail == {
        "previous_status": "failed"
    }

    (queued,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="mail.test",
        reference="TEST-2",
        to=["someone@exampleshire.gov.uk"],
    )
    session.commit()
    with pytest.raises(outbox.MessageRefused, match="Only held or failed messages"):
        outbox.cancel(session, queued.id, actor="user:1")


def test_retry_records_who_and_from_where_and_only_once(settings, partnership, session):
    message = failed_message(session, partnership)
    with db.transaction() as s:
        outbox.retry(s, message.id, actor="user:1", client_address="192.0.2.1")
    (event,) = events(session, message.id, "message.retried")
    assert event.client_address == "192.0.2.1"
    with (
        pytest.raises(outbox.MessageRefused, match="Only failed messages can be retried"),
        db.transaction() as s,
    ):
        outbox.retry(s, message.id, actor="user:1")
