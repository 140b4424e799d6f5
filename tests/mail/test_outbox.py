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
