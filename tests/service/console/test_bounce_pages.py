"""What the console shows once an email bounces: the outbox's Bounced tag with the reason, and the
dashboard's "Emails that could not be delivered" until the officer marks each as dealt with."""

from __future__ import annotations

from sqlalchemy import select

from mail.bounces import record
from service import db
from service.models import AuditEvent, MessageBounce, Role
from tests.console import make_user, post_form, sign_in
from tests.mail import bounce_fixtures as fx
from tests.mail.test_bounce_reports import AGENCY, sent_message

HEADING = "Emails that could not be delivered"


def bounce(session, partnership, reference="TEST-1"):
    message = sent_message(session, partnership, reference=reference)
    with db.transaction() as s:
        assert record.ingest(s, fx.rfc3464_dsn(message.message_id_header, AGENCY), source="file")
    return message


def dealt_with_url(session, message) -> str:
    session.rollback()
    found = session.scalar(select(MessageBounce.id).where(MessageBounce.message_id == message.id))
    return f"/console/bounces/{found}/dealt-with"


def test_the_outbox_shows_the_bounce_and_its_reason(signed_in, session, partnership):
    message = bounce(session, partnership)

    listing = signed_in.get("/console/outbox?status=bounced").get_data(as_text=True)
    assert "Bounced" in listing and message.reference in listing
    assert "Bounced (5.1.1): 550 5.1.1" in listing
    page = signed_in.get(f"/console/outbox/{message.id}").get_data(as_text=True)
    assert "govuk-tag--red" in page and "Bounced (5.1.1)" in page
    assert "Retry" not in page  # the same address would bounce again


def test_the_dashboard_lists_bounces_until_each_is_dealt_with(
    signed_in, session, partnership, officer
):
    first = bounce(session, partnership, "TEST-1")
    second = bounce(session, partnership, "TEST-2")
    first_url, second_url = dealt_with_url(session, first), dealt_with_url(session, second)
    page = signed_in.get("/console/").get_data(as_text=True)
    assert HEADING in page
    assert page.count("Mark as dealt with") == 2 and f"to {AGENCY}, bounced on" in page

    dealt = post_form(signed_in, first_url, {}, page="/console/")
    assert dealt.status_code == 302
    page = signed_in.get("/console/").get_data(as_text=True)
    assert page.count("Mark as dealt with") == 1 and "TEST-2" in page
    again = post_form(signed_in, first_url, {}, page="/console/")
    assert again.status_code == 302
    assert "already been dealt with" in signed_in.get("/console/").get_data(as_text=True)
    session.rollback()
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == first.id))
    assert list(actions).count("message.bounce_dealt_with") == 1

    post_form(signed_in, second_url, {}, page="/console/")
    assert HEADING not in signed_in.get("/console/").get_data(as_text=True)


def test_a_viewer_sees_the_list_but_cannot_mark_and_others_see_nothing(
    page_app, page_client, session, partnership, other
):
    url = dealt_with_url(session, bounce(session, partnership))
    viewer = make_user(session, partnership, Role.VIEWER, email="vic.viewer@exampleshire.gov.uk")
    outsider = make_user(session, other, Role.OFFICER, email="oscar@otherton.gov.uk")
    session.commit()
    sign_in(page_client, viewer)
    page = page_client.get("/console/").get_data(as_text=True)
    assert HEADING in page and "Mark as dealt with" not in page
    refused = post_form(page_client, url, {}, page="/console/")
    assert refused.status_code == 403

    elsewhere = page_app.test_client()
    assert sign_in(elsewhere, outsider).status_code == 302
    assert HEADING not in elsewhere.get("/console/").get_data(as_text=True)
    assert post_form(elsewhere, url, {}, page="/console/").status_code == 404
