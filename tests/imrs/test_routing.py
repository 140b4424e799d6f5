"""Each submitted IMR goes to exactly two inboxes, the chair's and the DHR officer's, with the
IMR report and a PDF of its QA checklist attached; subjects carry the case reference and never
a name. The agency is told it arrived, with nothing personal in the email. A revised IMR is the
next version and keeps the dates of the first submission, the revision and the final version.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from service import clock, runtime
from service.imrs import messages, submission
from service.models import AuditEvent, Case, ImrRequest, Message, MessageStatus
from tests.imrs.factories import (
    ANSWERING_AT,
    CHAIR_INBOX,
    CHECKLIST,
    OFFICER_INBOX,
    REPORT,
    ready_draft,
    requested_imr,
    submitted_imr,
)
from tests.imrs.filling import fill_checklist, open_link, post, upload
from tests.jobs import run_worker_burst
from tests.trawls.factories import PEOPLE
from tests.uploads.files import pdf

SUBMITTED = [p.name for p in messages.SUBMITTED]
NAMES = [p["name"] for p in PEOPLE]
#: What the checklist holds that must stay out of every email body.
PERSONAL = [*NAMES, *CHECKLIST["anonymised"].values(), CHECKLIST["completed_by"]["name"]]
MB = 1024 * 1024
COMPLETER = CHECKLIST["completed_by"]["email"]


def outbox(session, *purposes: str) -> list[Message]:
    session.rollback()
    session.expire_all()
    query = select(Message).order_by(Message.created_at, Message.purpose, Message.recipient)
    if purposes:
        query = query.where(Message.purpose.in_(purposes))
    return list(session.scalars(query))


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages
    )


def test_agency_submits_through_its_link_and_only_the_chair_and_officer_get_it(
    page_client, session, partnership
):
    req = requested_imr(session, partnership)
    session.commit()
    case = session.get(Case, req.case_id)
    reference, agency_address = case.reference, req.agency.secure_addresses[0]
    request_id = req.id
    with clock.frozen_at(ANSWERING_AT):
        open_link(page_client, session, req)
        assert upload(page_client, REPORT).status_code == 302
        fill_checklist(page_client)
        response = post(page_client, "/imr/check", {})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert response.headers["Location"].endswith("/imr/confirmation")
        confirmation = page_client.get("/imr/confirmation").get_data(as_text=True)
    assert "IMR sent" in confirmation and reference in confirmation

    sent = outbox(session, *SUBMITTED)
    assert sorted(m.recipient for m in sent) == sorted([CHAIR_INBOX, OFFICER_INBOX])
    assert {m.purpose for m in sent} == set(SUBMITTED)
    for message in sent:
        assert message.policy == "secure" and message.status is MessageStatus.QUEUED
        assert message.subject == (
            f"OFFICIAL-SENSITIVE: Individual Management Review received [{reference}]"
        )
        names = [a.filename for a in message.attachments]
        assert names == [f"imr-{reference}-police-v1.pdf",
                         f"imr-qa-checklist-{reference}-v1.pdf"]  # fmt: skip
        report, checklist_pdf = message.attachments
        assert report.data == REPORT
        said = pdf_text(checklist_pdf.data)
        assert "Individual Management Review quality assurance form" in said
        assert "Legal advice was not sought." in said and "Quinn Assurance" in said
        assert "Access to legal advice available for critical aspects: No" in message.body_text
        for value in PERSONAL:
            assert value not in message.subject
            assert value not in message.body_text and value not in message.body_html
    # The acknowledgement: to the agency's inbox, and to the person who completed the form, on
    # their secure address.
    acks = outbox(session, messages.ACKNOWLEDGEMENT.name)
    assert sorted(a.recipient for a in acks) == sorted([agency_address, COMPLETER])
    for ack in acks:
        assert ack.attachments == [] and ack.policy == "secure"
        for value in PERSONAL:
            assert value not in ack.body_text and value not in ack.body_html
    # Nobody else got anything about it.
    everyone = {m.recipient for m in outbox(session) if m.purpose != messages.REQUEST.name}
    assert everyone == {CHAIR_INBOX, OFFICER_INBOX, agency_address, COMPLETER}

    session.rollback()
    req = session.get(ImrRequest, request_id)
    assert req.returned_at == ANSWERING_AT and req.revised_at is None and req.final_at is None
    assert req.next_chaser_at is None and req.draft is None
    (row,) = req.submissions
    assert row.version == 1 and row.checklist == CHECKLIST and not row.is_final


def test_the_confirmation_offers_the_agency_a_pdf_copy_of_what_it_sent(
    page_app, page_client, session, partnership
):
    req = requested_imr(session, partnership)
    session.commit()
    reference = session.get(Case, req.case_id).reference
    with clock.frozen_at(ANSWERING_AT):
        open_link(page_client, session, req)
        assert upload(page_client, REPORT).status_code == 302
        fill_checklist(page_client)
        assert post(page_client, "/imr/check", {}).status_code == 302
        confirmation = page_client.get("/imr/confirmation").get_data(as_text=True)
        assert 'href="/imr/confirmation/checklist.pdf"' in confirmation
        response = page_client.get("/imr/confirmation/checklist.pdf")
        # Another browser holding the same link has sent nothing: no copy for it.
        other = page_app.test_client()
        open_link(other, session, req)
        refused = other.get("/imr/confirmation/checklist.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"imr-qa-checklist-{reference}-v1.pdf" in response.headers["Content-Disposition"]
    said = pdf_text(response.data)
    assert "OFFICIAL-SENSITIVE" in said and reference in said
    assert "Legal advice was not sought." in said and "Quinn Assurance" in said
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/imr/start")
    session.rollback()
    downloads = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "imr.checklist_downloaded")
    ).all()
    assert [(e.object_id, e.actor) for e in downloads] == [(str(req.id), f"agency:{req.agency_id}")]


def test_delivered_through_a_real_smtp_server_with_both_attachments(
    settings, session, partnership, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    req = requested_imr(session, partnership)
    session.commit()
    case = session.get(Case, req.case_id)
    submitted_imr(session, req)
    with clock.frozen_at(ANSWERING_AT):
        run_worker_burst()
    subject = f"OFFICIAL-SENSITIVE: Individual Management Review received [{case.reference}]"
    # Compared unfolded: a subject this long is folded onto the header's next line.
    received = [got for got in mail_server.messages if got.message["Subject"].strip() == subject]
    assert sorted(r for got in received for r in got.rcpt_tos) == sorted(
        [CHAIR_INBOX, OFFICER_INBOX, req.agency.secure_addresses[0], COMPLETER]
    )
    for got in received:
        (rcpt,) = got.rcpt_tos
        parts = {a.get_filename(): a.get_content() for a in got.message.iter_attachments()}
        if rcpt in (req.agency.secure_addresses[0], COMPLETER):
            assert parts == {}  # the acknowledgement
            continue
        assert parts[f"imr-{case.reference}-police-v1.pdf"] == REPORT
        said = pdf_text(parts[f"imr-qa-checklist-{case.reference}-v1.pdf"])
        assert "Individual Management Review quality assurance form" in said
        assert "OFFICIAL-SENSITIVE" in said
        for name in NAMES:
            assert name not in got.message["Subject"]
    assert all(m.status is MessageStatus.SENT for m in outbox(session, *SUBMITTED))


def test_a_revised_imr_is_the_next_version_and_the_dates_are_kept(session, partnership):
    req = requested_imr(session, partnership)
    session.commit()
    first = submitted_imr(session, req)
    revised_on = dt.datetime(2027, 1, 20, 10, tzinfo=dt.UTC)
    second = submitted_imr(session, req, at=revised_on, report=pdf("Revised report"))
    final_on = dt.datetime(2027, 2, 3, 10, tzinfo=dt.UTC)
    third = submitted_imr(session, req, at=final_on, is_final=True, report=pdf("Final"))
    assert [first.version, second.version, third.version] == [1, 2, 3]
    session.rollback()
    req = session.get(ImrRequest, req.id)
    assert req.returned_at == ANSWERING_AT
    assert req.revised_at == final_on and req.final_at == final_on
    assert [s.is_final for s in req.submissions] == [False, False, True]
    assert len({s.document_id for s in req.submissions}) == 3
    # Three versions, each to the two inboxes.
    sent = outbox(session, *SUBMITTED)
    assert len(sent) == 6
    assert sorted({m.recipient for m in sent}) == sorted([CHAIR_INBOX, OFFICER_INBOX])
    assert "a revised Individual Management Review" in sent[-1].body_text
    assert "final version" in sent[-1].body_text


def test_a_report_too_big_for_email_goes_as_a_console_link(settings, session, partnership):
    settings.MAIL_MAX_BYTES = 2 * MB
    runtime.configure(settings)
    req = requested_imr(session, partnership)
    session.commit()
    big = pdf("A long report", padding=3 * MB)
    row = submitted_imr(session, req, report=big)
    for message in outbox(session, *SUBMITTED):
        (attached,) = message.attachments
        assert attached.filename.startswith("imr-qa-checklist-")
        assert f"https://dhr.exampleshire.gov.uk/console/files/{row.document_id}" in (
            message.body_text
        )


@pytest.mark.parametrize("missing", ["chair", "dhr_officer"])
def test_without_one_inbox_the_other_still_gets_it(session, partnership, missing):
    partnership.inboxes = {k: v for k, v in partnership.inboxes.items() if k != missing}
    req = requested_imr(session, partnership)
    session.commit()
    submitted_imr(session, req)
    (message,) = outbox(session, *SUBMITTED)
    assert message.recipient == (OFFICER_INBOX if missing == "chair" else CHAIR_INBOX)


def test_a_completer_on_an_insecure_address_gets_no_copy_of_the_acknowledgement(
    session, partnership
):
    req = requested_imr(session, partnership)
    session.commit()
    agency_address = req.agency.secure_addresses[0]
    with clock.frozen_at(ANSWERING_AT):
        ready_draft(session, req, completed_by={**CHECKLIST["completed_by"],
                                                "email": "quinn.assurance@gmail.com"})  # fmt: skip
        submission.submit(session, req, is_final=False)
    session.commit()
    acks = outbox(session, messages.ACKNOWLEDGEMENT.name)
    assert [a.recipient for a in acks] == [agency_address]
    assert all(m.recipient != "quinn.assurance@gmail.com" for m in outbox(session))
