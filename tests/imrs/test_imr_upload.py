"""The agency uploads its IMR report through its link: a PDF or a Word document, up to 20MB,
judged by what it is, not by its name, and scanned by a real clamd. Anything else is refused on
the page, in the GOV.UK error summary, and nothing is kept."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from service import clock
from service.models import ImrRequest, ScanStatus, StoredFile
from tests.imrs.factories import ANSWERING_AT, REPORT, requested_imr
from tests.imrs.filling import open_link, text, upload
from tests.uploads.files import EICAR, docx, executable, pdf

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def answering():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def agency_client(page_client, session, partnership):
    """The agency's browser, with its link opened."""
    req = requested_imr(session, partnership)
    session.commit()
    open_link(page_client, session, req)
    page_client.imr_request_id = req.id
    return page_client


def draft_document(session, client) -> StoredFile | None:
    session.rollback()
    req = session.get(ImrRequest, client.imr_request_id)
    file_id = (req.draft or {}).get("document_id")
    return session.get(StoredFile, file_id) if file_id else None


def files_kept(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(StoredFile))


def assert_refused(response, message: str) -> None:
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<title>Error: Upload your IMR report" in body
    assert "There is a problem" in body
    assert f'<a href="#document">{message}</a>' in body  # the summary links to the file input
    assert 'id="document-error"' in body
    # The browser has dropped the chosen file: the hint says to choose it again.
    (hint,) = re.findall(r'id="document-hint"[^>]*>(.*?)</div>', body, re.S)
    assert "You need to choose the file again." in hint


def test_a_pdf_is_accepted_scanned_and_kept_for_the_draft(scanner, agency_client, session):
    response = upload(agency_client, REPORT)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/imr/details")
    stored = draft_document(session, agency_client)
    assert stored.data == REPORT and stored.content_type == "application/pdf"
    assert stored.scan_status is ScanStatus.CLEAN and stored.scanned_at is not None
    # The start page counts it done.
    assert "Upload your IMR report Completed" in text(agency_client.get("/imr/start"))


def test_a_word_document_is_accepted_too(scanner, agency_client, session):
    data = docx()
    assert upload(agency_client, data, "IMR.docx").status_code == 302
    stored = draft_document(session, agency_client)
    assert stored.content_type.endswith("wordprocessingml.document")


def test_the_eicar_test_file_is_refused_as_a_virus(scanner, agency_client, session):
    before = files_kept(session)
    # Inside a real Word document, so that only the scanner can refuse it.
    response = upload(agency_client, docx(extra={"word/media/image1.bin": EICAR}), "IMR.docx")
    assert_refused(response, "The selected file contains a virus and has not been saved")
    # On its own, named as a PDF, it is not a PDF at all.
    response = upload(agency_client, EICAR, "IMR.pdf")
    assert_refused(response, "The selected file must be a PDF or Word document (DOCX)")
    assert files_kept(session) == before
    assert draft_document(session, agency_client) is None


def test_an_executable_renamed_pdf_is_refused(scanner, agency_client, session):
    before = files_kept(session)
    response = upload(agency_client, executable(), "Police IMR.pdf")
    assert_refused(response, "The selected file must be a PDF or Word document (DOCX)")
    assert files_kept(session) == before


def test_a_file_over_20mb_is_refused_naming_the_limit(agency_client, session):
    before = files_kept(session)
    response = upload(agency_client, pdf(padding=20 * MB))
    assert_refused(response, "The file must be smaller than 20MB")
    assert files_kept(session) == before


def test_a_file_of_just_under_20mb_is_accepted(agency_client, session):
    data = pdf(padding=20 * MB - 2000)
    assert len(data) <= 20 * MB
    assert upload(agency_client, data).status_code == 302
    assert draft_document(session, agency_client).size == len(data)


def test_no_file_chosen_is_refused_and_a_new_file_replaces_the_old(agency_client, session):
    response = upload(agency_client, b"", "")
    assert_refused(response, "Select your IMR report")
    assert upload(agency_client, REPORT).status_code == 302
    first = draft_document(session, agency_client).id
    replacement = pdf("The second draft")
    assert upload(agency_client, replacement).status_code == 302
    second = draft_document(session, agency_client)
    assert second.data == replacement
    assert session.get(StoredFile, first) is None  # no version used it: not kept
    # Continuing without a file keeps the one uploaded.
    assert upload(agency_client, b"", "").status_code == 302
    assert draft_document(session, agency_client).id == second.id
