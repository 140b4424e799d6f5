"""The summary as a PDF: the same content as the page, read back from the PDF's text."""

from __future__ import annotations

import io

import pypdf

from service import clock
from service.summaries import documents
from service.summaries.build import build
from tests.summaries import factories as f


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_pdf_carries_the_reference_statuses_chronology_and_flagged_criteria(
    session, partnership
):
    story = f.story(session, partnership)
    with clock.frozen_at(f.AFTER_DUE):
        summary = build(session, story.case)
        data = documents.summary_pdf(session, story.case, summary)
    assert data.startswith(b"%PDF")
    found = pdf_text(data)
    assert "OFFICIAL-SENSITIVE" in found
    assert f"Summary of returns: {story.case.reference}" in found
    for expected in ("Returned: involvement", "Returned: no trace", "Overdue",
                     "Extension to 11 January 2027", "Link withheld"):  # fmt: skip
        assert expected in found, expected
    # A chronology entry, with its probable duplicate.
    assert "14/03/2026" in found and "Command and control log; PC 1234" in found
    assert "Probable duplicate" in found
    # The amendment is what the PDF says; the first version is gone.
    assert "Attended three reports of shouting" in found
    assert "Initial version" not in found
    # The QA criterion answered No, with its comment.
    assert "Access to legal advice available for critical aspects" in found
    assert "Legal advice was not sought." in found
    # Links that only work on screen are not in the PDF.
    assert "Change the recommended agencies" not in found


def test_the_file_name_has_the_reference_and_date_only(session, partnership):
    case = f.make_case(session, partnership, reference="EXA-DHR-2026-01")
    name = documents.pdf_filename(case, now=clock.as_utc(f.DURING))
    assert name == "EXA-DHR-2026-01-summary-2026-12-15.pdf"


def test_the_pdf_names_each_representative_and_says_which_request_bounced(session, partnership):
    story = f.story(session, partnership, invited=True)
    f.bounce_request(session, story.requests["social_care"])
    with clock.frozen_at(f.AFTER_DUE):
        data = documents.summary_pdf(session, story.case)
    found = pdf_text(data)
    assert "Representative at the scoping meeting" in found
    for name in ("Robin Liaison", "Dr Asha Mistry", "Lee O'Neill"):
        assert name in found, name
    assert "Practice manager" in found and "Not returned yet" in found
    assert "Email bounced on 7 December 2026" in found
    assert "Not reaching the agency: correct its address and send it again" in found
    assert "1 whose request email bounced" in found
    # Not overdue: the agency never got it (the recovery partnership is the one overdue).
    assert "1 overdue" in found
