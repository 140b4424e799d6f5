"""The referral form in a real Chromium, with nothing but the keyboard: a whole referral with two
people at the victim's address, one at the suspect's and two other agencies; an answer changed
from check your answers; sent. The mail server on loopback receives the referral with its PDF and
acknowledgements that carry no personal data. Every page passes axe-core's checks."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator

import pytest
from pypdf import PdfReader
from redis import Redis
from sqlalchemy import select

from forms.referral import SECTIONS, Question
from service import db, partnerships
from service.models import Message
from tests.delivered import delivered_text
from tests.e2e.conftest import _live_app, check_axe_is_installed, serving, type_text
from tests.e2e.test_console import check_axe, focus, focus_field, heading
from tests.factories import EXAMPLE
from tests.jobs import run_worker_burst
from tests.mailserver import MailServer
from tests.referrals.factories import complete_answers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def smtp() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def referral_server(tmp_path_factory, redis_url, smtp):
    check_axe_is_installed()
    Redis.from_url(redis_url).flushdb()
    app = _live_app(tmp_path_factory.mktemp("referral"), redis_url, mail_transport=smtp.url)
    with db.transaction() as s:
        partnerships.load(s, EXAMPLE, actor="test")
    with serving(app) as server:
        yield server


class Browser:
    """A referrer at the keyboard. Checks every new kind of page with axe-core once."""

    def __init__(self, page) -> None:  # noqa: ANN001
        self.page = page
        self.checked: set[str] = set()

    def axe(self) -> None:
        kind = re.sub(r"/\d+", "/N", self.page.url.split("?")[0])
        if kind not in self.checked:
            self.checked.add(kind)
            check_axe(self.page)

    def type_into(self, field_id: str, value: str) -> None:
        focus_field(self.page, field_id)
        type_text(self.page, value)

    def choose(self, name: str, choices: list[tuple[str, str]], value: str) -> None:
        # Tab reaches a radio group at its first option; the arrow keys choose within it.
        focus_field(self.page, name)
        index = [v for v, _ in choices].index(value)
        if index == 0:
            self.page.keyboard.press("Space")
        for _ in range(index):
            self.page.keyboard.press("ArrowDown")
        checked = self.page.evaluate(
            "name => document.querySelector(`input[name='${name}']:checked`).value", name
        )
        assert checked == value, (name, checked, value)

    def answer(self, questions: list[Question], answers: dict) -> None:
        for q in questions:
            value = answers.get(q.name)
            if value in (None, ""):
                continue
            if q.kind == "date":
                d = dt.date.fromisoformat(value)
                for part, text in (("day", d.day), ("month", d.month), ("year", d.year)):
                    self.type_into(f"{q.name}-{part}", str(text))
            elif q.kind == "choice":
                self.choose(q.name, q.choices, value)
                if q.details and value == "yes" and answers.get(q.details):
                    self.type_into(q.details, answers[q.details])
            else:
                self.type_into(q.name, value)

    def press_button(self, text: str) -> None:
        before = self.page.url
        focus(self.page, f"el => (el.textContent || el.value || '').trim() === {text!r}", 400)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        assert "There is a problem" not in self.page.content(), (before, self.page.content())

    def open_link(self, href_part: str) -> None:
        focus(self.page, f"el => el.tagName === 'A' && el.href.includes({href_part!r})", 400)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


def fill_with_keyboard(b: Browser, answers: dict) -> None:
    for section in SECTIONS:
        first = section.slug if section.group else f"page/{section.pages[0].slug}"
        b.open_link(f"/refer/{first}")
        if section.group:
            g = section.group
            items = answers.get(g.name) or []
            b.axe()
            b.choose("answer", [("yes", ""), ("no", "")], "yes" if items else "no")
            b.press_button("Save and continue")
            for index, item in enumerate(items):
                b.axe()
                b.answer(g.questions, item)
                b.press_button("Save and continue")
                b.axe()
                more = "yes" if index + 1 < len(items) else "no"
                b.choose("add_another", [("yes", ""), ("no", "")], more)
                b.press_button("Continue")
            continue
        for pg in section.pages:
            assert b.page.url.endswith(f"/refer/page/{pg.slug}"), b.page.url
            b.axe()
            b.answer(pg.questions, answers)
            b.press_button("Save and continue")


def test_a_whole_referral_with_the_keyboard_only(referral_server, chromium_browser, smtp):
    answers = complete_answers()
    assert len(answers["victim_household"]) == 2 and len(answers["suspect_household"]) == 1
    assert len(answers["other_agencies"]) == 2
    context = chromium_browser.new_context()
    page = context.new_page()
    b = Browser(page)
    try:
        page.goto(referral_server.url + "/")
        b.axe()
        b.open_link("/refer")
        assert heading(page) == "Refer a death for a Domestic Homicide Review"
        b.axe()
        fill_with_keyboard(b, answers)
        assert "You have completed 11 of 11 sections" in page.content()

        b.open_link("/refer/check")
        assert heading(page) == "Check your answers before sending your referral"
        b.axe()
        b.open_link("/refer/page/summary?return=check")
        focus_field(page, "summary")
        page.keyboard.press("Control+A")
        page.keyboard.type("Changed from check your answers: a revised summary.")
        b.press_button("Save and continue")
        assert page.url.split("#")[0].endswith("/refer/check")
        assert "Changed from check your answers: a revised summary." in page.content()

        # The declaration: the referrer's date starts as today's; the lead's is left to give.
        # The declaration is at the foot of a long page: Tab further to reach it.
        def type_at(field_id: str, value: str) -> None:
            focus(page, f"el => el.id === {field_id!r}", 400)
            type_text(page, value)

        type_at("referrer_signature", "Alex Referrer")
        focus(page, "el => (el.textContent || '').trim() === 'Accept and send'", 400)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "There is a problem" in page.content()
        assert "Enter the safeguarding lead's full name as their signature" in page.content()
        assert "Enter the date the safeguarding lead signed" in page.content()
        check_axe(page)
        type_at("lead_signature", "Sam Lead")
        today = dt.date.today()
        for part, value in (("day", today.day), ("month", today.month), ("year", today.year)):
            type_at(f"lead_signed_on-{part}", str(value))
        b.press_button("Accept and send")
        assert "Referral sent" in page.locator("h1").inner_text()
        b.axe()
        reference = page.locator(".app-reference").inner_text().strip()
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", reference)
    finally:
        context.close()

    run_worker_burst()
    inbox = [m for m in smtp.messages if m.rcpt_tos == ["dhr@exampleshire.gov.uk"]]
    assert len(inbox) == 1
    referral_mail = inbox[0].message
    assert referral_mail["Subject"] == f"OFFICIAL-SENSITIVE: New DHR referral [{reference}]"
    (pdf,) = [p for p in referral_mail.walk() if p.get_content_type() == "application/pdf"]
    pdf_text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages
    )
    assert reference in pdf_text and answers["deceased_name"] in pdf_text
    assert "Changed from check your answers" in " ".join(pdf_text.split())
    assert "Signature of referrer Alex Referrer" in " ".join(pdf_text.split())
    assert "Signature of safeguarding lead Sam Lead" in " ".join(pdf_text.split())

    acknowledgements = [m for m in smtp.messages if m is not inbox[0]]
    assert sorted(a for m in acknowledgements for a in m.rcpt_tos) == sorted(
        {answers["referrer_email"], answers["lead_email"]}
    )
    personal = [answers[k] for k in ("deceased_name", "suspect_name", "referrer_name", "lead_name")]
    for m in acknowledgements:
        body = m.message.as_string()
        assert reference in m.message["Subject"]
        for value in personal + [answers["deceased_address"].splitlines()[0]]:
            assert value not in body and value not in m.message["Subject"]


def test_save_and_return_in_a_new_browser(referral_server, chromium_browser):
    answers = complete_answers()
    first = chromium_browser.new_context()
    page = first.new_page()
    b = Browser(page)
    try:
        page.goto(referral_server.url + "/refer")
        b.open_link("/refer/page/referrer")
        b.answer(SECTIONS[0].pages[0].questions, answers)
        b.press_button("Save and continue")
        b.open_link("/refer/save")
        b.axe()
        focus_field(page, "email")
        page.keyboard.press("Control+A")
        page.keyboard.type("robin.referrer@exampleshire.gov.uk")
        b.press_button("Send the link")
        assert heading(page) == "We have emailed you a link"
    finally:
        first.close()
    with db.transaction() as s:
        message = s.scalars(
            select(Message)
            .where(Message.purpose == "referral.resume")
            .order_by(Message.created_at.desc())
        ).first()
        link = re.search(r"http\S+/refer/resume\?token=\S+", delivered_text(message)).group(0)
    path = link.split("/refer/", 1)[1]
    second = chromium_browser.new_context()
    page = second.new_page()
    try:
        page.goto(f"{referral_server.url}/refer/{path}")
        assert "You have completed 1 of 11 sections" in page.content()
        page.goto(f"{referral_server.url}/refer/page/referrer")
        assert page.input_value("#referrer_name") == answers["referrer_name"]
    finally:
        second.close()


def test_error_pages_of_the_form_have_no_axe_violations(referral_server, chromium_browser):
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        for path, button in [
            ("/refer/page/deceased-details", "Save and continue"),
            ("/refer/page/deceased-vulnerabilities", "Save and continue"),
            ("/refer/victim-household", "Save and continue"),
            ("/refer/victim-household/0", "Save and continue"),
        ]:
            page.goto(referral_server.url + path)
            page.locator(f"main button:has-text('{button}')").first.click()
            page.wait_for_load_state()
            assert "There is a problem" in page.content(), path
            check_axe(page)
    finally:
        context.close()
