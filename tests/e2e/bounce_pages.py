"""The console's "Send again to a corrected address" pages, for the browser tests: a case of its
own whose panel member's meeting email, family consent email and sub-group email each bounced
(sent through the outbox, then a DSN about each read as ``dhr mail ingest`` reads one), made once
in the live server's database through the service's own code. The case's panel, consent and
sub-group pages then show the bounces too."""

from __future__ import annotations

from sqlalchemy import select

from mail import outbox
from mail.bounces import record
from service import clock, db
from service.consent import requests as consent_requests
from service.models import (
    AuditEvent,
    Case,
    ConsentDelivery,
    ConsentRequest,
    DeliveryKind,
    Message,
    PanelDelivery,
    PanelMeeting,
    Partnership,
)
from service.panels import members
from service.summaries import delivery
from tests.mail import bounce_fixtures as fx

REFERENCE = "DHR-2026-090"


def _sent_and_bounced(s, message: Message) -> None:
    now = clock.now()
    assert outbox.claim(s, message.id, now)
    assert outbox.mark_sent(s, message.id, now, "250 accepted")
    s.flush()
    raw = fx.rfc3464_dsn(message.message_id_header, message.recipient)
    assert record.ingest(s, raw, source="file").result == record.BOUNCED


def bounce_pages(console_data) -> list[str]:  # noqa: ANN001
    meeting_id = console_data["meeting"].id
    with db.transaction() as s:
        partnership = s.get(Partnership, console_data["case"].partnership_id)
        case = s.scalar(select(Case).where(Case.reference == REFERENCE))
        if case is None:
            case = Case(partnership_id=partnership.id, reference=REFERENCE)
            s.add(case)
            s.flush()
            member = members.add(s, case, name="Morgan Moved", email="m.moved@example.police.uk",
                                 agency=None, role="Panel member", actor="test")  # fmt: skip
            (papers,) = outbox.queue_message(
                s, partnership=partnership, purpose="mail.test", reference=REFERENCE,
                to=[member.email],
            )  # fmt: skip
            meeting = s.get(PanelMeeting, meeting_id)
            s.add(PanelDelivery(meeting_id=meeting.id, member_id=member.id,
                                kind=DeliveryKind.PAPERS, message_id=papers.id))  # fmt: skip
            new = consent_requests.NewRequest(
                name="Robin Relative", relationship_to_victim="Brother",
                delivery=ConsentDelivery.EMAIL, email="robin.relative@example.com",
                ask_about_suspect=False,
            )  # fmt: skip
            consent_requests.create(s, case, new, created_by=None, actor="test")
            delivery.send_to_sub_group(
                s, case, partnership, ["sub.group@exampleshire.gov.uk"], note=None, actor="test"
            )
            s.flush()
            for message in s.scalars(select(Message).where(Message.reference == REFERENCE)).all():
                _sent_and_bounced(s, message)
            s.flush()
        member_id = s.scalar(select(PanelDelivery.member_id).join(
            Message, Message.id == PanelDelivery.message_id
        ).where(Message.reference == REFERENCE))  # fmt: skip
        consent_id = s.scalar(select(ConsentRequest.id).where(ConsentRequest.case_id == case.id))
        sub_group = s.scalar(
            select(Message.id).where(
                Message.reference == REFERENCE, Message.purpose == delivery.SUB_GROUP.name
            )
        )
        event = s.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "summary.sent_to_sub_group", AuditEvent.case_id == case.id
            )
        )
        case_id = case.id
    return [
        f"/console/cases/{case_id}/panel",
        f"/console/panel-members/{member_id}/send-again",
        f"/console/cases/{case_id}/consent",
        f"/console/consent/{consent_id}",
        f"/console/consent/{consent_id}/send-again",
        f"/console/cases/{case_id}/summary/sent?event={event}",
        f"/console/cases/{case_id}/summary/sent/{sub_group}/send-again?event={event}",
    ]


def bounce_form_page(console_data) -> str:  # noqa: ANN001
    """The consent request's "Send again to a corrected address" form, for its error state."""
    return next(
        p
        for p in bounce_pages(console_data)
        if p.startswith("/console/consent/") and p.endswith("/send-again")
    )
