"""The public referral form through its pages: a safeguarding lead's story from the task list to
the confirmation, and every way bad input is met with a clear message and nothing lost."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from forms.referral import SECTION_BY_SLUG, SECTIONS
from service import clock
from service.models import Message, Referral, ReferralStatus
from tests.delivered import delivered_text
from tests.referrals.factories import complete_answers
from tests.referrals.filling import declaration, fill_referral, fill_section, form_fields, post


def text(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def referrals(session) -> list[Referral]:
    session.rollback()
    return session.scalars(select(Referral).order_by(Referral.id)).all()


def test_the_start_page_leads_to_the_task_list(page_client, partnership):
    start = page_client.get("/").get_data(as_text=True)
    assert 'href="/refer"' in start
    tasks = text(page_client.get("/refer"))
    assert "You have completed 0 of 11 sections" in tasks
    for section in SECTIONS:
        assert section.heading in tasks
    assert tasks.count("Not yet started") == len(SECTIONS)


def test_a_full_referral_is_sent_and_confirmed(page_client, session, partnership):
    answers = complete_answers()
    fill_referral(page_client, answers)
    tasks = text(page_client.get("/refer"))
    assert f"You have completed {len(SECTIONS)} of {len(SECTIONS)} sections" in tasks

    check = text(page_client.get("/refer/check"))
    assert answers["deceased_name"] in check
    for person in answers["victim_household"] + answers["suspect_household"]:
        assert person["name"] in check
    for agency in answers["other_agencies"]:
        assert agency["agency"] in check

    sent = post(page_client, "/refer/check", declaration())
    assert sent.headers["Location"] == "/refer/confirmation"
    (referral,) = referrals(session)
    assert referral.status is ReferralStatus.SUBMITTED
    assert referral.answers == {**referral.answers, **{k: answers[k] for k in answers}}
    confirmation = text(page_client.get("/refer/confirmation"))
    assert "Referral sent" in confirmation and referral.reference in confirmation
    assert "What happens next" in confirmation

    pdf = page_client.get("/refer/confirmation/referral.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # The draft is gone from this browser: a new referral starts empty.
    assert "You have completed 0 of" in text(page_client.get("/refer"))
    purposes = sorted(m.purpose for m in session.scalars(select(Message)))
    assert purposes.count("referral.submitted") == 1


def test_the_confirmation_and_pdf_belong_to_the_browser_that_sent_it(
    page_client, page_app, session, partnership
):
    fill_referral(page_client, complete_answers())
    post(page_client, "/refer/check", declaration())
    stranger = page_app.test_client()
    assert stranger.get("/refer/confirmation", base_url="https://localhost").status_code == 404
    pdf = stranger.get("/refer/confirmation/referral.pdf", base_url="https://localhost")
    assert pdf.status_code == 404


def test_a_non_secure_referrer_address_is_refused_where_it_is_typed(
    page_client, session, partnership
):
    answers = complete_answers(referrer_email="alex.referrer@gmail.com")
    questions = SECTION_BY_SLUG["referrer"].pages[0].questions
    refused = post(page_client, "/refer/page/referrer", form_fields(questions, answers))
    assert refused.status_code == 200
    assert "not a secure email address" not in text(refused)
    assert "Enter a secure email address" in text(refused)
    assert referrals(session) == []
    recipients = [m.recipient for m in session.scalars(select(Message))]
    assert "alex.referrer@gmail.com" not in recipients


def test_check_answers_names_what_is_missing(page_client, session, partnership):
    answers = complete_answers()
    fill_section(page_client, SECTION_BY_SLUG["referrer"], answers)
    response = page_client.get("/refer/check")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Error: Check your answers" in page
    assert "Accept and send" not in page
    assert "Complete ‘1.1 Details of the deceased person’" in page
    assert 'href="/refer/page/deceased-details?return=check"' in page
    assert referrals(session)[0].status is ReferralStatus.DRAFT


def test_change_from_check_answers_returns_there(page_client, session, partnership):
    answers = complete_answers()
    fill_referral(page_client, answers)
    page = "/refer/page/summary?return=check"
    changed = post(page_client, page, {"summary": "A different summary of what happened."})
    assert changed.headers["Location"] == "/refer/check"
    assert "A different summary of what happened." in text(page_client.get("/refer/check"))


# --- bad input ------------------------------------------------------------------------------


def test_bad_answers_get_the_error_summary_and_are_kept(page_client, partnership):
    tomorrow = clock.now().date() + timedelta(days=1)
    response = post(
        page_client,
        "/refer/page/referrer",
        {
            "referrer_name": "Sam Referrer",
            "referrer_agency": "",
            "referrer_job_title": "x" * 201,
            "referrer_phone": "call me",
            "referrer_email": "sam at example",
            "referrer_date-day": str(tomorrow.day),
            "referrer_date-month": str(tomorrow.month),
            "referrer_date-year": str(tomorrow.year),
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("There is a problem") == 1
    assert "<title>Error: Your details" in page
    for href, message in [
        ("#referrer_agency", "Enter your agency"),
        ("#referrer_job_title", "Your job title must be 200 characters or fewer"),
        ("#referrer_phone", "Enter your telephone number in the correct format"),
        ("#referrer_email", "Enter your email address in the correct format"),
        ("#referrer_date-day", "must be today or in the past"),
    ]:
        assert re.search(f'href="{href}">[^<]*{re.escape(message)}', page), message
    assert 'value="Sam Referrer"' in page and 'value="call me"' in page


def test_a_date_of_birth_after_the_date_of_death_is_refused(page_client, partnership):
    data = form_fields(
        SECTION_BY_SLUG["deceased"].pages[0].questions,
        complete_answers(deceased_dob="2026-10-02", deceased_date_of_death="2026-10-01"),
    )
    response = post(page_client, "/refer/page/deceased-details", data)
    assert "The date of birth must be before the date of death" in text(response)


def test_impossible_and_partial_dates_are_named(page_client, partnership):
    response = post(
        page_client,
        "/refer/page/deceased-details",
        {"deceased_dob-day": "31", "deceased_dob-month": "2", "deceased_dob-year": "1980",
         "deceased_date_of_death-day": "1", "deceased_date_of_death-year": "2026"},
    )  # fmt: skip
    page = text(response)
    assert "The date of birth must be a real date" in page
    assert "The date of death or serious incident must include a month" in page


def test_a_timed_out_page_is_shown_again_with_the_answers(page_client, partnership):
    response = page_client.post(
        "/refer/page/summary",
        data={"summary": "What happened, typed over an hour.", "csrf_token": "expired"},
        headers={"Referer": "https://x"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This page timed out" in page
    assert "What happened, typed over an hour." in page
    # Nothing was saved without a good token.
    assert "You have completed 0 of" in text(page_client.get("/refer"))


def test_oversized_requests_get_the_413_page(page_client, partnership):
    response = page_client.post("/refer/page/summary", data={"summary": "x" * (26 * 1024 * 1024)})
    assert response.status_code == 413


def test_the_public_form_is_rate_limited_per_client_address(page_client, partnership):
    statuses = [
        page_client.post("/refer/page/summary", data={"summary": "x"}).status_code
        for _ in range(121)
    ]
    assert 429 not in statuses[:120]
    assert statuses[120] == 429


# --- add another ----------------------------------------------------------------------------


def test_people_can_be_added_changed_and_removed_without_javascript(page_client, partnership):
    section = SECTION_BY_SLUG["victim-household"]
    questions = section.group.questions
    people = complete_answers()["victim_household"]
    assert (
        post(page_client, "/refer/victim-household", {"answer": "yes"}).headers["Location"]
        == "/refer/victim-household/0"
    )
    post(page_client, "/refer/victim-household/0", form_fields(questions, people[0]))
    post(page_client, "/refer/victim-household/list", {"add_another": "yes"})
    post(page_client, "/refer/victim-household/1", form_fields(questions, people[1]))
    listing = text(page_client.get("/refer/victim-household/list"))
    assert "You have added 2 people" in listing
    assert people[0]["name"] in listing and people[1]["name"] in listing

    post(
        page_client,
        "/refer/victim-household/0",
        form_fields(questions, {**people[0], "name": "Robin Changed"}),
    )  # noqa: E501
    assert "Robin Changed" in text(page_client.get("/refer/victim-household/list"))
    post(page_client, "/refer/victim-household/0/remove", {}, page="/refer/victim-household/list")
    listing = text(page_client.get("/refer/victim-household/list"))
    assert "You have added 1 person" in listing and "Robin Changed" not in listing

    missing = post(page_client, "/refer/victim-household/1", {"name": ""})
    assert "Enter their name" in text(missing)


def test_saying_no_one_else_lived_there_completes_the_section(page_client, partnership):
    assert post(page_client, "/refer/suspect-household", {"answer": "no"}).status_code == 302
    tasks = text(page_client.get("/refer"))
    assert "1.5 Others residing at the suspect's address Completed" in tasks


# --- save and come back later ---------------------------------------------------------------


def test_save_and_return_by_a_link_to_a_secure_address(page_client, page_app, session, partnership):
    answers = complete_answers()
    fill_section(page_client, SECTION_BY_SLUG["referrer"], answers)
    refused = post(page_client, "/refer/save", {"email": "sam@gmail.com"})
    assert "Enter a secure email address" in text(refused)
    sent = post(page_client, "/refer/save", {"email": "Sam.Referrer@exampleshire.gov.uk"})
    assert "We have emailed you a link" in text(sent)
    session.rollback()
    (message,) = session.scalars(select(Message).where(Message.purpose == "referral.resume"))
    assert message.recipient == "Sam.Referrer@exampleshire.gov.uk"
    assert "Sam" not in message.subject
    link = re.search(r"https://\S+/refer/resume\?token=\S+", delivered_text(message)).group(0)

    elsewhere = page_app.test_client()
    resumed = elsewhere.get(link.split(".gov.uk", 1)[1], base_url="https://localhost")
    assert resumed.headers["Location"] == "/refer"
    tasks = text(elsewhere.get("/refer", base_url="https://localhost"))
    assert "You have completed 1 of" in tasks
    page = elsewhere.get("/refer/page/referrer", base_url="https://localhost")
    assert answers["referrer_name"] in page.get_data(as_text=True)

    with clock.frozen_at(clock.now() + timedelta(days=29)):
        late = page_app.test_client().get(link.split(".gov.uk", 1)[1], base_url="https://localhost")
        assert late.status_code == 410
