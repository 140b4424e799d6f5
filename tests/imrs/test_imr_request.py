"""The officer (or the case's chair) asks an agency for its IMR: the agency, a due date in the
future, the terms of reference. The agency gets the request letter by secure email with the
terms attached and its own link; the console lists each request with its status."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from service import clock
from service.imrs import links, messages, tracking
from service.models import (
    AuditEvent,
    Case,
    CaseChair,
    ImrRequest,
    Message,
    Role,
    ScanStatus,
    StoredFile,
)
from tests.console import make_user, sign_in
from tests.delivered import delivered_html, delivered_text
from tests.imrs.factories import (
    DUE,
    FIRST_CHASER,
    SENT_AT,
    TERMS,
    agency,
    requested_imr,
    submitted_imr,
)
from tests.imrs.filling import link_path, open_link, post, text
from tests.trawls.factories import PEOPLE, make_case
from tests.uploads.files import executable

NAMES = [p["name"] for p in PEOPLE]


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(SENT_AT) as moment:
        yield moment


def request_form(agency_id, *, due: dt.date = DUE, terms=TERMS, filename="ToR.pdf", note=""):
    data = {
        "agency": str(agency_id),
        "due_date-day": str(due.day),
        "due_date-month": str(due.month),
        "due_date-year": str(due.year),
        "note": note,
    }
    if terms is not None:
        data["terms_of_reference"] = (io.BytesIO(terms), filename)
    return data


def ask(client, case, data):
    url = f"/console/cases/{case.id}/imrs/new"
    return post(client, url, data, content_type="multipart/form-data")


def messages_of(session, purpose: str) -> list[Message]:
    session.rollback()
    return list(session.scalars(select(Message).where(Message.purpose == purpose)))


def test_officer_asks_the_police_for_an_imr_and_they_get_the_letter_with_the_terms(
    signed_in, session, partnership
):
    case = make_case(session, partnership)
    police = agency(session, partnership, "police")
    session.commit()

    page = signed_in.get(f"/console/cases/{case.id}/imrs/new")
    assert page.status_code == 200
    assert "Request an IMR" in text(page)
    response = ask(signed_in, case, request_form(police.id, note="Please include GP records."))
    assert response.status_code == 302, text(response)[:2000]

    session.rollback()
    (req,) = session.scalars(select(ImrRequest)).all()
    assert response.headers["Location"].endswith(f"/console/imr-requests/{req.id}")
    assert (req.case_id, req.agency_id, req.due_date) == (case.id, police.id, DUE)
    assert req.next_chaser_at == FIRST_CHASER and req.chasers_sent == 0
    assert not req.link_withheld
    terms = session.get(StoredFile, req.terms_of_reference_id)
    assert terms.data == TERMS and terms.content_type == "application/pdf"
    assert terms.scan_status is ScanStatus.NOT_SCANNED

    (email,) = messages_of(session, messages.REQUEST.name)
    assert email.recipient == police.secure_addresses[0] and email.policy == "secure"
    assert email.subject == (
        f"OFFICIAL-SENSITIVE: Request for an Individual Management Review [{case.reference}]"
    )
    body = email.body_text
    assert f"concluded that case {case.reference} requires a Domestic Homicide Review" in body
    assert "What happened (comprehensive chronology)" in body
    assert "returned with the accompanying quality assurance form by 21 December 2026" in body
    assert "Please include GP records." in body
    assert "The terms of reference for this review are attached." in body
    assert links.current_url(session, req) in delivered_text(email)
    assert f'href="{links.current_url(session, req)}"' in delivered_html(email)
    for name in NAMES:
        assert name not in email.subject and name not in body and name not in email.body_html
    (attachment,) = email.attachments
    assert attachment.filename == f"terms-of-reference-{case.reference}.pdf"
    assert attachment.data == TERMS

    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "imr.requested"))
    assert event.object_id == str(req.id) and event.case_id == case.id

    tracker = signed_in.get(f"/console/cases/{case.id}/imrs")
    assert police.name in text(tracker) and "Awaiting" in text(tracker)
    detail = signed_in.get(f"/console/imr-requests/{req.id}")
    said = text(detail)
    assert "Not scanned for viruses" in said
    assert "The agency has not sent its IMR yet." in said
    assert f'href="/console/files/{terms.id}"' in detail.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"due": SENT_AT.date()}, "due_date", "The due date must be in the future"),
        ({"due": dt.date(2026, 11, 30)}, "due_date", "The due date must be in the future"),
        ({"terms": None}, "terms_of_reference", "Select the terms of reference to attach"),
        ({"terms": executable(), "filename": "ToR.pdf"}, "terms_of_reference",
         "The selected file must be a PDF or Word document (DOCX)"),
        ({"agency_id": ""}, "agency", "Select the agency to ask for an IMR"),
    ],
)  # fmt: skip
def test_a_request_with_a_problem_is_refused_and_nothing_is_sent(
    signed_in, session, partnership, change, field, message
):
    case = make_case(session, partnership)
    police = agency(session, partnership)
    session.commit()
    agency_id = change.pop("agency_id", police.id)
    response = ask(signed_in, case, request_form(agency_id, **change))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "There is a problem" in body and message in body
    assert f'href="#{field}' in body
    session.rollback()
    assert session.scalars(select(ImrRequest)).all() == []
    assert session.scalars(select(StoredFile)).all() == []
    assert session.scalars(select(Message)).all() == []


def test_the_same_agency_is_not_asked_twice_on_a_case(signed_in, session, partnership):
    req = requested_imr(session, partnership)
    session.commit()
    case = session.get(Case, req.case_id)
    response = ask(signed_in, case, request_form(req.agency_id))
    assert response.status_code == 400
    assert "An IMR has already been requested from" in text(response)


def test_the_case_chair_can_ask_a_viewer_cannot_and_another_chair_finds_nothing(
    page_client, session, partnership
):
    case = make_case(session, partnership)
    other_case = make_case(session, partnership)
    police = agency(session, partnership)
    chair = make_user(session, partnership, Role.CHAIR)
    session.add(CaseChair(case_id=case.id, user_id=chair.id))
    session.commit()
    sign_in(page_client, chair)
    assert page_client.get(f"/console/cases/{other_case.id}/imrs/new").status_code == 404
    response = ask(page_client, case, request_form(police.id))
    assert response.status_code == 302, text(response)[:2000]
    (email,) = messages_of(session, messages.REQUEST.name)
    assert "Independent Chair of the Domestic Homicide Review Panel" in email.body_text

    viewer = make_user(session, partnership, Role.VIEWER)
    page_client.post("/sign-out")
    viewer_client = page_client.application.test_client()
    sign_in(viewer_client, viewer)
    assert viewer_client.get(f"/console/cases/{case.id}/imrs/new").status_code == 403
    assert viewer_client.get(f"/console/cases/{case.id}/imrs").status_code == 200


def test_the_link_opens_the_start_page_and_the_terms_of_reference(
    page_client, session, partnership
):
    req = requested_imr(session, partnership)
    session.commit()
    case = session.get(Case, req.case_id)
    open_link(page_client, session, req)
    start = page_client.get("/imr/start")
    said = text(start)
    assert case.reference in said and "21 December 2026" in said
    assert "Download the terms of reference" in said
    terms = page_client.get("/imr/terms-of-reference")
    assert terms.status_code == 200 and terms.data == TERMS
    assert terms.headers["Content-Type"] == "application/pdf"
    assert f"terms-of-reference-{case.reference}.pdf" in terms.headers["Content-Disposition"]

    # A replaced link, or one altered by a character, gets the same page and shows nothing.
    old = link_path(session, req)
    with clock.frozen_at(SENT_AT + dt.timedelta(hours=1)):
        links.issue(session, req)
    session.commit()
    fresh = page_client.application.test_client()
    refused = [fresh.get(old), fresh.get(old[:-2] + ("AA" if old[-2:] != "AA" else "BB"))]
    assert page_client.get("/imr/start").status_code == 404  # the stashed link is gone too
    bodies = set()
    for response in refused:
        assert response.status_code == 404
        assert "This link has expired or is not valid" in text(response)
        assert case.reference not in response.get_data(as_text=True)
        bodies.add(re.sub(r'value="[^"]{20,}"', "", response.get_data(as_text=True)))
    assert len(bodies) == 1


def test_each_status_the_console_shows(session, partnership):
    req = requested_imr(session, partnership)
    session.commit()
    assert tracking.status(req, SENT_AT)["text"] == "Awaiting"
    assert tracking.status(req, FIRST_CHASER - dt.timedelta(hours=1))["text"] == "Overdue"
    req.chasers_sent = 1
    assert tracking.status(req, FIRST_CHASER)["text"] == "Chased 1 time"
    req.chasers_sent = 2
    req.escalated_at = FIRST_CHASER
    assert tracking.status(req, FIRST_CHASER)["text"] == "Escalated"
    session.commit()
    submitted_imr(session, req)
    assert tracking.status(req)["text"] == "Submitted: version 1"
    submitted_imr(session, req, is_final=True, at=dt.datetime(2027, 1, 20, 10, tzinfo=dt.UTC))
    assert tracking.status(req)["text"] == "Final: version 2"
