"""The IMR written in the service: through the agency's IMR link, the template's sections as
pages, the case's terms of reference answered one by one, the chronology as rows (one by one or
from a CSV file, with the trawl return's template and its row-by-row errors), the action plan,
then the QA checklist as before; submitting stores the report and sends its PDF as the IMR."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from forms import imr_report as catalogue
from service import clock
from service.imrs import terms as case_terms
from service.models import (
    ActionItem,
    Case,
    ImrNames,
    ImrRequest,
    ImrSubmission,
    Message,
    StoredFile,
)
from tests.imrs import writing
from tests.imrs.factories import ANSWERING_AT, requested_imr
from tests.imrs.filling import fill_checklist, open_link, post, text
from tests.trawls.answering import date_fields


@pytest.fixture(autouse=True)
def answering():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def imr(session, partnership):
    """The police asked for their IMR; the case's two terms of reference recorded."""
    req = requested_imr(session, partnership)
    case_terms.set_terms(session, req_case(session, req), writing.TERMS, actor="test")
    session.commit()
    return req


def req_case(session, req) -> Case:
    return session.get(Case, req.case_id)


@pytest.fixture
def agency_client(page_client, session, imr):
    open_link(page_client, session, imr)
    return page_client


def fresh(session, req) -> ImrRequest:
    session.rollback()
    return session.get(ImrRequest, req.id, populate_existing=True)


def pdf_words(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_an_agency_writes_its_imr_section_by_section_then_the_checklist_and_sends_it(
    agency_client, session, imr
):
    case = req_case(session, imr)
    start = text(agency_client.get("/imr/start"))
    assert "Upload or write your IMR report Not yet started" in start
    way = agency_client.get("/imr/report")
    assert "Write it here, section by section" in text(way)
    writing.write_report(agency_client, case)

    sections = text(agency_client.get("/imr/report/sections"))
    assert "You have completed 9 of 9 sections" in sections
    review = text(agency_client.get("/imr/report/review"))
    for heading in ("1. Cover sheet", "3. Terms of reference", "Chronology entry 2", "Action 1"):
        assert heading in review
    assert f"1. {writing.TERMS[0]}" in review  # the case's terms, numbered

    fill_checklist(agency_client)
    check = text(agency_client.get("/imr/check"))
    assert "Written in this service" in check
    response = post(agency_client, "/imr/check", {"is_final": "y"})
    assert response.status_code == 302, text(response)[:2000]

    req = fresh(session, imr)
    (row,) = req.submissions
    assert row.version == 1 and row.is_final
    assert row.report["cover"]["author_name"] == "Riley Author"
    assert len(row.report["chronology"]) == 2
    assert req.returned_at is not None and req.final_at is not None
    document = session.get(StoredFile, row.document_id)
    assert document.content_type == "application/pdf"
    words = pdf_words(document.data)
    # The PDF follows the template's sections, in its order.
    order = ["INDIVIDUAL MANAGEMENT REVIEW REPORT FOLLOWING DOMESTIC HOMICIDE",
             "Domestic Homicide Review in respect of", "2. Methodology", "3. Terms of Reference",
             "4. Agency Involvement", "5. Comprehensive Agency Chronology",
             "6. Summary of Agency Involvement", "7. Analysis of Involvement",
             "What has been learned from this case?", "8. Action Plan",
             "Single Agency Recommendations for Action"]  # fmt: skip
    places = [words.index(h) for h in order]
    assert places == sorted(places), list(zip(order, places, strict=True))
    assert "14/03/2026" in words and "Policy followed." in words
    assert f"Date of first submission {clock.long_date(ANSWERING_AT)}" in words
    # Emails as an uploaded IMR has them: the chair and the officer get the PDF as the IMR.
    sent = session.scalars(select(Message).where(Message.purpose.like("imr.submitted%"))).all()
    assert len(sent) == 2
    # The IMR's action is in the case's action plan.
    (action,) = session.scalars(select(ActionItem).where(ActionItem.case_id == case.id)).all()
    assert action.recommendation == writing.ACTION["recommendation"]
    assert action.target_date == writing.TARGET and action.imr_number == 1


def test_the_report_is_saved_as_it_goes_and_comes_back_through_the_same_link(
    agency_client, page_app, session, imr
):
    response = post(agency_client, "/imr/report", {"way": "write"})
    assert response.headers["Location"].endswith("/imr/report/sections")
    response = post(agency_client, "/imr/report/section/cover",
                    {**writing.COVER, "action": "later"})  # fmt: skip
    assert response.headers["Location"].endswith("/imr/report/sections?saved=1")
    page = text(agency_client.get("/imr/report/sections?saved=1"))
    assert "Your answers have been saved" in page
    # Another browser, the same link: the draft is there.
    other = page_app.test_client()
    open_link(other, session, imr)
    page = other.get("/imr/report/section/cover").get_data(as_text=True)
    assert "Riley Author" in page
    assert fresh(session, imr).draft["report"]["cover"]["author_name"] == "Riley Author"
    start = text(other.get("/imr/report/sections"))
    assert "You have completed 1 of 9 sections" in start


def test_a_report_missing_sections_cannot_be_sent(agency_client, session, imr):
    post(agency_client, "/imr/report", {"way": "write"})
    post(agency_client, "/imr/report/section/cover", writing.COVER)
    fill_checklist(agency_client)
    check = text(agency_client.get("/imr/check"))
    assert "Complete every section of your IMR report" in check
    assert "Accept and send" not in check
    assert fresh(session, imr).submissions == []
    review = text(agency_client.get("/imr/report/review"))
    assert "Complete ‘5. Comprehensive agency chronology’" in review


CSV_HEAD = ("Date,Time,Source of evidence,Name of professional,Contact with,"
            '"Event, action or decision",Outcome,Comments\r\n')  # fmt: skip


def upload(client, body: str, **extra: str):
    return post(client, "/imr/report/chronology/upload",
                {"file": (io.BytesIO(body.encode("utf-8")), "chronology.csv"), **extra},
                content_type="multipart/form-data")  # fmt: skip


def test_the_chronology_template_is_the_trawl_returns_with_comments(agency_client):
    response = agency_client.get("/imr/report/chronology/template.csv")
    assert response.data.decode("utf-8-sig") == CSV_HEAD
    assert catalogue.CSV_COLUMNS[-1] == ("comments", "Comments")


def test_a_csv_chronology_is_imported_or_refused_row_by_row(agency_client, session, imr):
    post(agency_client, "/imr/report", {"way": "write"})
    good = CSV_HEAD + "14/03/2026,23:10,Case record,J.S.,A.E.,Attended the address.,,Late call\r\n"
    response = upload(agency_client, good)
    assert response.status_code == 302, text(response)[:2000]
    assert response.headers["Location"].endswith("/imr/report/chronology?imported=1")
    (row,) = fresh(session, imr).draft["report"]["chronology"]
    case = req_case(session, imr)
    assert row["contact_with"] == str(writing.people_ids(case)["Alice Example"])
    assert row["comments"] == "Late call" and row["date"] == "2026-03-14"

    bad = (CSV_HEAD + "31/02/2026,,Case record,,A.E.,Something.,,\r\n"
           "01/03/2026,,,Pat Constable,Nobody,Else.,,\r\n")  # fmt: skip
    page = text(upload(agency_client, bad, mode="add"))
    assert "There is a problem with the file: nothing was imported" in page
    assert "Row 2, column ‘Date’: Enter a real date, like 14/10/2025" in page
    assert "Row 3, column ‘Source of evidence’: Enter the source of evidence" in page
    # Initials are asked: a full name is refused, by its row and column.
    assert ("Row 3, column ‘Name of professional’: Enter the initials of the professional only, "
            "for example J.S.") in page  # fmt: skip
    assert "Row 3, column ‘Contact with’" in page
    assert len(fresh(session, imr).draft["report"]["chronology"]) == 1


def test_where_initials_are_asked_a_full_name_is_refused(agency_client, session, imr):
    post(agency_client, "/imr/report", {"way": "write"})
    page = text(post(agency_client, "/imr/report/section/cover",
                     {**writing.COVER, "subject": "Alice Example"}))  # fmt: skip
    assert "Enter the victim's initials only, for example J.S." in page
    case = req_case(session, imr)
    page = text(post(agency_client, "/imr/report/chronology/0", writing.chronology_post(
        writing.people_ids(case)["Alice Example"], professional="Pat Constable")))  # fmt: skip
    assert "Enter the initials of the professional only, for example J.S." in page
    # "Contact with" offers the case's people by their initials.
    form = agency_client.get("/imr/report/chronology/0").get_data(as_text=True)
    assert "A.E. (Victim)" in form and "Alice Example" not in form
    assert "Initials of professional" in form
    # The QA form asks for initials too.
    assert "Victim&#39;s initials" in agency_client.get("/imr/anonymised").get_data(as_text=True)


def test_with_real_names_a_full_name_is_accepted_and_the_wording_follows(
    page_client, session, partnership
):
    partnership.imr_names = ImrNames.REAL_NAMES
    req = requested_imr(session, partnership)
    session.commit()
    (request_email,) = session.scalars(
        select(Message).where(
            Message.purpose == "imr.request", Message.reference == req_case(session, req).reference
        )
    ).all()
    assert "Please use the real names of practitioners and service users" in request_email.body_text
    assert "should be Doctor S" not in request_email.body_text
    open_link(page_client, session, req)
    post(page_client, "/imr/report", {"way": "write"})
    response = post(page_client, "/imr/report/section/cover",
                    {**writing.COVER, "subject": "Alice Example"})  # fmt: skip
    assert response.status_code == 302
    case = req_case(session, req)
    ids = writing.people_ids(case)
    response = post(page_client, "/imr/report/chronology/0", writing.chronology_post(
        ids["Alice Example"], professional="Pat Constable"))  # fmt: skip
    assert response.status_code == 302, text(response)[:1000]
    form = page_client.get("/imr/report/chronology/0").get_data(as_text=True)
    assert "Alice Example (Victim)" in form and "Name of professional" in form
    anonymised = page_client.get("/imr/anonymised").get_data(as_text=True)
    assert "Victim&#39;s name" in anonymised
    response = post(page_client, "/imr/anonymised", {
        "victim_initials": "Alice Example", "victim": "Alice, 41", "perpetrator_initials":
        "Brian Sample", "perpetrator": "Brian, 44, partner"})  # fmt: skip
    assert response.status_code == 302, text(response)[:1000]


def test_the_initials_partnerships_request_asks_for_an_anonymised_report(session, imr):
    (request_email,) = session.scalars(
        select(Message).where(
            Message.purpose == "imr.request", Message.reference == req_case(session, imr).reference
        )
    ).all()
    assert "Doctor Smith should be Doctor S" in request_email.body_text
    assert "real names" not in request_email.body_text


def test_a_revision_of_a_written_imr_starts_from_what_was_sent(agency_client, session, imr):
    writing.write_report(agency_client, req_case(session, imr))
    fill_checklist(agency_client)
    assert post(agency_client, "/imr/check", {}).status_code == 302
    assert post(agency_client, "/imr/revise", {}, page="/imr/start").status_code == 302
    req = fresh(session, imr)
    assert req.draft["report"]["cover"] == writing.COVER
    post(agency_client, "/imr/report/actions/1", writing.action_post(recommendation="Second."))
    post(
        agency_client,
        "/imr/signature",
        {
            "signed_name": "Quinn Assurance",
            "role": "DS",
            **date_fields("signed_on", ANSWERING_AT.date()),
        },
    )
    assert post(agency_client, "/imr/check", {}).status_code == 302
    session.rollback()
    rows = session.scalars(
        select(ImrSubmission)
        .where(ImrSubmission.request_id == imr.id)
        .order_by(ImrSubmission.version)
    ).all()
    assert [r.version for r in rows] == [1, 2]
    actions = session.scalars(select(ActionItem).where(ActionItem.imr_request_id == imr.id)).all()
    assert sorted(a.imr_number for a in actions) == [1, 2]
