"""The console side of family consent: the officer (or the case's chair) asks a family member by
email or by letter, downloads the letter, sends the email again or issues a new link, and
everyone on the case follows the consent tracker, whose statuses change as the family answers.
Every view and download is audited."""

from __future__ import annotations

import html
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from service import clock
from service.consent import documents, links, responses
from service.models import (
    AuditEvent,
    Case,
    CaseChair,
    CaseStatus,
    ConsentDelivery,
    ConsentRequest,
    ConsentStatus,
    Message,
    Partnership,
    Role,
)
from tests.consent.factories import (
    FAMILY_EMAIL,
    PEOPLE,
    SIGNED_NAME,
    VICTIM,
    ask,
    link_path,
    make_case,
    pdf_text,
)
from tests.console import make_user, post_form, sign_in
from tests.delivered import delivered_text


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def actions(session, **where) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(fresh(session).scalars(query))


@pytest.fixture
def case(session, partnership) -> Case:
    case = make_case(session, partnership)
    session.commit()
    return case


def new_url(case: Case) -> str:
    return f"/console/cases/{case.id}/consent/new"


EMAIL_REQUEST = {"name": "Sam Relative", "relationship_to_victim": "Sister", "delivery": "email",
                 "email": FAMILY_EMAIL}  # fmt: skip


# --- asking ----------------------------------------------------------------------------------


def test_officer_asks_a_family_member_by_email(signed_in, session, case):
    response = post_form(signed_in, new_url(case), EMAIL_REQUEST)
    assert response.status_code == 302
    req = fresh(session).scalars(select(ConsentRequest)).one()
    assert response.headers["Location"] == f"/console/consent/{req.id}"
    assert (req.name, req.relationship_to_victim, req.delivery, req.email) == (
        "Sam Relative", "Sister", ConsentDelivery.EMAIL, FAMILY_EMAIL,
    )  # fmt: skip
    assert req.ask_about_suspect is True and req.status is ConsentStatus.AWAITING
    (message,) = session.scalars(select(Message).where(Message.purpose == "consent.request"))
    assert message.recipient == FAMILY_EMAIL
    assert links.current_url(session, req) in delivered_text(message)
    assert "consent.requested" in actions(session, object_type="consent_request")
    page = signed_in.get(response.headers["Location"])
    assert "The request has been emailed to Sam Relative" in text(page)
    assert "Awaiting" in text(page) and FAMILY_EMAIL in text(page)
    assert "Send the email again" in text(page) and "Issue a new link" in text(page)


def test_the_request_form_says_what_is_missing(signed_in, session, case):
    for data, message in [
        ({}, "Enter the family member's full name"),
        ({"name": "Sam"}, "Enter how they are related to the victim, like mother or brother"),
        ({"name": "Sam", "relationship_to_victim": "Sister"},
         "Select how the request will reach them"),
        ({"name": "Sam", "relationship_to_victim": "Sister", "delivery": "email"},
         "Enter the email address the family gave"),
        ({"name": "Sam", "relationship_to_victim": "Sister", "delivery": "email",
          "email": "sam at example"},
         "Enter an email address in the correct format, like name@example.com"),
        ({"name": "x" * 201, "relationship_to_victim": "Sister", "delivery": "letter"},
         "The name must be 200 characters or fewer"),
        ({"name": "Sam", "relationship_to_victim": "Sister", "delivery": "post"},
         "Select how the request will reach them"),
    ]:  # fmt: skip
        response = post_form(signed_in, new_url(case), data)
        assert response.status_code == 400, data
        assert "There is a problem" in text(response) and message in text(response), message
    assert fresh(session).scalars(select(ConsentRequest)).all() == []


def test_a_letter_request_needs_no_email_and_its_letter_names_only_the_addressee(
    signed_in, session, case
):
    response = post_form(signed_in, new_url(case), {
        "name": "Sam Relative", "relationship_to_victim": "Sister", "delivery": "letter",
        "email": "ignored@example.com",
    })  # fmt: skip
    assert response.status_code == 302
    req = fresh(session).scalars(select(ConsentRequest)).one()
    assert req.delivery is ConsentDelivery.LETTER and req.email is None
    assert req.ask_about_suspect is True  # the suspect question is asked by default
    assert session.scalars(select(Message).where(Message.purpose == "consent.request")).all() == []
    page = signed_in.get(f"/console/consent/{req.id}")
    assert "Download the letter (PDF)" in text(page)
    assert "Send the email again" not in text(page)

    letter = signed_in.get(f"/console/consent/{req.id}/letter.pdf")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert letter.headers["Cache-Control"] == "no-store"
    words = pdf_text(letter.data)
    assert len(PdfReader(io.BytesIO(letter.data)).pages) == 1  # one sheet to hand over
    url = links.current_url(session, req)
    code = url.rsplit("/", 1)[1]
    assert "Dear Sam Relative" in words
    assert url.split("://", 1)[1] in words.replace(" ", "") or code in words
    assert code in words
    assert "withdraw your consent at any time" in words
    assert "dhr@exampleshire.gov.uk" in words and "01632 960 000" in words
    case_row = session.get(Case, req.case_id)
    for value in [case_row.reference, *[p["name"] for p in PEOPLE], "Harbour Row"]:
        assert value not in words, value
    # The QR code is of the link itself.
    html_ = documents.render_letter_html(
        req, partnership=session.get(Partnership, req.partnership_id), url=url, chair=None
    )
    assert documents.qr_svg(url) in html_
    assert "consent.letter_downloaded" in actions(session, object_id=str(req.id))


def test_sending_again_and_issuing_a_new_link(signed_in, page_app, session, case):
    post_form(signed_in, new_url(case), EMAIL_REQUEST)
    req = fresh(session).scalars(select(ConsentRequest)).one()
    old = link_path(session, req)
    page = f"/console/consent/{req.id}"

    assert post_form(signed_in, f"{page}/resend", {}, page=page).status_code == 302
    emails = (
        fresh(session)
        .scalars(
            select(Message).where(Message.purpose == "consent.request").order_by(Message.created_at)
        )
        .all()
    )
    assert len(emails) == 2 and old in delivered_text(emails[1])
    assert page_app.test_client().get(old).status_code == 302  # the same link still works

    assert post_form(signed_in, f"{page}/new-link", {}, page=page).status_code == 302
    assert "A new link has been emailed. The old link no longer works." in text(signed_in.get(page))
    new = link_path(fresh(session), req)
    assert new != old
    assert page_app.test_client().get(old).status_code == 404
    assert page_app.test_client().get(new).status_code == 302
    emails = session.scalars(select(Message).where(Message.purpose == "consent.request")).all()
    assert len(emails) == 3
    done = actions(session, object_id=str(req.id))
    assert "consent.link_resent" in done and "consent.link_reissued" in done


def test_a_lost_letter_gets_a_new_link_and_a_new_letter(signed_in, page_app, session, case):
    req = ask(session, session.get(Partnership, case.partnership_id),
              case=session.get(Case, case.id), delivery=ConsentDelivery.LETTER)  # fmt: skip
    session.commit()
    old = link_path(session, req)
    page = f"/console/consent/{req.id}"
    # A letter cannot be "sent again": only a new link.
    assert post_form(signed_in, f"{page}/resend", {}, page=page).status_code == 302
    assert "download the letter to print it" in text(signed_in.get(page))
    post_form(signed_in, f"{page}/new-link", {}, page=page)
    assert "download the new letter" in text(signed_in.get(page))
    assert page_app.test_client().get(old).status_code == 404
    new = link_path(fresh(session), req)
    letter = signed_in.get(f"{page}/letter.pdf")
    assert new.rsplit("/", 1)[1] in pdf_text(letter.data)
    emails = fresh(session).scalars(select(Message).where(Message.purpose == "consent.request"))
    assert emails.all() == []


# --- the tracker -------------------------------------------------------------------------------


def test_the_tracker_and_the_case_page_follow_each_answer(signed_in, session, partnership, case):
    case = session.get(Case, case.id)
    given = ask(session, partnership, case=case, name="Gina Given")
    declined = ask(session, partnership, case=case, name="Dan Declined", ask_about_suspect=False)
    ask(session, partnership, case=case, name="Wendy Waiting", delivery=ConsentDelivery.LETTER)
    session.commit()
    tracker = f"/console/cases/{case.id}/consent"
    body = text(signed_in.get(tracker))
    assert body.count("Awaiting") == 3
    assert "3 family members asked: 0 given, 0 declined, 0 withdrawn, 3 awaiting an answer" in text(
        signed_in.get(f"/console/cases/{case.id}")
    )

    today = clock.now().date()
    responses.record(session, given, victim_information=True, suspect_information=False,
                     signed_name=SIGNED_NAME, signed_on=today)  # fmt: skip
    responses.record(session, declined, victim_information=False, signed_name="Dan Declined",
                     signed_on=today)  # fmt: skip
    session.commit()
    body = text(signed_in.get(tracker))
    # Yes about the victim, no about the suspect: partial, never read as full consent.
    assert "Gina Given Sister Email Partial consent" in body
    assert "Victim: yes. Suspect: no" in body
    assert "Dan Declined Sister Email Declined" in body and "Victim: no" in body
    assert "Wendy Waiting Sister Letter Awaiting" in body
    case_page = text(signed_in.get(f"/console/cases/{case.id}"))
    assert (
        "3 family members asked: 1 given (1 of them partial consent), 1 declined, 0 withdrawn, "
        "1 awaiting" in case_page
    )

    responses.record(fresh(session), session.get(ConsentRequest, given.id), withdraw=True,
                     signed_name=SIGNED_NAME, signed_on=today)  # fmt: skip
    session.commit()
    body = text(signed_in.get(tracker))
    assert "Gina Given Sister Email Withdrawn" in body
    assert "1 given" not in text(signed_in.get(f"/console/cases/{case.id}"))
    page = text(signed_in.get(f"/console/consent/{given.id}"))
    assert "Status Withdrawn" in page
    # Every answer, newest first; the first was partial (no about the suspect).
    assert "Withdrawn on" in page and "Partial consent on" in page
    assert page.index("Withdrawn on") < page.index("Partial consent on")
    assert "consent.tracker_viewed" in actions(session, object_type="case")
    assert "consent.request_viewed" in actions(session, object_id=str(given.id))

    # Each signed form, as the review received it, with the case reference.
    response_id = fresh(session).get(ConsentRequest, given.id).responses[0].id
    pdf = signed_in.get(f"/console/consent/{given.id}/responses/{response_id}.pdf")
    assert pdf.status_code == 200
    words = pdf_text(pdf.data)
    assert case.reference in words and SIGNED_NAME in words and VICTIM in words
    assert "consent.form_downloaded" in actions(session, object_id=str(given.id))


def test_a_closed_case_takes_no_new_requests(signed_in, session, partnership, case):
    req = ask(session, partnership, case=session.get(Case, case.id))
    session.get(Case, case.id).status = CaseStatus.CLOSED
    session.commit()
    response = signed_in.get(new_url(case))
    assert response.status_code == 302
    assert "This case is closed" in text(signed_in.get(response.headers["Location"]))
    assert "Ask a family member for consent" not in text(
        signed_in.get(f"/console/cases/{case.id}/consent")
    )
    page = text(signed_in.get(f"/console/consent/{req.id}"))
    assert "No working link" in page and "Issue a new link" not in page
    assert signed_in.get(f"/console/consent/{req.id}/letter.pdf").status_code == 302


# --- who may do what ---------------------------------------------------------------------------


def test_the_case_chair_asks_a_viewer_only_reads_and_other_chairs_see_nothing(
    page_app, session, partnership, case
):
    chair = make_user(session, partnership, Role.CHAIR, email="chair.one@exampleshire.gov.uk")
    other_chair = make_user(session, partnership, Role.CHAIR, email="chair.two@exampleshire.gov.uk")
    viewer = make_user(session, partnership, Role.VIEWER, email="viewer@exampleshire.gov.uk")
    session.add(CaseChair(case_id=case.id, user_id=chair.id))
    letter = ConsentDelivery.LETTER
    req = ask(session, partnership, case=session.get(Case, case.id), delivery=letter)
    session.commit()
    paths = [f"/console/cases/{case.id}/consent", f"/console/consent/{req.id}"]

    client = page_app.test_client()
    sign_in(client, chair)
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert client.get(f"/console/consent/{req.id}/letter.pdf").status_code == 200
    assert post_form(client, new_url(case), EMAIL_REQUEST).status_code == 302

    client = page_app.test_client()
    sign_in(client, viewer)
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert "Ask a family member for consent" not in text(client.get(paths[0]))
    assert "Issue a new link" not in text(client.get(paths[1]))
    assert client.get(new_url(case)).status_code == 403
    assert client.get(f"/console/consent/{req.id}/letter.pdf").status_code == 403

    client = page_app.test_client()
    sign_in(client, other_chair)
    for path in [*paths, f"/console/consent/{req.id}/letter.pdf", new_url(case)]:
        assert client.get(path).status_code == 404, path
