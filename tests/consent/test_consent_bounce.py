"""A consent request sent by email whose email bounced: the consent pages say so ("Email bounced
on DATE"), and "Send again to a corrected address" sends the same email, with the same link, to
the address the officer enters, which becomes the request's. Bad input gets the error summary;
everything is audited."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from mail import outbox
from mail.bounces import record
from service import clock, db
from service.models import AuditEvent, ConsentRequest, Message, MessageBounce, MessageStatus
from tests.consent.factories import FAMILY_EMAIL, ask, link_path, make_case
from tests.console import post_form
from tests.delivered import delivered_text
from tests.mail import bounce_fixtures as fx

NEW_EMAIL = "sam.relative@example.net"


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def sent_and_bounced(session, message_id: str) -> None:
    """The email goes (the outbox's own status changes), and a DSN for it comes back."""
    now = clock.now()
    assert outbox.claim(session, message_id, now)
    assert outbox.mark_sent(session, message_id, now, "250 accepted")
    message = session.get(Message, message_id)
    raw = fx.rfc3464_dsn(message.message_id_header, message.recipient)
    session.commit()
    with db.transaction() as s:
        assert record.ingest(s, raw, source="file").result == record.BOUNCED


def asked_by_email(session, partnership):
    """A request by email, and its email; ids only, and no transaction left open (the pages'
    own connections write to the database)."""
    case = make_case(session, partnership)
    req = ask(session, partnership, case=case)
    session.commit()
    (email,) = session.scalars(select(Message).where(Message.purpose == "consent.request"))
    found = case.id, req.id, email.id, link_path(session, req)
    session.rollback()
    return found


def test_a_bounced_consent_email_is_shown_and_sent_again_to_a_corrected_address(
    signed_in, page_app, session, partnership
):
    case_id, req_id, email_id, link = asked_by_email(session, partnership)
    listing, page = f"/console/cases/{case_id}/consent", f"/console/consent/{req_id}"
    again = f"/console/consent/{req_id}/send-again"
    assert "Email bounced" not in text(signed_in.get(listing))
    assert signed_in.get(again).status_code == 302  # nothing bounced: nothing to send again
    sent_and_bounced(session, email_id)

    today = clock.long_date(clock.now())
    for where in (listing, page):
        shown = signed_in.get(where).get_data(as_text=True)
        assert f"Email bounced on {today}" in text(signed_in.get(where))
        assert f'href="{again}"' in shown
    form = signed_in.get(again)
    assert form.status_code == 200
    assert "Send again to a corrected address" in text(form) and FAMILY_EMAIL in text(form)

    # Bad input: the error summary, and nothing sent.
    for bad, says in [
        ("", "Enter the corrected email address"),
        ("not-an-address", "Enter an email address in the correct format"),
        (FAMILY_EMAIL.upper(), "Enter a different address"),
    ]:
        refused = post_form(signed_in, again, {"email": bad}, page=again)
        assert refused.status_code == 400
        body = refused.get_data(as_text=True)
        assert "govuk-error-summary" in body and says in text(refused)
    assert (
        len(
            fresh(session)
            .scalars(select(Message).where(Message.purpose == "consent.request"))
            .all()
        )
        == 1
    )

    done = post_form(signed_in, again, {"email": f"  {NEW_EMAIL} "}, page=again)
    assert done.status_code == 302 and done.headers["Location"] == page

    session = fresh(session)
    first, resent = session.scalars(
        select(Message).where(Message.purpose == "consent.request").order_by(Message.created_at)
    ).all()
    assert first.id == email_id and first.status is MessageStatus.BOUNCED
    assert resent.recipient == NEW_EMAIL and resent.status is MessageStatus.QUEUED
    assert (resent.subject, resent.body_text) == (first.subject, first.body_text)
    assert link in delivered_text(resent)  # the same link, to the new address
    assert resent.message_id_header != first.message_id_header
    assert session.get(ConsentRequest, req_id).email == NEW_EMAIL
    (bounce,) = session.scalars(select(MessageBounce))
    assert bounce.dealt_with_at is not None  # off the dashboard
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "message.sent_again" in actions and "consent.address_corrected" in actions
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.address_corrected")
    ).one()
    assert NEW_EMAIL not in str(event.detail) and FAMILY_EMAIL not in str(event.detail)
    session.rollback()

    # The bounce is dealt with: no longer shown, and the page does not send it twice.
    assert "Email bounced" not in text(signed_in.get(listing))
    assert signed_in.get(again).status_code == 302
    refused = post_form(signed_in, again, {"email": "another@example.org"}, page=page)
    assert refused.status_code == 400 and "No email to this family member" in text(refused)


def test_another_partnerships_request_cannot_be_sent_again(signed_in, session, other):
    case = make_case(session, other)
    session.commit()
    req = ask(session, other, case=case)
    session.commit()
    assert signed_in.get(f"/console/consent/{req.id}/send-again").status_code == 404
