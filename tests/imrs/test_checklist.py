"""The QA checklist: the 15 criteria in the quality assurance form's own words, each answered
Yes, No or Partially, and a comment needed for No and Partially, on the page and again when
the whole checklist is submitted."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from forms import imr as catalogue
from service import clock
from service.imrs import submission
from service.models import Case, ImrRequest, ImrSubmission
from tests.imrs.factories import ANSWERING_AT, REPORT, checklist, ready_draft, requested_imr
from tests.imrs.filling import (
    ANONYMISED,
    DETAILS,
    SIGNATURE,
    criteria_page,
    fill_checklist,
    open_link,
    post,
    text,
    upload,
)

#: The IMR quality assurance form's criteria, copied from the partnership's DHR protocol
#: (Appendix 4), in its order.
SEED_CRITERIA = [
    "The scope of the review is unambiguous, outcome-focused and supported by clear terms of reference",  # noqa: E501
    "Author was independent",
    "Access to legal advice available for critical aspects",
    "Report is completed within agreed timescale",
    "Report includes genogram and full details of changes to the family composition for the identified time period including transient members as appropriate",  # noqa: E501
    "Report includes chronology of involvement for identified time period",
    "Report takes account of the individual needs of the victim and family members",
    "Report is sensitive to the racial, cultural and linguistic identity of the victim and family members",  # noqa: E501
    "Report reflects a critical examination of the facts and provides a credible explanation for how and why events occurred",  # noqa: E501
    "Report reflects a critical examination of the facts and provides a credible explanation for actions/ decisions that were/ were not taken",  # noqa: E501
    "Practice at individual and organisational level is analysed openly and critically against local and national requirements, professional standards and local procedural guidance",  # noqa: E501
    "Good practice is highlighted beyond expected minimum practice",
    "Report has drawn on relevant and contemporary research",
    "Report contains an action plan with measurable and relevant recommendations for improvement and a timescale for implementation.",  # noqa: E501
    "Action plan has been agreed with relevant senior management groups",
]  # fmt: skip


@pytest.fixture(autouse=True)
def answering():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def agency_client(page_client, session, partnership):
    req = requested_imr(session, partnership)
    session.commit()
    open_link(page_client, session, req)
    page_client.imr_request_id = req.id
    return page_client


def draft_checklist(session, client) -> dict:
    session.rollback()
    return (session.get(ImrRequest, client.imr_request_id).draft or {}).get("checklist") or {}


def test_all_15_criteria_are_asked_in_the_forms_words_on_three_pages(agency_client):
    assert list(catalogue.CRITERIA) == SEED_CRITERIA
    shown = ""
    for part in (1, 2, 3):
        page = agency_client.get(f"/imr/criteria/{part}")
        assert page.status_code == 200
        shown += html.unescape(page.get_data(as_text=True))
        assert page.get_data(as_text=True).count('type="radio"') == 15  # 5 × Yes, No, Partially
    for number, criterion in enumerate(SEED_CRITERIA, start=1):
        assert f"{number}. {criterion}" in shown, criterion
    assert agency_client.get("/imr/criteria/4").status_code == 404


@pytest.mark.parametrize("answer", ["no", "partially"])
def test_no_or_partially_without_a_comment_is_refused(agency_client, session, answer):
    data = criteria_page(range(1, 6))
    data["criterion_2"], data["comment_2"] = answer, "   "
    response = post(agency_client, "/imr/criteria/1", data)
    assert response.status_code == 200
    said = {"no": "No", "partially": "Partially"}[answer]
    message = f"Enter a comment for criterion 2: say why the answer is ‘{said}’"
    body = response.get_data(as_text=True)
    assert "There is a problem" in body
    assert f'<a href="#comment_2">{message}</a>' in body
    assert draft_checklist(session, agency_client) == {}  # nothing saved from the page

    data["comment_2"] = "The author managed the team involved."
    assert post(agency_client, "/imr/criteria/1", data).status_code == 302
    saved = draft_checklist(session, agency_client)["criteria"]["2"]
    assert saved == {"answer": answer, "comment": "The author managed the team involved."}


def test_yes_needs_no_comment_but_every_criterion_needs_an_answer(agency_client, session):
    data = {f"criterion_{n}": "yes" for n in range(6, 11)}
    del data["criterion_8"]
    response = post(agency_client, "/imr/criteria/2", data)
    assert response.status_code == 200
    assert '<a href="#criterion_8">Select yes, no or partially for criterion 8</a>' in (
        response.get_data(as_text=True)
    )
    data["criterion_8"] = "maybe"
    assert "Select yes, no or partially for criterion 8" in text(
        post(agency_client, "/imr/criteria/2", data)
    )
    data["criterion_8"] = "yes"
    assert post(agency_client, "/imr/criteria/2", data).status_code == 302


def test_the_whole_checklist_is_checked_again_before_it_is_submitted(session, partnership):
    """A draft that reached the database some other way is refused all the same."""
    req = requested_imr(session, partnership)
    broken = checklist()
    broken["criteria"]["7"] = {"answer": "partially", "comment": None}
    ready_draft(session, req, **broken)
    session.commit()
    found = submission.problems(session, req)
    assert found == {"criteria": {"7": {"comment": [
        "Enter a comment for criterion 7: say why the answer is ‘Partially’"]}}}  # fmt: skip
    with pytest.raises(submission.NotReady):
        submission.submit(session, req, is_final=False)
    session.rollback()
    assert session.scalars(select(ImrSubmission)).all() == []
    missing = checklist()
    del missing["criteria"]["15"]
    assert catalogue.problems(missing) == {"criteria": {"15": ["Answer criterion 15"]}}


def test_the_agency_completes_every_page_and_checks_its_answers(agency_client, session):
    assert upload(agency_client, REPORT).status_code == 302
    # The details page offers the agency's own name to start with.
    assert 'value="Exampleshire Police"' in agency_client.get("/imr/details").get_data(
        as_text=True
    ) or "Police" in text(agency_client.get("/imr/details"))
    bad = {**DETAILS, "email": "not an address"}
    assert "Enter an email address for the person completing this form in the correct" in (
        text(post(agency_client, "/imr/details", bad))
    )
    future = {**SIGNATURE, "signed_on-year": "2027"}
    assert "The date must be today or in the past" in text(
        post(agency_client, "/imr/signature", future)
    )
    fill_checklist(agency_client)
    saved = draft_checklist(session, agency_client)
    assert saved == checklist()
    check = agency_client.get("/imr/check")
    said = text(check)
    assert "There is a problem" not in said
    for criterion in SEED_CRITERIA:
        assert criterion in html.unescape(check.get_data(as_text=True))
    assert "Legal advice was not sought." in said
    assert ANONYMISED["perpetrator"] in said
    assert "This is the final version of our IMR" in said


def test_check_your_answers_lists_what_is_missing(agency_client, session):
    post(agency_client, "/imr/anonymised", ANONYMISED)
    check = agency_client.get("/imr/check")
    body = check.get_data(as_text=True)
    assert "<title>Error: Check your answers" in body
    for missing in ("Upload your IMR report", "Complete ‘Agency and the person completing the "
                    "form’", "Complete ‘Criteria 1 to 5’", "Complete ‘Criteria 11 to 15’",
                    "Complete ‘Signature’"):  # fmt: skip
        assert missing in html.unescape(body), missing
    assert "Complete ‘Anonymised details’" not in html.unescape(body)
    assert "Accept and send" not in body
    session.rollback()
    case = session.get(Case, session.get(ImrRequest, agency_client.imr_request_id).case_id)
    assert case.reference in text(check)


# --- initials only, and a secure address -------------------------------------------------------


def test_initials_only_refuses_a_full_name_before_it_reaches_the_pdf(agency_client, session):
    full_name = {**ANONYMISED, "victim_initials": "John Smith"}
    refused = post(agency_client, "/imr/anonymised", full_name)
    assert refused.status_code == 200
    assert '<a href="#victim_initials">Enter the victim\'s initials only, for example J.S.</a>' in (
        html.unescape(refused.get_data(as_text=True))
    )
    assert draft_checklist(session, agency_client).get("anonymised") is None
    for not_initials in ("John", "Jo S", "ABCDE", "J.S. 41", "j0"):
        data = {**ANONYMISED, "perpetrator_initials": not_initials}
        said = text(post(agency_client, "/imr/anonymised", data))
        assert "Enter the perpetrator's initials only, for example J.S." in said, not_initials
    assert catalogue.problems(checklist(anonymised={**ANONYMISED, "victim_initials": "John Smith"}))
    for initials in ("J.S.", "JS", "J S", "j.s.", "A.B.C.D", "J-P.S."):
        data = {**ANONYMISED, "victim_initials": initials}
        assert post(agency_client, "/imr/anonymised", data).status_code == 302, initials
        assert draft_checklist(session, agency_client)["anonymised"]["victim_initials"] == initials


def test_the_person_completing_the_form_gives_a_secure_address(agency_client, session):
    refused = post(agency_client, "/imr/details", {**DETAILS, "email": "quinn@gmail.com"})
    assert refused.status_code == 200
    assert '<a href="#email">Enter a secure email address, like one ending .gov.uk, .police.uk ' \
           "or nhs.net</a>" in refused.get_data(as_text=True)  # fmt: skip
    assert draft_checklist(session, agency_client).get("completed_by") is None
    assert post(agency_client, "/imr/details", DETAILS).status_code == 302
