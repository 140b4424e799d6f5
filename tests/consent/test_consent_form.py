"""The family member's consent form, as their browser uses it: opening the link, giving consent,
declining it (as easily), withdrawing it later through the same link. Every page has "Exit this
page" and shows nothing about the case but the victim's name; every refused link gets one page."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import select

from service import clock, tokens
from service.consent import links
from service.models import (
    AuditEvent,
    Case,
    CaseStatus,
    ConsentDelivery,
    ConsentRequest,
    ConsentResponse,
    ConsentStatus,
    Message,
)
from service.trawls import links as trawl_links
from tests.consent.factories import (
    FAMILY_EMAIL,
    FAMILY_NAME,
    PEOPLE,
    PRINT_NAME,
    SIGNED_NAME,
    VICTIM,
    answer,
    ask,
    check_its_me,
    date_fields,
    link_path,
    pdf_text,
    post,
)
from tests.console import csrf_from
from tests.delivered import delivered_html, delivered_text
from tests.trawls.factories import sent_trawl

#: While the family answers: a Wednesday in December 2026.
ANSWERING_AT = dt.datetime(2026, 12, 9, 11, 0, tzinfo=dt.UTC)
REFUSED_HEADING = "This link has expired or is not valid"
EXIT = 'href="https://www.bbc.co.uk/weather"'
PAGES = ["/consent/start", "/consent/about-sharing", "/consent/choices", "/consent/sign",
         "/consent/check"]  # fmt: skip


@pytest.fixture(autouse=True)
def answering_time():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def request_(session, partnership) -> ConsentRequest:
    req = ask(session, partnership)
    session.commit()
    return req


@pytest.fixture
def forbidden(session, request_) -> list[str]:
    """What the family's pages must never show: the case and everyone in it but the victim."""
    case = session.get(Case, request_.case_id)
    values = [case.reference, "1 September 2026", "Harbour Row"]
    values += [p["name"] for p in PEOPLE[1:]]
    values += [f"{p['date_of_birth']:%-d %B %Y}" for p in PEOPLE]
    return values


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def assert_shows_nothing_of_the_case(body: str, forbidden: list[str]) -> None:
    for value in forbidden:
        assert value not in body, value


def assert_has_exit(body: str) -> None:
    assert 'data-module="govuk-exit-this-page"' in body
    assert EXIT in body
    # It is the first thing after the header, before the page's own content.
    assert body.index(EXIT) < body.index('id="main-content"')


def sign(client) -> None:
    today = date_fields("signed_on", ANSWERING_AT.date())
    signing = {"signed_name": SIGNED_NAME, "print_name": PRINT_NAME, **today}
    assert post(client, "/consent/sign", signing).status_code == 302


def latest_response(session, req) -> ConsentResponse:
    session.rollback()
    return session.scalars(
        select(ConsentResponse)
        .where(ConsentResponse.request_id == req.id)
        .order_by(ConsentResponse.id.desc())
    ).first()


# --- giving, declining, withdrawing --------------------------------------------------------------


def test_consent_given_is_recorded_and_a_copy_can_be_downloaded(
    page_client, session, request_, forbidden
):
    response = page_client.get(link_path(session, request_))
    assert response.status_code == 302
    assert response.headers["Location"] == "/consent/start"  # the code has left the address bar

    start = page_client.get("/consent/start")
    assert start.status_code == 200
    assert f"Sharing information for the review about {VICTIM}" in text(start)
    assert "Taking part is voluntary" in text(start)
    assert "withdraw it at any time" in text(start)
    assert "dhr@exampleshire.gov.uk" in text(start) and "01632 960 000" in text(start)

    about = page_client.get("/consent/about-sharing")
    for statement in ("I understand that public sector agencies are required to carry out",
                      "will be destroyed after the report is completed"):  # fmt: skip
        assert statement in text(about)

    choices = page_client.get("/consent/choices").get_data(as_text=True)
    assert choices.count('value="yes"') == 2 and choices.count('value="no"') == 2
    assert choices.count("No, I do not want to give consent") == 2
    sign = page_client.get("/consent/sign")
    assert sign.status_code == 302  # choices first

    sent = answer(page_client, victim="yes", suspect="no")
    assert sent.status_code == 302 and sent.headers["Location"] == "/consent/sent"

    row = latest_response(session, request_)
    assert row.status is ConsentStatus.GIVEN
    assert (row.victim_information, row.suspect_information) == (True, False)
    assert row.signed_name == SIGNED_NAME and row.print_name == PRINT_NAME
    assert row.signed_on == ANSWERING_AT.date()  # today's date, as the page started it
    assert session.get(ConsentRequest, request_.id).status is ConsentStatus.GIVEN
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "consent_request")
    ).all()
    assert "consent.link_opened" in actions and "consent.given" in actions

    page = page_client.get("/consent/sent")
    assert "Consent given" in text(page)
    assert "Download a copy of your form (PDF)" in text(page)
    copy = page_client.get("/consent/your-form.pdf")
    assert copy.mimetype == "application/pdf"
    assert "filename=consent-form.pdf" in copy.headers["Content-Disposition"]
    words = pdf_text(copy.data)
    assert SIGNED_NAME in words and VICTIM in words and "Consent given" in words
    assert f"Print name {PRINT_NAME}" in words
    assert "9 December 2026" in words
    assert_shows_nothing_of_the_case(words, forbidden)  # no case reference on their copy


def test_declining_is_as_easy_as_giving(page_client, session, request_):
    page_client.get(link_path(session, request_))
    page_client.get("/consent/choices")
    post(page_client, "/consent/choices", {"victim_information": "no", "suspect_information": "no"})
    sign(page_client)
    check = page_client.get("/consent/check")
    assert "You are telling the review that you do not want to give consent" in text(check)
    assert "By sending this form, you confirm" not in text(check)
    sent = post(page_client, "/consent/check", {})
    assert sent.headers["Location"] == "/consent/sent"
    row = latest_response(session, request_)
    assert row.status is ConsentStatus.DECLINED
    assert (row.victim_information, row.suspect_information) == (False, False)
    page = page_client.get("/consent/sent")
    assert "Your answer has been sent" in text(page) and "You have not given consent" in text(page)
    # They can still change their mind later, through the same link.
    assert "Start now" in text(page_client.get("/consent/start"))


def test_consent_is_withdrawn_later_through_the_same_link(
    page_app, page_client, session, settings, request_
):
    path = link_path(session, request_)
    page_client.get(path)
    answer(page_client)
    assert latest_response(session, request_).status is ConsentStatus.GIVEN

    # Weeks later, in another browser.
    later = ANSWERING_AT + dt.timedelta(days=30)
    with clock.frozen_at(later):
        browser = page_app.test_client()
        browser.get(path)
        check_its_me(browser, settings)
        start = browser.get("/consent/start")
        assert "You gave consent on 9 December 2026" in text(start)
        assert "Start now" not in text(start)
        withdraw = browser.get("/consent/withdraw")
        assert "Withdraw your consent" in text(withdraw)
        assert "Keep my consent" in text(withdraw)
        problem = post(browser, "/consent/withdraw", {"signed_name": "", "print_name": ""})
        assert "Enter your signature: type your name" in text(problem)
        assert "Enter your full name" in text(problem)
        done = post(browser, "/consent/withdraw", {
            "signed_name": "S Relative", "print_name": PRINT_NAME,
            **date_fields("signed_on", later.date()),
        })  # fmt: skip
        assert done.headers["Location"] == "/consent/sent"
        assert "Consent withdrawn" in text(browser.get("/consent/sent"))
        # Withdrawn once: the page is not offered again.
        assert browser.get("/consent/withdraw").status_code == 302

    session.rollback()
    rows = session.scalars(
        select(ConsentResponse).where(ConsentResponse.request_id == request_.id)
        .order_by(ConsentResponse.id)
    ).all()  # fmt: skip
    assert [r.status for r in rows] == [ConsentStatus.GIVEN, ConsentStatus.WITHDRAWN]
    assert rows[1].victim_information is None and rows[1].signed_on == later.date()
    assert (rows[1].signed_name, rows[1].print_name) == ("S Relative", PRINT_NAME)
    assert session.get(ConsentRequest, request_.id).status is ConsentStatus.WITHDRAWN


def test_withdrawing_needs_consent_given_first(page_client, session, request_):
    page_client.get(link_path(session, request_))
    assert page_client.get("/consent/withdraw").headers["Location"] == "/consent/start"
    response = post(page_client, "/consent/withdraw",
                    {"signed_name": SIGNED_NAME, "print_name": PRINT_NAME},
                    page="/consent/choices")  # fmt: skip
    assert response.status_code == 302
    assert latest_response(session, request_) is None


def test_the_suspect_question_is_only_asked_where_the_officer_asked(
    page_client, session, partnership
):
    req = ask(session, partnership, ask_about_suspect=False)
    session.commit()
    page_client.get(link_path(session, req))
    choices = page_client.get("/consent/choices").get_data(as_text=True)
    assert "suspect_information" not in choices
    assert "suspect or perpetrator" not in text(page_client.get("/consent/start"))
    answer(page_client, victim="yes", suspect=None)
    row = latest_response(session, req)
    assert (row.victim_information, row.suspect_information) == (True, None)


def test_a_second_send_records_nothing_more(page_client, session, request_):
    page_client.get(link_path(session, request_))
    post(page_client, "/consent/choices", {"victim_information": "yes",
                                           "suspect_information": "yes"})  # fmt: skip
    sign(page_client)
    token = csrf_from(page_client.get("/consent/check").get_data(as_text=True))
    for _ in range(2):  # a double click
        sent = page_client.post("/consent/check", data={"csrf_token": token},
                                headers={"Referer": "https://localhost/consent/check"})  # fmt: skip
        assert sent.status_code == 302
    session.rollback()
    count = session.scalars(
        select(ConsentResponse).where(ConsentResponse.request_id == request_.id)
    ).all()
    assert len(count) == 1


# --- what the pages check ------------------------------------------------------------------------


def test_each_page_says_what_is_missing(page_client, session, request_):
    page_client.get(link_path(session, request_))
    response = post(page_client, "/consent/choices", {})
    body = text(response)
    assert response.status_code == 200 and "There is a problem" in body
    assert f"Select whether you give consent to share information about {VICTIM}" in body
    assert "Select whether you give consent to share information about the suspect" in body
    assert "<title>Error: " in response.get_data(as_text=True)

    post(page_client, "/consent/choices", {"victim_information": "no",
                                           "suspect_information": "yes"})  # fmt: skip
    tomorrow = ANSWERING_AT.date() + dt.timedelta(days=1)
    names = {"signed_name": SIGNED_NAME, "print_name": PRINT_NAME}
    for data, message in [
        ({**names, "signed_name": "", **date_fields("signed_on", ANSWERING_AT.date())},
         "Enter your signature: type your name"),
        ({**names, "signed_name": "x" * 201, **date_fields("signed_on", ANSWERING_AT.date())},
         "Your signature must be 200 characters or fewer"),
        ({**names, "print_name": "", **date_fields("signed_on", ANSWERING_AT.date())},
         "Enter your full name"),
        ({**names, "print_name": "x" * 201, **date_fields("signed_on", ANSWERING_AT.date())},
         "Your name must be 200 characters or fewer"),
        (names, "Enter the date"),
        ({**names, **date_fields("signed_on", tomorrow)},
         "The date must be today or in the past"),
        ({**names, "signed_on-day": "31", "signed_on-month": "2",
          "signed_on-year": "2026"}, "The date must be a real date"),
    ]:  # fmt: skip
        response = post(page_client, "/consent/sign", data)
        assert response.status_code == 200, data
        assert message in text(response), message
    # Check your answers waits for a signature.
    assert page_client.get("/consent/check").headers["Location"] == "/consent/sign"


def test_changing_an_answer_from_check_your_answers(page_client, session, request_):
    page_client.get(link_path(session, request_))
    post(page_client, "/consent/choices", {"victim_information": "yes",
                                           "suspect_information": "yes"})  # fmt: skip
    sign(page_client)
    check = page_client.get("/consent/check").get_data(as_text=True)
    assert "/consent/choices?return=check" in check
    changed = post(page_client, "/consent/choices?return=check",
                   {"victim_information": "no", "suspect_information": "yes"})  # fmt: skip
    assert changed.headers["Location"] == "/consent/check"
    assert "No, I do not give consent" in text(page_client.get("/consent/check"))
    # The sign page starts with what they typed, not today's date over it.
    again = page_client.get("/consent/sign").get_data(as_text=True)
    assert SIGNED_NAME in again


def test_every_page_has_exit_this_page_and_nothing_of_the_case(
    page_client, session, request_, forbidden
):
    page_client.get(link_path(session, request_))
    post(page_client, "/consent/choices", {"victim_information": "yes",
                                           "suspect_information": "yes"})  # fmt: skip
    sign(page_client)
    bodies = {path: page_client.get(path) for path in PAGES}
    post(page_client, "/consent/check", {})
    bodies["/consent/sent"] = page_client.get("/consent/sent")
    bodies["/consent/withdraw"] = page_client.get("/consent/withdraw")
    bodies["refused"] = page_client.application.test_client().get("/consent/not-a-code")
    for path, response in bodies.items():
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 404), path
        assert_has_exit(body)
        assert_shows_nothing_of_the_case(body, forbidden)
        assert FAMILY_EMAIL not in body, path
        assert "no-store" in response.headers["Cache-Control"], path


def test_no_personal_data_in_the_logs(page_client, session, request_, caplog):
    caplog.set_level(logging.DEBUG)
    page_client.get(link_path(session, request_))
    answer(page_client)
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    for value in (SIGNED_NAME, PRINT_NAME, VICTIM, FAMILY_NAME, FAMILY_EMAIL):
        assert value not in logged, value


def test_the_email_to_the_family_holds_nothing_but_the_link(session, request_):
    session.rollback()
    (message,) = session.scalars(select(Message).where(Message.purpose == "consent.request"))
    assert message.recipient == FAMILY_EMAIL
    assert message.sensitive is False and message.policy == "secure"
    assert message.attachments == []
    url = links.current_url(session, request_)
    case = session.get(Case, request_.case_id)
    assert url in delivered_text(message) and url in delivered_html(message)
    for value in [VICTIM, FAMILY_NAME, *[p["name"] for p in PEOPLE]]:
        assert value not in message.body_text and value not in message.body_html
        assert value not in message.subject
    assert case.reference not in message.body_text
    assert message.subject == (
        f"OFFICIAL-SENSITIVE: Domestic Homicide Review: a request for your consent "
        f"[{case.reference}]"
    )


# --- links that are refused ----------------------------------------------------------------------


def assert_refused(response, forbidden: list[str]) -> str:
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert f'<h1 class="govuk-heading-l">{REFUSED_HEADING}</h1>' in body
    assert_has_exit(body)
    assert_shows_nothing_of_the_case(body, forbidden)
    assert "Exampleshire" not in body  # not even whose partnership it is
    return re.sub(r'value="[^"]{20,}"', 'value=""', body)


def test_every_refused_link_gets_the_same_page(page_app, session, partnership, request_,
                                               forbidden):  # fmt: skip
    good = link_path(session, request_).rsplit("/", 1)[1]
    replaced_req = ask(session, partnership, case=session.get(Case, request_.case_id))
    replaced = link_path(session, replaced_req).rsplit("/", 1)[1]
    links.issue(session, replaced_req)  # a new link replaces the old one
    revoked_req = ask(session, partnership, case=session.get(Case, request_.case_id))
    revoked = link_path(session, revoked_req).rsplit("/", 1)[1]
    links.revoke(session, revoked_req)
    # A genuine token of another purpose, written as a code.
    trawl = sent_trawl(session, partnership, agency_count=1)
    trawl_row = trawl_links.current(session, trawl.requests[0])
    other_purpose = links.code_for(trawl_row)
    # The right purpose, naming something that is not a consent request.
    wrong_subject, _ = tokens.issue(
        session, purpose=links.PURPOSE, subject_type="trawl_request",
        subject_id=request_.id, partnership_id=request_.partnership_id,
        expires_at=clock.now() + dt.timedelta(days=1),
    )  # fmt: skip
    cross_partnership, _ = tokens.issue(
        session, purpose=links.PURPOSE, subject_type=links.SUBJECT, subject_id=request_.id,
        partnership_id=None, expires_at=clock.now() + dt.timedelta(days=1),
    )  # fmt: skip
    session.commit()

    last = good[-1]
    refused = {
        "tampered": good[:-1] + ("2" if last != "2" else "3"),
        "truncated": good[: len(good) // 2],
        "too long": good + "a",
        "unknown": "0000-0000-0000-0000-0000-0000-00",
        "out of range": "zzzz-zzzz-zzzz-zzzz-zzzz-zzzz-zz",
        "not base32": "uuuu-uuuu-uuuu-uuuu-uuuu-uuuu-uu",
        "garbage": "<script>alert(1)</script>",
        "replaced": replaced,
        "revoked": revoked,
        "another purpose": other_purpose,
        "another subject": links.code_for(wrong_subject),
        "another partnership": links.code_for(cross_partnership),
    }
    bodies = {}
    for reason, code in refused.items():
        client = page_app.test_client()
        bodies[reason] = assert_refused(client.get(f"/consent/{code}"), forbidden)
        # Nothing was remembered: the form's pages stay shut.
        for path in PAGES:
            assert_refused(client.get(path), forbidden)
    first = next(iter(bodies.values()))
    assert all(body == first for body in bodies.values()), [
        k for k, v in bodies.items() if v != first
    ]
    # The same page for the form's pages without any link at all.
    assert assert_refused(page_app.test_client().get("/consent/start"), forbidden) == first
    # And the real link still works, typed in capitals and with spaces for hyphens.
    typed = good.upper().replace("-", " ")
    assert page_app.test_client().get(f"/consent/{typed}").status_code == 302


def test_a_new_link_stops_an_open_browser_at_once(page_client, session, request_, forbidden):
    page_client.get(link_path(session, request_))
    assert page_client.get("/consent/start").status_code == 200
    links.issue(session, request_)
    session.commit()
    assert_refused(page_client.get("/consent/choices"), forbidden)


def test_the_link_lives_as_long_as_the_case_and_stops_when_it_closes(
    page_app, session, request_, forbidden
):
    path = link_path(session, request_)
    # Years later, the review still running: no fixed date ends it.
    with clock.frozen_at(ANSWERING_AT + dt.timedelta(days=5 * 365)):
        assert page_app.test_client().get(path).status_code == 302

    browser = page_app.test_client()
    browser.get(path)
    session.get(Case, request_.case_id).status = CaseStatus.CLOSED
    session.commit()
    assert_refused(browser.get("/consent/start"), forbidden)
    assert_refused(page_app.test_client().get(path), forbidden)


def test_letters_use_the_same_form(page_client, session, partnership):
    req = ask(session, partnership, delivery=ConsentDelivery.LETTER, email=None)
    session.commit()
    assert session.scalars(select(Message).where(Message.purpose == "consent.request")).all() == []
    page_client.get(link_path(session, req))
    answer(page_client, victim="no", suspect="no")
    assert latest_response(session, req).status is ConsentStatus.DECLINED
