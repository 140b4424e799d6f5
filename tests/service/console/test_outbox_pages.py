"""The console's Outbox pages: the list, one message, and the officer's retry, release and cancel,
through the real pages and the real outbox functions."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from mail import outbox
from mail.outbox import Attachment
from service import clock
from service import tokens as tokens_mod
from service.auth import accounts
from service.models import (
    AccessToken,
    AuditEvent,
    InsecureRecipientAction,
    Message,
    MessageAttachment,
    MessageStatus,
    Partnership,
    Role,
)
from tests.console import csrf_from, make_user, post_form, sign_in
from tests.jobs import queued_message_ids

INSECURE = "safeguarding@exampleshire-recovery.org.uk"  # the drug and alcohol service's address
SECURE = "someone@exampleshire.gov.uk"


def queue(session, partnership, reference="TEST-1", to=SECURE, attachments=()) -> str:
    (message,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="mail.test",
        reference=reference,
        to=[to],
        attachments=attachments,
    )
    session.commit()
    return message.id


def set_status(session, message_id, status, **values) -> None:
    session.execute(update(Message).where(Message.id == message_id).values(status=status, **values))
    session.commit()


def held(session, partnership, reference="DHR-2026-007") -> str:
    """A sensitive message with an attachment, held because the address is not secure."""
    partnership = session.get(Partnership, partnership.id)
    partnership.insecure_recipient_action = InsecureRecipientAction.HOLD
    session.commit()
    message_id = queue(
        session,
        partnership,
        reference,
        to=INSECURE,
        attachments=[Attachment("chronology.pdf", "application/pdf", b"%PDF-1.7 " + b"x" * 2039)],
    )
    assert fetch(session, message_id).status is MessageStatus.HELD
    return message_id


def fetch(session, message_id) -> Message:
    session.rollback()
    return session.get(Message, message_id, populate_existing=True)


def events(session, action, message_id) -> list[AuditEvent]:
    session.rollback()
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.object_id == message_id
            )
        )
    )


def page(response) -> str:
    return response.get_data(as_text=True)


def table_references(html: str) -> list[str]:
    """The references in the outbox table, in order."""
    return re.findall(r'href="/console/outbox/[0-9a-f]+">([A-Z0-9/-]+)<', html)


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_partnerships_messages_newest_first(
    signed_in, session, partnership, other
):
    with clock.frozen_at(clock.parse("2026-11-22T09:15:00Z")):
        sent = queue(session, partnership, "DHR-2026-001")
    with clock.frozen_at(clock.parse("2026-11-22T10:00:00Z")):
        failed = queue(session, partnership, "DHR-2026-002")
    with clock.frozen_at(clock.parse("2026-07-01T08:00:00Z")):  # summer: London is UTC+1
        queue(session, partnership, "DHR-2026-003")
    set_status(session, sent, MessageStatus.SENT, attempts=1, last_error="an earlier blip")
    set_status(session, failed, MessageStatus.FAILED, attempts=3, last_error="554 5.7.1 rejected")
    queue(session, other, "OTHER-1", to="someone@otherton.gov.uk")

    html = page(signed_in.get("/console/outbox"))

    assert table_references(html) == ["DHR-2026-002", "DHR-2026-001", "DHR-2026-003"]
    assert "OTHER-1" not in html
    assert "22 Nov 2026 09:15" in html and "22 Nov 2026 10:00" in html
    assert "1 Jul 2026 09:00" in html
    assert "Test message" in html  # the purpose's title, not its name
    assert SECURE in html
    assert re.search(r"govuk-tag--green\">\s*Sent", html)
    assert re.search(r"govuk-tag--red\">\s*Failed", html)
    assert re.search(r"class=\"govuk-tag\">\s*Queued", html)  # the plain (blue) tag
    assert "554 5.7.1 rejected" in html
    assert "an earlier blip" not in html  # the last error only while not sent
    assert f'href="/console/outbox/{failed}"' in html


def test_the_list_filters_by_status(signed_in, session, partnership):
    queue(session, partnership, "DHR-2026-001")
    failed = queue(session, partnership, "DHR-2026-002")
    set_status(session, failed, MessageStatus.FAILED, attempts=1, last_error="554 rejected")
    held(session, partnership, "DHR-2026-003")

    html = page(signed_in.get("/console/outbox?status=failed"))
    assert table_references(html) == ["DHR-2026-002"]
    assert '<option value="failed" selected>' in html
    assert table_references(page(signed_in.get("/console/outbox?status=held"))) == ["DHR-2026-003"]
    assert table_references(page(signed_in.get("/console/outbox?status=queued"))) == [
        "DHR-2026-001"
    ]

    empty = page(signed_in.get("/console/outbox?status=cancelled"))
    assert table_references(empty) == []
    assert "There are no cancelled messages" in empty

    # An unknown status is no filter at all.
    response = signed_in.get("/console/outbox?status=lost")
    assert response.status_code == 200
    assert len(table_references(page(response))) == 3


def test_the_list_shows_fifty_a_page(signed_in, session, partnership):
    start = clock.parse("2026-11-22T09:00:00Z")
    for n in range(55):
        with clock.frozen_at(start + timedelta(minutes=n)):
            outbox.queue_message(
                session,
                partnership=partnership,
                purpose="mail.test",
                reference=f"P-{n:02d}",
                to=[SECURE],
            )
    session.commit()

    first = page(signed_in.get("/console/outbox"))
    assert table_references(first) == [f"P-{n:02d}" for n in range(54, 4, -1)]
    assert "Showing 1 to 50 of 55 messages" in first
    assert 'class="govuk-pagination' in first
    assert 'href="/console/outbox?page=2"' in first and 'rel="next"' in first

    second = page(signed_in.get("/console/outbox?page=2"))
    assert table_references(second) == ["P-04", "P-03", "P-02", "P-01", "P-00"]
    assert "Showing 51 to 55 of 55 messages" in second
    assert 'rel="prev"' in second and 'aria-current="page"' in second

    # A page past the end shows the last page; nonsense shows the first.
    assert table_references(page(signed_in.get("/console/outbox?page=9"))) == table_references(
        second
    )
    assert table_references(page(signed_in.get("/console/outbox?page=x"))) == table_references(
        first
    )


def test_the_filter_is_kept_across_pages(signed_in, session, partnership):
    for n in range(51):
        outbox.queue_message(
            session, partnership=partnership, purpose="mail.test", reference=f"F-{n}", to=[SECURE]
        )
    session.commit()
    session.execute(update(Message).values(status=MessageStatus.FAILED))
    session.commit()
    html = page(signed_in.get("/console/outbox?status=failed"))
    assert 'href="/console/outbox?page=2&amp;status=failed"' in html


# --- one message -----------------------------------------------------------------------------


def test_the_message_page_shows_the_message_and_audits_the_viewing(
    signed_in, session, partnership, officer
):
    with clock.frozen_at(clock.parse("2026-11-22T09:15:00Z")):
        message_id = queue(
            session,
            partnership,
            "DHR-2026-001",
            attachments=[Attachment("chronology.pdf", "application/pdf", b"x" * 2048)],
        )
    set_status(
        session,
        message_id,
        MessageStatus.SENT,
        attempts=1,
        first_attempt_at=clock.parse("2026-11-22T09:16:00Z"),
        sent_at=clock.parse("2026-11-22T09:16:05Z"),
        transport_reply="250 2.0.0 Ok: queued as 4F3A",
    )

    response = signed_in.get(f"/console/outbox/{message_id}")

    assert response.status_code == 200
    html = page(response)
    assert "Test message" in html and "DHR-2026-001" in html
    assert SECURE in html
    assert "OFFICIAL-SENSITIVE: Test message [DHR-2026-001]" in html
    assert "Secure address: the message goes as written" in html
    assert "22 Nov 2026 09:15" in html and "22 Nov 2026 09:16" in html
    assert "250 2.0.0 Ok: queued as 4F3A" in html
    assert "chronology.pdf (2.0 kB)" in html
    assert '<pre class="app-message-body">' in html
    assert "This is a test message from DHR Forms" in html
    # A sent message has nothing to act on.
    assert "/retry" not in html and "/release" not in html and "/cancel" not in html

    (event,) = events(session, "message.viewed", message_id)
    assert event.actor == f"user:{officer.id}"
    assert event.partnership_id == partnership.id
    assert event.object_type == "message"
    assert event.client_address == "127.0.0.1"
    assert event.detail == {}


def test_a_failed_message_can_be_retried(signed_in, session, partnership, officer):
    message_id = queue(session, partnership)
    set_status(session, message_id, MessageStatus.FAILED, attempts=5, last_error="554 rejected")
    jobs_before = queued_message_ids()  # the job from when it was first queued
    url = f"/console/outbox/{message_id}"
    html = page(signed_in.get(url))
    assert "554 rejected" in html
    assert f'action="{url}/retry"' in html
    assert f'action="{url}/cancel"' in html

    response = post_form(signed_in, f"{url}/retry", {}, page=url)

    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert "Message queued again" in page(signed_in.get(url))
    assert fetch(session, message_id).status is MessageStatus.QUEUED
    (event,) = events(session, "message.retried", message_id)
    assert event.actor == f"user:{officer.id}"
    assert event.client_address == "127.0.0.1"
    assert queued_message_ids() == [*jobs_before, message_id]

    # Retrying again is refused with a reason, not a crash.
    again = post_form(signed_in, f"{url}/retry", {}, page=url)
    assert again.status_code == 302
    assert "Only failed messages can be retried" in page(signed_in.get(url))
    assert len(events(session, "message.retried", message_id)) == 1


# --- held messages ---------------------------------------------------------------------------


def test_releasing_a_held_message_to_an_insecure_address_sends_only_a_notice(
    signed_in, session, partnership, officer
):
    message_id = held(session, partnership)
    url = f"/console/outbox/{message_id}"
    html = page(signed_in.get(url))
    assert "Held: the address is not on the partnership" in html
    assert f'href="{url}/release"' in html
    assert f'action="{url}/cancel"' in html
    assert f'action="{url}/retry"' not in html

    confirm = page(signed_in.get(f"{url}/release"))
    assert "This address is not on the partnership's secure list" in confirm
    assert "notice without the content" in confirm
    assert "dhr@exampleshire.gov.uk" in confirm  # whom the notice tells them to contact
    assert INSECURE in confirm
    assert f'action="{url}/release"' in confirm
    assert "Release and send the notice" in confirm
    assert fetch(session, message_id).status is MessageStatus.HELD  # asking changes nothing

    response = post_form(signed_in, f"{url}/release", {}, page=f"{url}/release")

    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert "the recipient will get a notice without the content" in page(signed_in.get(url))
    message = fetch(session, message_id)
    assert message.status is MessageStatus.QUEUED
    assert message.policy == "notice"
    assert message.sensitive is False
    assert message.subject == "OFFICIAL-SENSITIVE: Message waiting [DHR-2026-007]"
    assert "test message" not in message.body_text.lower()
    assert "contact the DHR officer" in message.body_text
    count = select(func.count()).select_from(MessageAttachment)
    assert session.scalar(count.where(MessageAttachment.message_id == message_id)) == 0
    (event,) = events(session, "message.released", message_id)
    assert event.detail["sent_as"] == "notice"
    assert event.actor == f"user:{officer.id}"
    assert event.client_address == "127.0.0.1"
    assert queued_message_ids() == [message_id]


def test_releasing_after_the_domain_was_made_secure_sends_the_content(
    signed_in, session, partnership
):
    message_id = held(session, partnership)
    p = session.get(Partnership, partnership.id)
    p.secure_domains = [*p.secure_domains, "exampleshire-recovery.org.uk"]
    session.commit()
    url = f"/console/outbox/{message_id}"

    confirm = page(signed_in.get(f"{url}/release"))
    assert "now on the partnership" in confirm
    assert "sent as it is, with its content and attachments" in confirm
    assert "Release and send the message" in confirm

    post_form(signed_in, f"{url}/release", {}, page=f"{url}/release")

    assert "it will be sent as written" in page(signed_in.get(url))
    message = fetch(session, message_id)
    assert message.status is MessageStatus.QUEUED
    assert message.policy == "secure"
    assert "This is a test message" in message.body_text
    assert [a.filename for a in message.attachments] == ["chronology.pdf"]
    assert events(session, "message.released", message_id)[0].detail["sent_as"] == "content"


def test_a_second_release_is_refused_with_a_reason(signed_in, session, partnership):
    message_id = held(session, partnership)
    url = f"/console/outbox/{message_id}"
    confirm = f"{url}/release"
    html = page(signed_in.get(confirm))  # two tabs open on the confirmation page

    first = post_form(signed_in, confirm, {}, page=confirm)
    second = signed_in.post(
        confirm,
        data={"csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost{confirm}"},
    )

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == url
    shown = page(signed_in.get(url))
    assert "This message cannot be released: it is queued" in shown
    assert len(events(session, "message.released", message_id)) == 1
    assert queued_message_ids() == [message_id]
    # The confirmation page of a message that is no longer held goes back to the message.
    again = signed_in.get(confirm)
    assert again.status_code == 302 and again.headers["Location"] == url


def test_cancelling_a_held_message(signed_in, session, partnership, officer):
    message_id = held(session, partnership)
    url = f"/console/outbox/{message_id}"
    html = page(signed_in.get(url))
    assert "A cancelled message is never sent" in html

    response = post_form(signed_in, f"{url}/cancel", {}, page=url)

    assert response.status_code == 302
    shown = page(signed_in.get(url))
    assert "Message cancelled: it will not be sent" in shown
    assert f'action="{url}/cancel"' not in shown
    assert fetch(session, message_id).status is MessageStatus.CANCELLED
    (event,) = events(session, "message.cancelled", message_id)
    assert event.actor == f"user:{officer.id}"
    assert event.detail == {"previous_status": "held"}
    assert queued_message_ids() == []

    # Releasing it afterwards is refused.
    post_form(signed_in, f"{url}/release", {}, page=url)
    assert "This message cannot be released: it is cancelled" in page(signed_in.get(url))
    assert fetch(session, message_id).status is MessageStatus.CANCELLED


# --- who may do what -------------------------------------------------------------------------


def test_a_viewer_can_read_the_outbox_but_not_act(page_client, session, partnership):
    viewer = make_user(session, partnership, Role.VIEWER)
    failed = queue(session, partnership, "DHR-2026-001")
    set_status(session, failed, MessageStatus.FAILED, last_error="554 rejected")
    held_id = held(session, partnership)
    sign_in(page_client, viewer)

    assert page_client.get("/console/outbox").status_code == 200
    for message_id in (failed, held_id):
        url = f"/console/outbox/{message_id}"
        html = page(page_client.get(url))
        assert "/retry" not in html and "/release" not in html and "/cancel" not in html
        for action in ("retry", "release", "cancel"):
            assert post_form(page_client, f"{url}/{action}", {}, page=url).status_code == 403
        assert page_client.get(f"{url}/release").status_code == 403
    assert fetch(session, failed).status is MessageStatus.FAILED
    assert fetch(session, held_id).status is MessageStatus.HELD


def test_a_viewer_reading_set_up_emails_finds_no_link_to_take_over_an_account(
    page_client, session, partnership
):
    """An invitation, and a new set-up link for an officer who already has an account: the
    viewer sees that a link went, never the link, so cannot finish the set-up as them."""
    viewer = make_user(session, partnership, Role.VIEWER)
    officer = make_user(session, partnership, Role.OFFICER)
    _invited, link = accounts.create_user(
        session,
        partnership,
        email="new.officer@exampleshire.gov.uk",
        role=Role.OFFICER,
        actor="test",
        send_email=True,
    )
    accounts.send_new_setup_link(session, officer, actor=officer)
    session.commit()
    tokens = [link.split("token=", 1)[1]] + [
        tokens_mod.token_for(row)
        for row in session.scalars(select(AccessToken).where(AccessToken.purpose == accounts.SETUP))
    ]
    sent = session.scalars(select(Message).where(Message.purpose == "account.setup")).all()
    assert len(sent) == 2
    sign_in(page_client, viewer)

    for message in sent:
        html = page(page_client.get(f"/console/outbox/{message.id}"))
        body = re.search(r'<pre class="app-message-body">(.*?)</pre>', html, re.S).group(1)
        assert "[link sent to the recipient]" in body
        assert "?token=" not in html and not [t for t in tokens if t in html]


def test_a_chair_has_no_outbox(page_client, session, partnership):
    chair = make_user(session, partnership, Role.CHAIR)
    message_id = queue(session, partnership)
    sign_in(page_client, chair)
    assert page_client.get("/console/outbox").status_code == 403
    assert page_client.get(f"/console/outbox/{message_id}").status_code == 403
    assert 'href="/console/outbox"' not in page(page_client.get("/console/"))


def test_signing_in_is_needed(page_client, session, partnership):
    message_id = queue(session, partnership)
    response = page_client.get(f"/console/outbox/{message_id}")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert events(session, "message.viewed", message_id) == []


def test_another_partnerships_messages_are_not_found(signed_in, session, partnership, other):
    mine = queue(session, partnership, "MINE-1")
    theirs_failed = queue(session, other, "THEIRS-1", to="someone@otherton.gov.uk")
    set_status(session, theirs_failed, MessageStatus.FAILED, last_error="554 rejected")
    theirs_held = queue(session, other, "THEIRS-2", to="someone@otherton.gov.uk")
    set_status(session, theirs_held, MessageStatus.HELD)

    html = page(signed_in.get("/console/outbox"))
    assert table_references(html) == ["MINE-1"]
    assert f'href="/console/outbox/{mine}"' in html
    assert "THEIRS" not in page(signed_in.get("/console/outbox?status=failed"))

    for message_id in (theirs_failed, theirs_held):
        url = f"/console/outbox/{message_id}"
        assert signed_in.get(url).status_code == 404
        assert signed_in.get(f"{url}/release").status_code == 404
        for action in ("retry", "release", "cancel"):
            response = post_form(signed_in, f"{url}/{action}", {}, page="/console/outbox")
            assert response.status_code == 404
    assert fetch(session, theirs_failed).status is MessageStatus.FAILED
    assert fetch(session, theirs_held).status is MessageStatus.HELD
    assert events(session, "message.viewed", theirs_failed) == []
    assert signed_in.get("/console/outbox/not-an-id").status_code == 404
