"""A panel member answers on a draft through their link: comments or "no comments", errors
shown with the GOV.UK error summary and nothing typed lost, a changed answer, a late answer,
and every refused link alike. When the last member answers the DHR officer gets one notice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from service import clock
from service.models import AuditEvent, FeedbackRecipient, Message
from service.panels import feedback, feedback_answers
from service.panels import feedback_messages as messages
from tests.console import csrf_from
from tests.feedback.factories import (
    ANSWERING_AT,
    DEADLINE,
    DRAFT,
    OFFICER_INBOX,
    TITLE,
    answered,
    link_path,
    sent_draft,
)
from tests.trawls.answering import post, text

UTC = dt.UTC
COMMENTS = "Paragraph 4.2: the GP saw her on 3 May, not in June.\nSection 6 is missing housing."
AFTER_DEADLINE = dt.datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with clock.frozen_at(ANSWERING_AT):
        yield


@pytest.fixture
def draft(session, partnership):
    row = sent_draft(session, partnership)
    session.commit()
    return row


def opened(client, session, recipient) -> None:
    response = client.get(link_path(session, recipient))
    session.commit()
    assert response.status_code == 302 and response.headers["Location"].endswith("/comments/start")


def fresh(session, recipient_id: int) -> FeedbackRecipient:
    session.rollback()
    session.expire_all()
    return session.get(FeedbackRecipient, recipient_id)


def actions(session, action: str) -> list[AuditEvent]:
    session.rollback()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_member_sends_comments_and_sees_the_confirmation(page_client, session, draft, frozen):
    recipient = draft.recipients[0]
    opened(page_client, session, recipient)
    start = page_client.get("/comments/start")
    page = text(start)
    assert TITLE in page and "14 December 2026" in page and "Sections 4 and 5 are new." in page
    download = page_client.get("/comments/draft")
    assert download.status_code == 200 and download.data == DRAFT
    assert download.headers["Content-Type"] == "application/pdf"
    assert len(actions(session, "feedback.draft_downloaded")) == 1

    form = page_client.get("/comments/answer").get_data(as_text=True)
    assert 'name="csrf_token"' in form
    response = post(
        page_client,
        "/comments/answer",
        {"answer": "comments", "comments": COMMENTS, "name": "Pat Constable"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/confirmation")
    confirmation = page_client.get("/comments/confirmation")
    assert "govuk-panel--confirmation" in confirmation.get_data(as_text=True)
    assert "Your answer has been sent" in text(confirmation)
    row = fresh(session, recipient.id)
    assert row.comments == COMMENTS.replace("\n", "\r\n") or row.comments == COMMENTS
    assert (row.no_comments, row.answered_by) == (False, "Pat Constable")
    assert row.answered_at == row.updated_at == ANSWERING_AT
    assert row.next_reminder_at is None
    (event,) = actions(session, "feedback.answered")
    assert event.detail == {"member_id": recipient.member_id, "answer": "comments", "late": False}
    assert event.actor == f"panel_member:{recipient.member_id}"
    assert COMMENTS.split("\n")[0] in text(page_client.get("/comments/start"))


def test_a_member_with_no_comments_says_so(page_client, session, draft, frozen):
    recipient = draft.recipients[1]
    opened(page_client, session, recipient)
    response = post(
        page_client,
        "/comments/answer",
        {"answer": "no_comments", "comments": "", "name": "Sam Nurse"},
    )
    assert response.status_code == 302
    row = fresh(session, recipient.id)
    assert (row.no_comments, row.comments, row.answered_by) == (True, None, "Sam Nurse")


def test_errors_are_summarised_and_nothing_typed_is_lost(page_client, session, draft, frozen):
    recipient = draft.recipients[0]
    opened(page_client, session, recipient)
    empty = post(page_client, "/comments/answer", {})
    assert empty.status_code == 400
    body = empty.get_data(as_text=True)
    assert "<title>Error: " in body and "There is a problem" in body
    assert 'href="#answer"' in body and 'href="#name"' in body
    assert "Select whether you have comments on the draft" in body and "Enter your name" in body

    # Comments chosen but none typed: the name stays.
    missing = post(
        page_client,
        "/comments/answer",
        {"answer": "comments", "comments": "  ", "name": "Pat Constable"},
    )
    body = missing.get_data(as_text=True)
    assert missing.status_code == 400
    assert 'href="#comments"' in body and "Enter your comments on the draft" in body
    assert 'value="Pat Constable"' in body
    assert 'value="comments" checked' in body

    # Too long: the comments typed are shown again, in full.
    long = "A comment. " * 2000
    too_long = post(
        page_client, "/comments/answer", {"answer": "comments", "comments": long, "name": ""}
    )
    body = too_long.get_data(as_text=True)
    assert "Your comments must be 20,000 characters or fewer" in body
    assert long.strip() in body and "Enter your name" in body
    assert fresh(session, recipient.id).answered_at is None


def test_a_post_without_its_csrf_token_keeps_the_answer_and_saves_nothing(
    page_client, session, draft, frozen
):
    opened(page_client, session, draft.recipients[0])
    response = page_client.post(
        "/comments/answer",
        data={"answer": "comments", "comments": COMMENTS, "name": "Pat Constable"},
        headers={"Referer": "https://localhost/comments/answer"},
    )
    body = response.get_data(as_text=True)
    assert "This page timed out" in body and "Paragraph 4.2" in body
    assert fresh(session, draft.recipients[0].id).answered_at is None


def test_an_answer_can_be_changed_until_the_deadline(page_client, session, draft):
    recipient = draft.recipients[0]
    member_id = recipient.member_id
    with clock.frozen_at(ANSWERING_AT):
        opened(page_client, session, recipient)
        post(
            page_client,
            "/comments/answer",
            {"answer": "comments", "comments": COMMENTS, "name": "Pat Constable"},
        )
    later = ANSWERING_AT + dt.timedelta(days=3)
    with clock.frozen_at(later):
        # Days later the member comes back through the link in the email: the visit it
        # started the first time has long ended.
        opened(page_client, session, recipient)
        form = page_client.get("/comments/answer").get_data(as_text=True)
        token = csrf_from(form)
        assert "Paragraph 4.2" in form and 'value="Pat Constable"' in form  # the answer so far
        response = post(
            page_client,
            "/comments/answer",
            {"answer": "no_comments", "comments": "", "name": "P Constable"},
        )
        assert response.status_code == 302
    row = fresh(session, recipient.id)
    assert (row.answered_at, row.updated_at) == (ANSWERING_AT, later)
    assert (row.no_comments, row.comments, row.answered_by) == (True, None, "P Constable")
    (change,) = actions(session, "feedback.answer_changed")
    assert change.detail == {"member_id": member_id, "answer": "no_comments",
                             "previous": "comments"}  # fmt: skip
    # After the deadline the answer stands: the page no longer offers a change.
    with clock.frozen_at(AFTER_DEADLINE):
        opened(page_client, session, recipient)
        assert page_client.get("/comments/answer").status_code == 302
        response = page_client.post(
            "/comments/answer",
            data={"answer": "comments", "comments": "Too late", "name": "P", "csrf_token": token},
            headers={"Referer": "https://localhost/comments/answer"},
        )
        assert response.status_code == 302
        assert "can no longer be changed" in text(page_client.get("/comments/start"))
    assert fresh(session, recipient.id).no_comments is True


def test_a_first_answer_after_the_deadline_is_taken_and_marked_late(page_client, session, draft):
    recipient = draft.recipients[2]
    with clock.frozen_at(AFTER_DEADLINE):
        opened(page_client, session, recipient)
        assert "will be marked as late" in text(page_client.get("/comments/start"))
        response = post(
            page_client,
            "/comments/answer",
            {"answer": "comments", "comments": COMMENTS, "name": "Lee Social"},
        )
        assert response.status_code == 302
        assert "marked as late" in text(page_client.get("/comments/confirmation"))
    row = fresh(session, recipient.id)
    assert feedback.is_late(row.request, row)
    assert actions(session, "feedback.answered")[0].detail["late"] is True


def test_bad_revoked_and_closed_links_all_get_the_same_page(page_client, session, draft, frozen):
    first, second, third = (r.id for r in draft.recipients)
    title = draft.title
    old = link_path(session, fresh(session, first))
    feedback.resend_link(session, fresh(session, first), actor="test")
    session.commit()
    refused = []
    for path in ("/comments?token=not-a-token", old, old[:-3] + "abc", "/comments/start"):
        response = page_client.get(path)
        assert response.status_code == 404, path
        refused.append(response.get_data(as_text=True))
    # A draft closed while a member has it open: their next page is refused too.
    opened(page_client, session, fresh(session, second))
    feedback.close(session, fresh(session, second).request, actor="test")
    session.commit()
    for path in ("/comments/start", "/comments/answer"):
        response = page_client.get(path)
        assert response.status_code == 404
        refused.append(response.get_data(as_text=True))
    assert page_client.get(revoked_link(session, third)).status_code == 404
    assert len(set(refused)) == 1
    assert "This link has expired or is not valid" in refused[0]
    assert title not in refused[0]


def revoked_link(session, recipient_id: int) -> str:
    """A closed draft's links are revoked: the old token, made again from its row."""
    from service import tokens
    from service.models import AccessToken

    row = session.scalar(
        select(AccessToken).where(
            AccessToken.purpose == "draft-comments", AccessToken.subject_id == str(recipient_id)
        )
    )
    assert row.revoked_at is not None
    return f"/comments?token={tokens.token_for(row)}"


def test_the_officer_is_told_once_when_every_member_has_answered(session, draft):
    first, second, third = draft.recipients
    answered(session, first)
    answered(session, second, comments=None, name="Sam Nurse")
    assert [m for m in outbox(session) if m.purpose == messages.ALL_ANSWERED.name] == []
    answered(session, third, at=ANSWERING_AT + dt.timedelta(hours=1), name="Lee Social")
    answered(session, fresh(session, first.id), at=ANSWERING_AT + dt.timedelta(hours=2))
    (notice,) = [m for m in outbox(session) if m.purpose == messages.ALL_ANSWERED.name]
    assert notice.recipient == OFFICER_INBOX
    assert f"/console/drafts/{draft.id}" in notice.body_text
    assert "Paragraph" not in notice.body_text and TITLE not in notice.body_text
    assert "Pat Constable" not in notice.body_text
    assert len(actions(session, "feedback.all_answered")) == 1


def outbox(session) -> list[Message]:
    session.rollback()
    return list(session.scalars(select(Message).order_by(Message.created_at)))


def test_the_deadline_cannot_be_passed_to_answer_on_a_closed_draft(session, draft):
    with clock.frozen_at(ANSWERING_AT):
        feedback.close(session, draft, actor="test")
        session.commit()
        with pytest.raises(feedback.AnswerRefused):
            feedback_answers.answer(
                session, draft.recipients[0].id, no_comments=True, comments=None, name="X"
            )
    assert ANSWERING_AT.date() < DEADLINE
