"""The referral's questions as a referrer meets them: secure addresses checked where they are
typed, GOV.UK error messages, limits that are stated, and only what the referrer can know
required."""

from __future__ import annotations

import html
import re
from pathlib import Path

from sqlalchemy import select

from forms import referral as catalogue
from forms.referral import PAGE_BY_SLUG, SECTION_BY_SLUG, SECURE_EMAIL_PROBLEM
from service.models import Message, Partnership, Referral, ReferralStatus
from service.referrals import submission
from tests.referrals.factories import complete_answers
from tests.referrals.filling import declaration, fill_referral, form_fields, post

ROOT = Path(__file__).resolve().parents[2]


def text(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def referrals(session) -> list[Referral]:
    session.rollback()
    return session.scalars(select(Referral).order_by(Referral.id)).all()


def page_data(slug: str, **changes) -> dict[str, str]:
    _, page = PAGE_BY_SLUG[slug]
    data = form_fields(page.questions, complete_answers())
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def summary_links(response) -> dict[str, str]:
    """The error summary: each link's target and its message."""
    body = html.unescape(response.get_data(as_text=True))
    return dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', body))


# --- secure addresses, checked where they are typed ----------------------------------------


def test_a_gmail_address_for_the_safeguarding_lead_is_refused_and_nothing_is_kept(
    page_client, session, partnership
):
    data = page_data("lead", lead_email="lee.leadperson@gmail.com")
    response = post(page_client, "/refer/page/lead", data)
    assert response.status_code == 200
    assert summary_links(response) == {"lead_email": SECURE_EMAIL_PROBLEM}
    assert SECURE_EMAIL_PROBLEM == (
        "Enter a secure email address, like one ending .gov.uk, .police.uk or nhs.net"
    )
    assert referrals(session) == []  # not even a draft


def test_a_gmail_address_for_the_referrer_is_refused_with_the_same_message(
    page_client, session, partnership
):
    response = post(page_client, "/refer/page/referrer",
                    page_data("referrer", referrer_email="robin@gmail.com"))  # fmt: skip
    assert summary_links(response) == {"referrer_email": SECURE_EMAIL_PROBLEM}
    assert referrals(session) == []
    accepted = post(page_client, "/refer/page/referrer", page_data("referrer"))
    assert accepted.status_code == 302


def test_an_address_that_stopped_being_secure_stops_the_referral_being_sent(
    page_client, session, partnership
):
    fill_referral(page_client, complete_answers(lead_email="lee.leadperson@nhs.net"))
    row = session.get(Partnership, partnership.id)
    row.secure_domains = ["*.gov.uk"]  # nhs.net taken off the list after the page was saved
    session.commit()
    shown = page_client.get("/refer/check")
    assert "Complete ‘Safeguarding lead's details’" in text(shown)
    assert "Accept and send" not in text(shown)
    # Sending anyway (a page left open before the change) sends nothing.
    response = post(page_client, "/refer/check", declaration(), page="/refer/page/summary")
    assert response.status_code == 200
    assert "Complete ‘Safeguarding lead's details’" in text(response)
    (referral,) = referrals(session)
    assert referral.status is ReferralStatus.DRAFT
    assert session.scalars(select(Message)).all() == []


def test_the_confirmation_names_the_address_that_got_no_acknowledgement(
    page_client, session, partnership
):
    # Sent by the submission itself (as when the secure domains change in between): the
    # confirmation says which address, not "every address".
    answers = complete_answers(referrer_email="robin.referrer@gmail.com")
    draft = Referral(partnership_id=partnership.id, status=ReferralStatus.DRAFT, answers=answers)
    session.add(draft)
    session.flush()
    submission.submit(session, draft)
    session.commit()
    with page_client.session_transaction() as browser:
        browser["referral_submitted"] = draft.id
    said = text(page_client.get("/refer/confirmation"))
    assert ("We have not emailed an acknowledgement to robin.referrer@gmail.com, because it is "
            "not a secure email address.") in said  # fmt: skip
    assert "We have sent an acknowledgement with this reference to " \
           "lee.leadperson@exampleshire.gov.uk." in said  # fmt: skip
    assert "every address" not in said


def test_a_family_members_email_is_an_ordinary_address(page_client, partnership):
    assert post(page_client, "/refer/victim-household", {"answer": "yes"}).status_code == 302
    page = text(page_client.get("/refer/victim-household/0"))
    assert "Email address" in page and "ecure" not in page.split("Email address")[1][:80]
    for section in ("victim-household", "suspect-household", "agencies"):
        for q in SECTION_BY_SLUG[section].group.questions:
            assert "secure" not in q.label.lower() and not q.secure
    gmail = {"name": "Jo Example", "relationship": "Sister", "email": "jo@gmail.com"}
    assert post(page_client, "/refer/victim-household/0", gmail).status_code == 302


# --- GOV.UK error messages ------------------------------------------------------------------


def test_unanswered_choices_get_gov_uk_messages(page_client, partnership):
    vulnerabilities = summary_links(post(page_client, "/refer/page/suspect-vulnerabilities", {}))
    assert vulnerabilities == {
        "suspect_caring": "Select yes if the suspect had caring responsibilities",
        "suspect_mental_ill_health": "Select yes if the suspect had mental ill-health",
        "suspect_drug_use": "Select yes if the suspect had problematic drug use",
        "suspect_alcohol_use": "Select yes if the suspect had problematic alcohol use",
        "suspect_physical_disability": "Select yes if the suspect had a physical disability",
        "suspect_learning_disability": "Select yes if the suspect had a learning disability",
    }
    history = summary_links(post(page_client, "/refer/page/deceased-history", {}))
    assert history == {
        "deceased_services": "Select yes if the deceased was accessing services before the "
        "homicide",
        "deceased_abuse": "Select yes if the deceased had experienced domestic abuse by a current "
        "or previous partner or family member",
        "deceased_marac": "Select yes if the deceased's case had been heard at MARAC",
    }
    supervision = summary_links(post(page_client, "/refer/page/suspect-supervision", {}))
    assert supervision == {
        "suspect_mappa": "Select yes if the suspect was managed under MAPPA",
        "suspect_probation": "Select yes if the suspect was supervised by the Probation Service",
        "suspect_programme": "Select yes if the suspect attended or is attending a perpetrator "
        "programme",
    }
    factors = summary_links(post(page_client, "/refer/page/relationship", {}))
    assert factors["factor_forced_marriage"] == "Select if forced marriage was a known or " \
                                                "believed factor"  # fmt: skip
    assert factors["factor_immigration_issues"] == "Select if immigration issues were a known " \
                                                   "or believed factor"  # fmt: skip
    criteria = summary_links(post(page_client, "/refer/page/criteria", {}))
    assert criteria["criteria_age"] == "Select yes if the deceased person is aged 16 or over"
    assert criteria["criteria_suicide"] == (
        "Select yes if the deceased took their own life and the circumstances gave rise to concern"
    )
    incident = summary_links(post(page_client, "/refer/page/incident", {}))
    assert incident == {
        "incident_address": "Enter the address or location of the incident",
        "incident_multiple": "Select yes if this case could form part of an investigation of "
        "multiple victims or offenders",
        "incident_other_referrals": "Select yes if referrals to the Safeguarding Adults Board or "
        "the Safeguarding Children Partnership have been made or are planned",
    }


def test_no_required_message_is_built_from_a_question(partnership):
    for q in catalogue.all_questions():
        if q.required:
            message = q.missing
            assert "?" not in message and not re.search(r"^Select [a-z]+ [A-Z]", message), message
            assert message.startswith(("Select ", "Enter ")), message
            assert len(message) < 160, message


def test_a_value_that_is_not_an_option_gets_the_questions_message(page_client, partnership):
    data = page_data("criteria", criteria_age="maybe")
    links = summary_links(post(page_client, "/refer/page/criteria", data))
    assert links == {"criteria_age": "Select yes if the deceased person is aged 16 or over"}


# --- limits ---------------------------------------------------------------------------------


def test_details_boxes_take_5000_characters_and_say_so(page_client, session, partnership):
    page = page_client.get("/refer/page/deceased-history").get_data(as_text=True)
    assert "You can enter up to 5000 characters" in page
    assert 'data-maxlength="5000"' in page
    long_enough = "Known to have been controlled and isolated by her partner. " * 80
    assert 4000 < len(long_enough.strip()) < 5000
    data = page_data("deceased-history", deceased_abuse="yes", deceased_abuse_details=long_enough)
    assert post(page_client, "/refer/page/deceased-history", data).status_code == 302
    (draft,) = referrals(session)
    assert draft.answers["deceased_abuse_details"] == long_enough.strip()
    too_long = page_data("deceased-history", deceased_abuse="yes",
                         deceased_abuse_details="x" * 5001)  # fmt: skip
    refused = summary_links(post(page_client, "/refer/page/deceased-history", too_long))
    assert refused == {"deceased_abuse_details": "The details must be 5,000 characters or fewer"}
    assert catalogue.problems({**complete_answers(), "deceased_abuse": "yes",
                               "deceased_abuse_details": "x" * 5001})  # fmt: skip


# --- the suspect: only what the referrer can know --------------------------------------------


def test_the_suspects_date_of_birth_address_and_death_may_be_not_known(
    page_client, session, partnership
):
    data = {"suspect_name": "Sam Suspect", "suspect_address": "Not known"}
    assert post(page_client, "/refer/page/suspect-details", data).status_code == 302
    blank = {"suspect_name": "Sam Suspect", "suspect_address": "",
             "suspect_dob-day": "", "suspect_dob-month": "", "suspect_dob-year": ""}  # fmt: skip
    assert post(page_client, "/refer/page/suspect-details", blank).status_code == 302
    answers = complete_answers()
    for name in ("suspect_dob", "suspect_address", "suspect_date_of_death"):
        answers[name] = None
    assert catalogue.problems(answers) == {}
    # The deceased's are still needed.
    refused = summary_links(post(page_client, "/refer/page/deceased-details",
                                 {"deceased_name": "Alex Example"}))  # fmt: skip
    assert set(refused) == {"deceased_dob-day", "deceased_date_of_death-day", "deceased_address"}


def test_a_male_suspect_is_not_made_to_answer_pregnancy(page_client, session, partnership):
    about = {"suspect_sex": "Male"}
    assert post(page_client, "/refer/page/suspect-identity", about).status_code == 302
    data = page_data("suspect-vulnerabilities", suspect_pregnancy=None)
    page = page_client.get("/refer/page/suspect-vulnerabilities").get_data(as_text=True)
    assert "Leave blank if this does not apply" in page
    assert post(page_client, "/refer/page/suspect-vulnerabilities", data).status_code == 302
    answers = {**complete_answers(), "suspect_pregnancy": None, "deceased_pregnancy": None}
    assert catalogue.problems(answers) == {}


def test_a_date_of_birth_after_the_date_of_death_is_one_rule(page_client, partnership):
    answers = complete_answers(suspect_dob="2026-10-03", deceased_date_of_death="2026-10-01")
    assert catalogue.problems(answers) == {"suspect_dob": [catalogue.DOB_AFTER_DEATH]}
    assert catalogue.cross_check({"suspect_dob": "2026-10-03"}, answers) == (
        "suspect_dob",
        catalogue.DOB_AFTER_DEATH,
    )
    fill = post(page_client, "/refer/page/deceased-details", page_data("deceased-details"))
    assert fill.status_code == 302
    data = page_data("suspect-details", **{"suspect_dob-day": "3", "suspect_dob-month": "10",
                                           "suspect_dob-year": "2026"})  # fmt: skip
    refused = summary_links(post(page_client, "/refer/page/suspect-details", data))
    assert refused == {"suspect_dob-day": "The date of birth must be before the date of death"}


def test_no_community_rehabilitation_company_is_asked_about():
    for folder in ("forms", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".html", ".txt"):
                assert "Community Rehabilitation" not in path.read_text(), path
    assert "suspect_crc" not in {q.name for q in catalogue.all_questions()}
    # A draft begun when the form still asked it can still be sent.
    assert catalogue.problems({**complete_answers(), "suspect_crc": "no"}) == {}


# --- control characters ---------------------------------------------------------------------


def test_a_nul_in_an_answer_is_refused_and_nothing_is_stored(page_client, session, partnership):
    data = page_data("summary", summary="What happened\x00 on the night")
    response = post(page_client, "/refer/page/summary", data)
    assert response.status_code == 200
    assert summary_links(response) == {
        "summary": "A summary of the case must not include hidden control characters: type it "
        "in again"
    }
    assert referrals(session) == []
    details = page_data("deceased-history", deceased_abuse="yes",
                        deceased_abuse_details="Known\x1b[2J to police")  # fmt: skip
    links = summary_links(post(page_client, "/refer/page/deceased-history", details))
    assert links == {"deceased_abuse_details": "The details must not include hidden control "
                                               "characters: type it in again"}  # fmt: skip
    assert referrals(session) == []
    # Tabs and new lines are ordinary text.
    fine = page_data("summary", summary="First line\r\n\tSecond line")
    assert post(page_client, "/refer/page/summary", fine).status_code == 302
    assert catalogue.problems({**complete_answers(), "summary": "a\x00b"})["summary"]
