"""The link sits for as long as the review runs in an inbox that is not a secure one, so holding it
opens only the unanswered form. Once the family member has answered, another browser sees
nothing (no victim's name, no signed form, no "withdraw") until it passes a check: a one-time
code emailed to the address they gave, or, for a letter, the date of birth they gave on the
form. Wrong tries run out; the code is never kept or logged as typed."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re

import pytest
from sqlalchemy import select

from service import clock
from service.consent import verification
from service.models import (
    AuditEvent,
    Case,
    CaseStatus,
    ConsentCheck,
    ConsentDelivery,
    ConsentRequest,
    ConsentStatus,
    Message,
)
from tests.consent.factories import (
    DATE_OF_BIRTH,
    FAMILY_EMAIL,
    SIGNED_NAME,
    VICTIM,
    answer,
    ask,
    check_its_me,
    date_fields,
    emailed_codes,
    link_path,
    post,
)
from tests.console import csrf_from

ANSWERED_AT = dt.datetime(2026, 12, 9, 11, 0, tzinfo=dt.UTC)
CHECK_PAGE = "/consent/check-its-you"
CODE_PAGE = "/consent/check-its-you/code"
#: The answered form's pages, each of which a browser that did not answer must not see.
ANSWERED_PAGES = ["/consent/start", "/consent/sent", "/consent/your-form.pdf",
                  "/consent/withdraw", "/consent/choices", "/consent/about-sharing"]  # fmt: skip


@pytest.fixture(autouse=True)
def answering_time():
    with clock.frozen_at(ANSWERED_AT) as moment:
        yield moment


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def answered(page_app, session, partnership, **kw) -> tuple[ConsentRequest, str]:
    """A request the family member has answered (consent given) in their own browser."""
    req = ask(session, partnership, **kw)
    session.commit()
    path = link_path(session, req)
    own = page_app.test_client()
    own.get(path)
    answer(own, victim="yes", suspect="yes")
    session.rollback()
    assert session.get(ConsentRequest, req.id).status is ConsentStatus.GIVEN
    session.rollback()  # no snapshot held across the browser's requests
    return req, path


def assert_nothing_shown(client) -> None:
    for page in ANSWERED_PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"] == CHECK_PAGE, page
    body = client.get(CHECK_PAGE)
    words = text(body)
    assert "We need to check it’s you" in words
    assert VICTIM not in words and "Withdraw" not in words and "your-form.pdf" not in words
    assert body.mimetype == "text/html"


def test_the_browser_that_answered_sees_its_form_without_a_check(page_app, session, partnership):
    req = ask(session, partnership)
    session.commit()
    own = page_app.test_client()
    own.get(link_path(session, req))
    answer(own, victim="yes", suspect="yes")
    assert "Consent given" in text(own.get("/consent/sent"))
    assert own.get("/consent/your-form.pdf").mimetype == "application/pdf"
    assert "Withdraw your consent" in text(own.get("/consent/withdraw"))


def test_another_browser_needs_the_emailed_code_first(page_app, session, settings, partnership):
    req, path = answered(page_app, session, partnership)
    other = page_app.test_client()
    assert other.get(path).headers["Location"] == "/consent/start"
    assert_nothing_shown(other)

    sent = post(other, CHECK_PAGE, {})
    assert sent.headers["Location"] == CODE_PAGE
    # One email, to the address the family gave: the code and nothing of the case.
    session.rollback()
    (message,) = session.scalars(select(Message).where(Message.purpose == "consent.code"))
    case = session.get(Case, req.case_id)
    assert message.recipient == FAMILY_EMAIL and message.attachments == []
    assert message.subject == (
        f"OFFICIAL-SENSITIVE: Your code for the consent form [{case.reference}]"
    )
    for value in (VICTIM, SIGNED_NAME, req.name):
        assert value not in message.subject and value not in message.body_text
    (code,) = emailed_codes(settings)
    # Kept only as a digest; the outbox, which every console role reads, shows a placeholder.
    stored = session.scalars(select(ConsentCheck.code_digest)).one()
    assert code not in stored
    session.refresh(message)
    assert code not in message.body_text and code not in (message.body_html or "")
    assert "[code sent to the recipient]" in message.body_text
    # Still nothing before the code is typed.
    assert_nothing_shown(other)

    wrong = "000000" if code != "000000" else "111111"
    problem = post(other, CODE_PAGE, {"code": wrong})
    assert problem.status_code == 400
    assert "There is a problem" in text(problem) and "The code is not right" in text(problem)
    assert_nothing_shown(other)

    done = post(other, CODE_PAGE, {"code": f"{code[:3]} {code[3:]}"})  # spaces are forgiven
    assert done.headers["Location"] == "/consent/start"
    start = text(other.get("/consent/start"))
    assert f"Sharing information for the review about {VICTIM}" in start
    assert "You gave consent on 9 December 2026" in start
    assert other.get("/consent/your-form.pdf").mimetype == "application/pdf"
    assert "Withdraw your consent" in text(other.get("/consent/withdraw"))
    session.rollback()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    for action in ("consent.code_sent", "consent.check_failed", "consent.check_passed"):
        assert action in actions, action


def test_five_wrong_codes_lock_it_even_against_the_right_one(
    page_app, session, settings, partnership
):
    _req, path = answered(page_app, session, partnership)
    other = page_app.test_client()
    other.get(path)
    post(other, CHECK_PAGE, {})
    (code,) = emailed_codes(settings)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(verification.MAX_ATTEMPTS):
        post(other, CODE_PAGE, {"code": wrong})
    locked = post(other, CODE_PAGE, {"code": code})
    assert "You have entered the wrong code too many times" in text(locked)
    assert_nothing_shown(other)


def test_new_codes_are_rate_limited_and_the_old_one_stops_working(
    page_app, session, settings, partnership
):
    _req, path = answered(page_app, session, partnership)
    other = page_app.test_client()
    other.get(path)
    post(other, CHECK_PAGE, {})
    again = post(other, CHECK_PAGE, {})
    assert again.status_code == 429 and "less than a minute ago" in text(again)
    with clock.frozen_at(ANSWERED_AT + dt.timedelta(minutes=2)):
        assert post(other, CHECK_PAGE, {}).status_code == 302
        first, second = emailed_codes(settings)
        if first != second:
            stale = post(other, CODE_PAGE, {"code": first})
            assert "The code is not right" in text(stale)
    # A code works for 20 minutes only.
    with clock.frozen_at(ANSWERED_AT + dt.timedelta(minutes=30)):
        late = post(other, CODE_PAGE, {"code": second})
        assert "This code has expired" in text(late)
        assert_nothing_shown(other)


def test_a_letter_is_checked_against_the_date_of_birth_given_on_the_form(
    page_app, session, partnership
):
    req = ask(session, partnership, delivery=ConsentDelivery.LETTER, email=None)
    session.commit()
    path = link_path(session, req)
    own = page_app.test_client()
    own.get(path)
    post(own, "/consent/choices", {"victim_information": "yes", "suspect_information": "no"})
    # The sign page asks for it, and says why.
    missing = post(own, "/consent/sign", {
        "signed_name": SIGNED_NAME, "print_name": SIGNED_NAME,
        **date_fields("signed_on", ANSWERED_AT.date()),
    })  # fmt: skip
    assert missing.status_code == 200 and "Enter your date of birth" in text(missing)
    answer(own, victim="yes", suspect="no", date_of_birth=DATE_OF_BIRTH)
    session.rollback()
    (response,) = session.get(ConsentRequest, req.id).responses
    assert response.date_of_birth_digest and "1979" not in response.date_of_birth_digest

    other = page_app.test_client()
    other.get(path)
    assert_nothing_shown(other)
    page = text(other.get(CHECK_PAGE))
    assert "Your date of birth" in page and "Send me a code" not in page
    wrong = post(other, CHECK_PAGE, date_fields("date_of_birth", DATE_OF_BIRTH.replace(day=24)))
    assert wrong.status_code == 400
    assert "does not match the one given on the form" in text(wrong)
    assert_nothing_shown(other)
    right = post(other, CHECK_PAGE, date_fields("date_of_birth", DATE_OF_BIRTH))
    assert right.headers["Location"] == "/consent/start"
    assert VICTIM in text(other.get("/consent/start"))
    # No email went anywhere for the letter.
    assert session.scalars(select(Message).where(Message.purpose == "consent.code")).all() == []


def test_five_wrong_dates_of_birth_lock_the_letters_link(page_app, session, partnership):
    req = ask(session, partnership, delivery=ConsentDelivery.LETTER, email=None)
    session.commit()
    path = link_path(session, req)
    own = page_app.test_client()
    own.get(path)
    answer(own, date_of_birth=DATE_OF_BIRTH)
    other = page_app.test_client()
    other.get(path)
    pages = [
        post(other, CHECK_PAGE, date_fields("date_of_birth", DATE_OF_BIRTH.replace(year=year)))
        for year in range(1990, 1990 + verification.MAX_ATTEMPTS)
    ]
    assert "You cannot try again with this link" in text(pages[-1])
    # Even the right date, sent with the form as the page before last had it, opens nothing.
    right = other.post(
        CHECK_PAGE,
        data={
            **date_fields("date_of_birth", DATE_OF_BIRTH),
            "csrf_token": csrf_from(pages[-2].get_data(as_text=True)),
        },
        headers={"Referer": f"https://localhost{CHECK_PAGE}"},
    )
    assert "You cannot try again with this link" in text(right)
    assert_nothing_shown(other)


def test_a_checked_browser_is_forgotten_by_a_new_link_and_after_hours(
    page_app, session, settings, partnership
):
    from service.consent import links

    req, path = answered(page_app, session, partnership)
    other = page_app.test_client()
    other.get(path)
    check_its_me(other, settings)
    assert other.get("/consent/start").status_code == 200
    with clock.frozen_at(ANSWERED_AT + verification.DEVICE_LIFETIME + dt.timedelta(minutes=1)):
        other.get(path)  # the link again, from the browser's history
        assert other.get("/consent/start").headers["Location"] == CHECK_PAGE
    old_path = link_path(session, req)
    links.issue(session, session.get(ConsentRequest, req.id))
    session.commit()
    assert old_path != link_path(session, req)
    other.get(link_path(session, req))
    assert other.get("/consent/start").headers["Location"] == CHECK_PAGE


def test_the_link_is_refused_once_the_case_closes(page_app, session, settings, partnership):
    req, path = answered(page_app, session, partnership)
    other = page_app.test_client()
    other.get(path)
    session.get(Case, req.case_id).status = CaseStatus.CLOSED
    session.commit()
    assert other.get(CHECK_PAGE).status_code == 404
    assert page_app.test_client().get(path).status_code == 404


def test_the_code_is_never_logged(page_app, session, settings, partnership, caplog):
    caplog.set_level(logging.DEBUG)
    _req, path = answered(page_app, session, partnership)
    other = page_app.test_client()
    other.get(path)
    code = check_its_me(other, settings)
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert not re.search(rf"\b{code}\b", logged)
    assert FAMILY_EMAIL not in logged
