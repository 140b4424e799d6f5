"""The officer sends a draft for comment from the case, follows each member's answer,
reminders and emails, reads the comments collated in one place and downloads them as CSV and
PDF (each download audited), closes the draft early and sends a member a new link."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from service import clock
from service.models import (
    AccessToken,
    AuditEvent,
    FeedbackRecipient,
    FeedbackRequest,
    Message,
)
from service.panels import feedback_messages as messages
from tests.console import csrf_from
from tests.delivered import delivered_text
from tests.feedback.factories import (
    ANSWERING_AT,
    DRAFT,
    MEMBERS,
    SENT_AT,
    TITLE,
    add_members,
    answered,
    sent_draft,
)
from tests.trawls.answering import text
from tests.trawls.factories import make_case

COMMENT = '=HYPERLINK("x") Paragraph 4.2 should say when the GP last saw her.'


@pytest.fixture
def frozen():
    """While members answer (the officer signs in then too: a session is for today only)."""
    with clock.frozen_at(ANSWERING_AT):
        yield


@pytest.fixture
def sending():
    with clock.frozen_at(SENT_AT):
        yield


def actions(session, action: str) -> list[AuditEvent]:
    session.rollback()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_officer_sends_a_draft_to_the_panel(sending, signed_in, session, partnership):
    case = make_case(session, partnership)
    members = add_members(session, case)
    session.commit()
    case_id, member_ids = case.id, [m.id for m in members]
    with clock.frozen_at(SENT_AT):
        page = signed_in.get(f"/console/cases/{case_id}/drafts/new")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "The standard is 14 days" in html
        # The deadline starts at the standard 14 days: Monday 14 December.
        for part, value in (("day", "14"), ("month", "12"), ("year", "2026")):
            assert f'name="deadline-{part}" type="text" value="{value}"' in html or (
                f'id="deadline-{part}" name="deadline-{part}" type="text" value="{value}"' in html
            )
        assert html.count('name="recipients"') == 3 and html.count("checked") >= 3
        response = signed_in.post(
            f"/console/cases/{case_id}/drafts/new",
            data={
                "csrf_token": csrf_from(html), "title": TITLE, "note": "Please read section 4.",
                "recipients": [str(i) for i in member_ids[:2]],
                "deadline-day": "14", "deadline-month": "12", "deadline-year": "2026",
                "draft": (io.BytesIO(DRAFT), "My draft v2.pdf"),
            },
            content_type="multipart/form-data",
            headers={"Referer": f"https://localhost/console/cases/{case_id}/drafts/new"},
        )  # fmt: skip
    assert response.status_code == 302, text(response)
    session.rollback()
    draft = session.scalar(select(FeedbackRequest))
    assert response.headers["Location"].endswith(f"/console/drafts/{draft.id}")
    assert (draft.title, draft.deadline) == (TITLE, dt.date(2026, 12, 14))
    assert sorted(r.member_id for r in draft.recipients) == member_ids[:2]
    sent = list(session.scalars(select(Message).where(Message.purpose == messages.REQUEST.name)))
    assert sorted(m.recipient for m in sent) == sorted(m[1] for m in MEMBERS[:2])
    for message in sent:
        assert message.subject == (
            f"OFFICIAL-SENSITIVE: Draft for comment [{case.reference}/D{draft.id}]"
        )
        assert "/comments?token=" in delivered_text(message)
        assert "14 December 2026" in message.body_text
        (attachment,) = message.attachments
        assert attachment.data == DRAFT
    tokens = session.scalars(select(AccessToken).where(AccessToken.purpose == "draft-comments"))
    assert len(tokens.all()) == 2
    assert len(actions(session, "feedback.sent")) == 1


def test_the_send_page_shows_its_errors_and_keeps_what_was_typed(
    sending, signed_in, session, partnership
):
    case = make_case(session, partnership)
    add_members(session, case)
    session.commit()
    url = f"/console/cases/{case.id}/drafts/new"
    with clock.frozen_at(SENT_AT):
        html = signed_in.get(url).get_data(as_text=True)
        response = signed_in.post(
            url,
            data={"csrf_token": csrf_from(html), "title": "My title", "deadline-day": "1",
                  "deadline-month": "11", "deadline-year": "2026"},
            headers={"Referer": f"https://localhost{url}"},
        )  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in body and 'value="My title"' in body
    assert "Select the panel members to send the draft to" in body
    assert "The deadline must be in the future" in body
    session.rollback()
    assert session.scalar(select(FeedbackRequest)) is None


def test_a_case_without_panel_members_says_so(signed_in, session, partnership):
    case = make_case(session, partnership)
    session.commit()
    html = signed_in.get(f"/console/cases/{case.id}/drafts/new").get_data(as_text=True)
    assert "panel has no members yet" in " ".join(html.split()) and "Send the draft" not in html
    assert f'href="/console/cases/{case.id}/panel/members/new"' in html


def test_the_draft_page_collates_the_comments_and_downloads_are_audited(
    frozen, signed_in, session, partnership
):
    draft = sent_draft(session, partnership)
    session.commit()
    by_name = {r.member.name: r for r in draft.recipients}
    answered(session, by_name["Pat Constable"], comments=COMMENT)
    answered(session, by_name["Sam Nurse"], comments=None, name="Sam Nurse")
    draft_id, case_id = draft.id, draft.case_id

    case_page = text(signed_in.get(f"/console/cases/{case_id}"))
    assert "Drafts for comment" in case_page and TITLE in case_page and "2 of 3" in case_page

    page = signed_in.get(f"/console/drafts/{draft_id}")
    body = text(page)
    assert page.status_code == 200
    assert "Paragraph 4.2 should say when the GP last saw her." in body
    assert "No comments from: Sam Nurse." in body
    assert "Awaiting answer" in body and "Draft: Queued" in body
    assert "2 of 3 (1 with comments, 1 with no comments)" in body
    assert len(actions(session, "feedback.viewed")) == 1

    csv_response = signed_in.get(f"/console/drafts/{draft_id}/comments.csv")
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Member", "Role", "Agency", "Answer"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Pat Constable"][3:5] == ["Comments", "'" + COMMENT]  # never a formula
    # When, in ISO 8601 (UK time and its offset), which spreadsheets read as a date.
    assert by_name["Pat Constable"][6] == ANSWERING_AT.strftime("%Y-%m-%dT%H:%M+00:00")
    assert by_name["Sam Nurse"][3] == "No comments"
    assert by_name["Lee Social"][3] == "No answer"

    pdf_response = signed_in.get(f"/console/drafts/{draft_id}/comments.pdf")
    assert pdf_response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf_response.data))
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Comments on a draft" in pdf_text and TITLE in pdf_text
    assert "Paragraph 4.2 should say when the GP last saw her." in pdf_text
    assert "OFFICIAL-SENSITIVE" in pdf_text
    downloads = actions(session, "feedback.comments_downloaded")
    assert sorted(e.detail["format"] for e in downloads) == ["csv", "pdf"]
    assert {e.case_id for e in downloads} == {case_id}


def test_closing_early_and_a_new_link(frozen, signed_in, session, partnership):
    draft = sent_draft(session, partnership)
    session.commit()
    draft_id = draft.id
    first_id = draft.recipients[0].id
    page = signed_in.get(f"/console/drafts/{draft_id}").get_data(as_text=True)
    headers = {"Referer": f"https://localhost/console/drafts/{draft_id}"}
    response = signed_in.post(
        f"/console/drafts/{draft_id}/members/{first_id}/new-link",
        data={"csrf_token": csrf_from(page)}, headers=headers,
    )  # fmt: skip
    assert response.status_code == 302
    session.rollback()
    rows = session.scalars(
        select(AccessToken)
        .where(AccessToken.purpose == "draft-comments", AccessToken.subject_id == str(first_id))
        .order_by(AccessToken.created_at)
    ).all()
    assert len(rows) == 2 and rows[0].revoked_at is not None and rows[1].revoked_at is None
    assert len(actions(session, "feedback.link_reissued")) == 1
    requests = session.scalars(select(Message).where(Message.purpose == messages.REQUEST.name))
    assert len(requests.all()) == 4

    response = signed_in.post(f"/console/drafts/{draft_id}/close",
                              data={"csrf_token": csrf_from(page)}, headers=headers)  # fmt: skip
    assert response.status_code == 302
    session.rollback()
    session.expire_all()
    closed = session.get(FeedbackRequest, draft_id)
    assert closed.closed_at == ANSWERING_AT
    assert all(r.next_reminder_at is None for r in closed.recipients)
    assert session.scalars(
        select(AccessToken).where(AccessToken.purpose == "draft-comments",
                                  AccessToken.revoked_at.is_(None))
    ).all() == []  # fmt: skip
    assert len(actions(session, "feedback.closed")) == 1
    assert "Close the draft" not in text(signed_in.get(f"/console/drafts/{draft_id}"))


def test_a_recipient_of_another_draft_cannot_be_sent_a_link_here(
    frozen, signed_in, session, partnership
):
    one = sent_draft(session, partnership)
    two = sent_draft(session, partnership)
    session.commit()
    page = signed_in.get(f"/console/drafts/{one.id}").get_data(as_text=True)
    response = signed_in.post(
        f"/console/drafts/{one.id}/members/{two.recipients[0].id}/new-link",
        data={"csrf_token": csrf_from(page)},
        headers={"Referer": f"https://localhost/console/drafts/{one.id}"},
    )
    assert response.status_code == 404
    assert session.scalar(select(FeedbackRecipient).where(FeedbackRecipient.id == -1)) is None
