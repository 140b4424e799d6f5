"""The family consent form in a real Chromium, with nothing but the keyboard: one family member
gives partial consent and, later in another browser, proves it is them with the code emailed
to them and withdraws it through the same link; another, given a letter, declines, as easily.
"Exit this page" leaves the service, with JavaScript and without it. The DHR officer's and the
chair's inboxes get each answer with its signed form. Every page of the form, its error states
and the refused-link page pass axe-core's checks."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from redis import Redis
from sqlalchemy import select

from service import db, partnerships
from service.consent import links
from service.models import (
    Case,
    CasePerson,
    ConsentDelivery,
    ConsentRequest,
    ConsentResponse,
    ConsentStatus,
)
from tests.consent.factories import ask
from tests.e2e.conftest import _live_app, check_axe_is_installed, serving
from tests.e2e.test_console import check_axe, focus, heading
from tests.e2e.test_referral import Browser
from tests.factories import EXAMPLE
from tests.jobs import run_worker_burst
from tests.mailserver import MailServer
from tests.trawls.factories import PEOPLE

pytestmark = pytest.mark.e2e

VICTIM = PEOPLE[0]["name"]
OFFICER_INBOX = "dhr.officer@exampleshire.gov.uk"
CHAIR_INBOX = "independent.chair@exampleshire.cjsm.net"
EXIT_TO = "https://www.bbc.co.uk/weather"
YES_NO = [("yes", ""), ("no", "")]
DATE_OF_BIRTH = {"day": "23", "month": "4", "year": "1979"}


@pytest.fixture(scope="module")
def smtp() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def consent_server(tmp_path_factory, redis_url, smtp):
    """A case, and two family members asked for consent: one by email (asked about the suspect
    too), one by letter."""
    check_axe_is_installed()
    Redis.from_url(redis_url).flushdb()
    app = _live_app(tmp_path_factory.mktemp("consent"), redis_url, mail_transport=smtp.url)
    with db.transaction() as s:
        partnership = partnerships.load(s, EXAMPLE, actor="test").partnership
        case = Case(partnership_id=partnership.id, reference="EXA-DHR-2026-88",
                    date_of_death=dt.date(2026, 9, 1), trawl_years=5)  # fmt: skip
        case.people = [CasePerson(position=i, **PEOPLE[i]) for i in range(2)]
        s.add(case)
        s.flush()
        giving = ask(s, partnership, case=case, name="Gina Relative")
        declining = ask(s, partnership, case=case, name="Dan Relative", email=None,
                        delivery=ConsentDelivery.LETTER,
                        ask_about_suspect=False)  # fmt: skip
        data = {
            "ids": {"giving": giving.id, "declining": declining.id},
            "links": {
                "giving": urlsplit(links.current_url(s, giving)).path,
                "declining": urlsplit(links.current_url(s, declining)).path,
            },
        }
    with serving(app) as server:
        yield server, data


class Family(Browser):
    """A family member at the keyboard; axe-core checks every new kind of page."""

    def start(self, link: str) -> None:
        self.page.goto(link)
        assert self.page.url.endswith("/consent/start")  # the code has left the address bar
        assert "/consent/start" in self.page.url
        self.axe()

    def continue_to(self, href_part: str) -> None:
        self.open_link(href_part)
        self.axe()


def status_of(request_id: int) -> ConsentStatus:
    with db.transaction() as s:
        return s.get(ConsentRequest, request_id, populate_existing=True).status


def test_consent_given_then_withdrawn_and_another_declined_with_the_keyboard_only(
    consent_server, chromium_browser, smtp
):
    server, data = consent_server

    # Gina gives consent about the victim, and not about the suspect.
    first = chromium_browser.new_context()
    b = Family(first.new_page())
    try:
        b.start(server.url + data["links"]["giving"])
        assert heading(b.page) == f"Sharing information for the review about {VICTIM}"
        assert "EXA-DHR-2026-88" not in b.page.content() and PEOPLE[1]["name"] not in (
            b.page.content()
        )
        b.continue_to("/consent/about-sharing")
        assert heading(b.page) == "What sharing information means"
        b.continue_to("/consent/choices")
        b.choose("victim_information", YES_NO, "yes")
        b.choose("suspect_information", YES_NO, "no")
        b.press_button("Continue")
        assert heading(b.page) == "Sign the form"
        b.axe()
        assert "Your form goes to the review panel’s chair and the DHR officer" in (
            b.page.content()
        )
        b.type_into("signed_name", "G M Relative")
        b.type_into("print_name", "Gina Mary Relative")
        b.press_button("Continue")  # today's date, as the page filled it in
        assert heading(b.page) == "Check your answers before sending"
        b.axe()
        assert "By sending this form, you confirm that" in b.page.content()
        b.press_button("Send my answer")
        # Yes about the victim, no about the suspect: it says so, not "consent given".
        assert heading(b.page) == "Your answer has been sent"
        assert "You have given consent for some of the information, not all of it" in (
            b.page.content()
        )
        assert "Consent not given to share information about the suspect" in b.page.content()
        b.axe()
        assert status_of(data["ids"]["giving"]) is ConsentStatus.GIVEN
    finally:
        first.close()

    # Dan, given a letter, does not want to give consent: the same steps.
    second = chromium_browser.new_context()
    b = Family(second.new_page())
    try:
        b.start(server.url + data["links"]["declining"])
        b.continue_to("/consent/about-sharing")
        b.continue_to("/consent/choices")
        assert "suspect" not in b.page.locator("main form").inner_text()
        b.choose("victim_information", YES_NO, "no")
        b.press_button("Continue")
        b.type_into("signed_name", "Daniel Relative")
        b.type_into("print_name", "Daniel Relative")
        # A letter has no email address to send a code to: the date of birth checks it later.
        for part, value in DATE_OF_BIRTH.items():
            b.type_into(f"date_of_birth-{part}", value)
        b.press_button("Continue")
        assert "you do not want to give consent" in b.page.content()
        b.press_button("Send my answer")
        assert heading(b.page) == "Your answer has been sent"
        assert "You have not given consent" in b.page.content()
        check_axe(b.page)
        assert status_of(data["ids"]["declining"]) is ConsentStatus.DECLINED
    finally:
        second.close()

    # Later, in another browser, Gina withdraws her consent through the same link, once the
    # code emailed to her shows it is her.
    third = chromium_browser.new_context()
    b = Family(third.new_page())
    try:
        b.page.goto(server.url + data["links"]["giving"])
        assert b.page.url.endswith("/consent/check-its-you")
        assert heading(b.page) == "We need to check it’s you"
        assert VICTIM not in b.page.content()
        b.axe()
        b.press_button("Send me a code")
        assert heading(b.page) == "Enter the code from the email"
        b.axe()
        b.type_into("code", emailed_code(smtp))
        b.press_button("Continue")
        assert b.page.url.endswith("/consent/start")
        assert f"You gave consent for information about {VICTIM}, but not about" in (
            b.page.content()
        )
        check_axe(b.page)
        b.continue_to("/consent/withdraw")
        assert heading(b.page) == "Withdraw your consent"
        b.type_into("signed_name", "G M Relative")
        b.type_into("print_name", "Gina Mary Relative")
        b.press_button("Withdraw my consent")
        assert heading(b.page) == "Consent withdrawn"
        check_axe(b.page)
        # Her copy of the form, from the same page.
        with b.page.expect_download() as download:
            focus(b.page, "el => el.tagName === 'A' && el.href.includes('/consent/your-form.pdf')")
            b.page.keyboard.press("Enter")
        pdf = PdfReader(download.value.path())
        words = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
        assert "Withdrawal of consent" in words and "Signed G M Relative" in words
        assert "Print name Gina Mary Relative" in words
        assert "EXA-DHR-2026-88" not in words
    finally:
        third.close()

    with db.transaction() as s:
        rows = s.scalars(
            select(ConsentResponse.status)
            .where(ConsentResponse.request_id == data["ids"]["giving"])
            .order_by(ConsentResponse.id)
        ).all()
        assert rows == [ConsentStatus.GIVEN, ConsentStatus.WITHDRAWN]

    run_worker_burst()
    review = [m for m in smtp.messages if m.rcpt_tos != ["sam.relative@example.com"]]
    for inbox in (OFFICER_INBOX, CHAIR_INBOX):
        got = [m.message for m in review if m.rcpt_tos == [inbox]]
        subjects = sorted(m["Subject"] for m in got)
        assert subjects == sorted([
            "OFFICIAL-SENSITIVE: Family consent form received [EXA-DHR-2026-88]",
            "OFFICIAL-SENSITIVE: Family consent form received [EXA-DHR-2026-88]",
            "OFFICIAL-SENSITIVE: Family consent withdrawn [EXA-DHR-2026-88]",
        ])  # fmt: skip
        for message in got:
            (attachment,) = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
            words = " ".join(
                " ".join(page.extract_text().split())
                for page in PdfReader(io.BytesIO(attachment.get_payload(decode=True))).pages
            )
            assert "EXA-DHR-2026-88" in words and VICTIM in words


def emailed_code(smtp: MailServer) -> str:
    """The latest one-time code delivered to the family member's address."""
    run_worker_burst()
    codes = [
        re.search(r"Your code is:\s+(\d{6})", m.message.get_body(("plain",)).get_content())
        for m in smtp.messages
        if m.rcpt_tos == ["sam.relative@example.com"]
    ]
    found = [c.group(1) for c in codes if c]
    assert found, "no code was emailed"
    return found[-1]


LEFT = "<!DOCTYPE html><title>Left</title><p>left</p>"


def answer_locally(route) -> None:
    """Nothing leaves the machine: the page "Exit this page" goes to is answered here."""
    route.fulfill(body=LEFT, content_type="text/html")


def exit_button_focused(page) -> None:
    focus(page, "el => el.classList.contains('govuk-exit-this-page__button')", 40)


def test_exit_this_page_leaves_the_service(consent_server, chromium_browser):
    server, data = consent_server
    context = chromium_browser.new_context()
    context.route("https://www.bbc.co.uk/**", answer_locally)
    page = context.new_page()
    try:
        page.goto(server.url + data["links"]["declining"])
        page.goto(server.url + "/consent/about-sharing")
        exit_button_focused(page)  # among the first things Tab reaches
        page.keyboard.press("Enter")
        page.wait_for_url(f"{EXIT_TO}**", timeout=10000)
        assert page.url.startswith(EXIT_TO)
        assert "left" in page.content()

        # The keyboard shortcut too: Shift three times.
        page.goto(server.url + "/consent/start")
        page.locator("h1").click()
        for _ in range(3):
            page.keyboard.press("Shift")
        page.wait_for_url(f"{EXIT_TO}**", timeout=10000)
    finally:
        context.close()

    # Without JavaScript it is a plain link, and still leaves.
    context = chromium_browser.new_context(java_script_enabled=False)
    context.route("https://www.bbc.co.uk/**", answer_locally)
    page = context.new_page()
    try:
        page.goto(server.url + data["links"]["declining"])
        # Answered already: a new browser is asked to show it is them, with the button there too.
        assert page.url.endswith("/consent/check-its-you")
        exit_button_focused(page)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.startswith(EXIT_TO)
    finally:
        context.close()


ERROR_PAGES = [
    ("/consent/choices", "Continue"),
    ("/consent/sign", "Continue"),
]


def test_error_states_and_the_refused_link_have_no_axe_violations(consent_server, chromium_browser):
    server, data = consent_server
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "/consent/0000-0000-0000-0000-0000-0000-00")
        assert heading(page) == "This link has expired or is not valid"
        assert page.locator(".govuk-exit-this-page").count() == 1
        check_axe(page)

        page.goto(server.url + data["links"]["declining"])  # answered: they may answer again
        # In a new browser, after checking it is them (the date of birth on Dan's letter form).
        assert page.url.endswith("/consent/check-its-you")
        for part, value in DATE_OF_BIRTH.items():
            page.fill(f"#date_of_birth-{part}", "1" if part == "day" else value)
        page.locator("main button:has-text('Continue')").click()
        page.wait_for_load_state()
        assert "does not match the one given on the form" in page.content()
        assert page.title().startswith("Error: ")
        check_axe(page)
        page.fill("#date_of_birth-day", DATE_OF_BIRTH["day"])
        page.locator("main button:has-text('Continue')").click()
        page.wait_for_load_state()
        assert page.url.endswith("/consent/start")
        page.goto(server.url + "/consent/choices")
        page.locator("main button:has-text('Continue')").click()
        page.wait_for_load_state()
        assert "There is a problem" in page.content()
        assert page.title().startswith("Error: ")
        check_axe(page)
        page.check("#victim_information")
        page.locator("main button:has-text('Continue')").click()
        page.wait_for_load_state()
        page.fill("#signed_name", "")
        page.fill("#signed_on-year", "")
        page.locator("main button:has-text('Continue')").click()
        page.wait_for_load_state()
        assert "Enter your signature: type your name" in page.content()
        assert "Enter your full name" in page.content()
        check_axe(page)
        for path in ("/consent/start", "/consent/about-sharing", "/consent/sent"):
            page.goto(server.url + path)
            assert page.locator(".govuk-exit-this-page").count() == 1, path
            check_axe(page)
    finally:
        context.close()
