"""One email of a "send to sub-group" bounced: the page of that send says so ("Email bounced on
DATE"), and "Send again to a corrected address" sends the same email and PDF to a secure address
the officer enters; an insecure or malformed one is refused with the error summary. Audited."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from mail import outbox
from mail.bounces import record
from service import clock, db
from service.models import (
    AuditEvent,
    Message,
    MessageBounce,
    MessageResend,
    MessageStatus,
    Partnership,
)
from service.summaries import delivery
from tests.console import post_form
from tests.mail import bounce_fixtures as fx
from tests.summaries.factories import story

TO = ["pat.panel@example.police.uk", "cass.chair@exampleshire.gov.uk"]
CORRECTED = "patricia.panel@example.police.uk"


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_a_bounced_sub_group_email_is_shown_and_sent_again(signed_in, session, partnership):
    case = story(session, partnership).case
    sent = delivery.send_to_sub_group(
        session, case, session.get(Partnership, partnership.id), TO, note=None, actor="test"
    )
    session.commit()
    now = clock.now()
    for message_id in sent.message_ids:
        assert outbox.claim(session, message_id, now)
        assert outbox.mark_sent(session, message_id, now, "250 accepted")
    session.commit()
    bouncing = session.get(Message, sent.message_ids[0])
    with db.transaction() as s:
        raw = fx.rfc3464_dsn(bouncing.message_id_header, bouncing.recipient)
        assert record.ingest(s, raw, source="file").result == record.BOUNCED

    page = f"/console/cases/{case.id}/summary/sent?event={sent.event_id}"
    again = f"/console/cases/{case.id}/summary/sent/{bouncing.id}/send-again?event={sent.event_id}"
    shown = signed_in.get(page)
    assert text(shown).count(f"Email bounced on {clock.long_date(clock.now())}") == 1
    assert html.escape(again) in shown.get_data(as_text=True)
    assert signed_in.get(again).status_code == 200

    for bad, says in [
        ("pat@gmail.com", "is not a secure address"),
        ("pat panel", "Enter an email address in the correct format"),
        ("", "Enter the corrected email address"),
    ]:
        refused = post_form(signed_in, again, {"email": bad}, page=again)
        assert refused.status_code == 400, bad
        assert "govuk-error-summary" in refused.get_data(as_text=True) and says in text(refused)

    done = post_form(signed_in, again, {"email": CORRECTED}, page=again)
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/summary/sent?event={sent.event_id}"
    )
    session.rollback()
    (resend,) = session.scalars(select(MessageResend))
    resent = session.get(Message, resend.message_id)
    assert resend.original_id == bouncing.id
    assert resent.recipient == CORRECTED and resent.status is MessageStatus.QUEUED
    assert resent.purpose == delivery.SUB_GROUP.name and resent.subject == bouncing.subject
    (pdf,) = resent.attachments
    assert pdf.sha256 == bouncing.attachments[0].sha256 and pdf.data.startswith(b"%PDF")
    assert session.scalars(select(MessageBounce)).one().dealt_with_at is not None
    assert "message.sent_again" in session.scalars(select(AuditEvent.action)).all()

    after = text(signed_in.get(page))
    assert "Email bounced" not in after and f"Sent again to {CORRECTED}" in after
    # Sent again once only.
    assert signed_in.get(again).status_code == 302
    twice = post_form(signed_in, again, {"email": "p.panel@example.police.uk"}, page=page)
    assert twice.status_code == 400 and "already been sent again" in text(twice)


def test_a_message_that_is_no_sub_group_send_of_the_case_is_not_found(
    signed_in, session, partnership
):
    case = story(session, partnership).case
    (other,) = outbox.queue_message(
        session, partnership=partnership, purpose="mail.test", reference=case.reference,
        to=[TO[0]],
    )  # fmt: skip
    session.commit()
    assert (
        signed_in.get(f"/console/cases/{case.id}/summary/sent/{other.id}/send-again").status_code
        == 404
    )
