"""A partnership with no DHR officer inbox: an agency's return is kept, and the officer is not
left to guess why no email came: the case's audit trail, the log and the case page say which
email was not sent and why."""

from __future__ import annotations

import datetime as dt
import logging

from markupsafe import escape
from sqlalchemy import select

from mail import queueing
from service import clock
from service.models import AuditEvent, Case, Message, Partnership, TrawlRequest
from service.trawls import messages, returns, submission
from tests.trawls.factories import sent_trawl
from tests.trawls.test_tracker import answers_for


def test_a_return_without_an_officer_inbox_is_kept_and_the_case_page_says_what_was_not_sent(
    signed_in, session, partnership, caplog
):
    # Signing in ends the test's session: change the partnership as it is stored now.
    partnership = session.get(Partnership, partnership.id)
    partnership.inboxes = {k: v for k, v in partnership.inboxes.items() if k != "dhr_officer"}
    trawl = sent_trawl(session, partnership, agency_count=1)
    (request,) = trawl.requests
    session.commit()
    answers = answers_for(trawl, involvement=False)
    with clock.frozen_at(clock.now() - dt.timedelta(days=1)):
        returns.save_draft(session, request, answers)
        session.commit()
        with caplog.at_level(logging.WARNING, logger="mail.queueing"):
            row = submission.send(session, request, answers)
    session.commit()
    session.expire_all()

    reference = session.get(Case, trawl.case_id).reference
    assert row.version == 1
    assert session.get(TrawlRequest, request.id).returned_at is not None
    to_officer = session.scalars(
        select(Message).where(Message.purpose == messages.RETURN_SUBMITTED.name)
    ).all()
    assert to_officer == []
    # The agency is still thanked.
    assert session.scalars(
        select(Message).where(Message.purpose == messages.RETURN_ACKNOWLEDGEMENT.name)
    ).all()

    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == queueing.NOT_SENT)
    ).all()
    assert event.case_id == trawl.case_id
    assert event.detail == {
        "purpose": messages.RETURN_SUBMITTED.name,
        "reference": reference,
        "reason": "The partnership has no DHR officer inbox configured",
    }
    (record,) = [r for r in caplog.records if r.name == "mail.queueing"]
    assert record.levelno == logging.WARNING
    assert record.purpose == messages.RETURN_SUBMITTED.name
    assert record.reference == reference
    assert record.case_id == trawl.case_id

    page = signed_in.get(f"/console/cases/{trawl.case_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Emails not sent" in html
    assert str(escape("Trawl return received, to the DHR officer inbox")) in html
    assert "The partnership has no DHR officer inbox configured" in html


def test_the_case_page_has_no_list_of_emails_not_sent_when_every_email_went(
    signed_in, session, partnership
):
    trawl = sent_trawl(session, partnership, agency_count=1)
    session.commit()
    html = signed_in.get(f"/console/cases/{trawl.case_id}").get_data(as_text=True)
    assert "Emails not sent" not in html
