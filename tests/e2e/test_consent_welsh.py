"""The family consent form in Welsh, in a real Chromium, with nothing but the keyboard: a family
member of the Dyffryn partnership (Welsh and English) chooses Cymraeg on the first page, answers,
makes a mistake on the way, switches to English and back half-way through without losing an
answer, and gives partial consent; later, in a browser that kept nothing, she is asked to show
it is her. Every page says ``lang="cy"``, passes axe-core's checks (error states too) and shows
no English the catalogue translates."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from redis import Redis

from service import db, partnerships
from service.consent import links
from service.models import Case, CasePerson, ConsentStatus
from tests.consent.factories import ask
from tests.e2e.conftest import _live_app, check_axe_is_installed, serving
from tests.e2e.test_consent import YES_NO, Family, status_of
from tests.e2e.test_console import check_axe, focus, heading
from tests.factories import DYFFRYN
from tests.trawls.factories import PEOPLE
from tests.welsh import ENGLISH

pytestmark = pytest.mark.e2e

VICTIM = PEOPLE[0]["name"]
SIGNED_NAME = "Gwen M Perthynas"
PRINT_NAME = "Gwen Mair Perthynas"


@pytest.fixture(scope="module")
def welsh_server(tmp_path_factory, redis_url):
    """A Dyffryn case, and a family member asked by email, about the suspect too."""
    check_axe_is_installed()
    Redis.from_url(redis_url).flushdb()
    app = _live_app(tmp_path_factory.mktemp("consent-cy"), redis_url)
    with db.transaction() as s:
        partnership = partnerships.load(s, DYFFRYN, actor="test").partnership
        case = Case(partnership_id=partnership.id, reference="DYF-DHR-2026-21",
                    date_of_death=dt.date(2026, 9, 1), trawl_years=5)  # fmt: skip
        case.people = [CasePerson(position=i, **PEOPLE[i]) for i in range(2)]
        s.add(case)
        s.flush()
        req = ask(s, partnership, case=case, name="Gwen Perthynas")
        data = {
            "id": req.id,
            "link": urlsplit(links.current_url(s, req)).path,
            "names": [partnership.name, partnership.contact_email, partnership.contact_phone],
        }
    with serving(app) as server:
        yield server, data


class WelshFamily(Family):
    """Every page is checked whole: its language, axe-core, and no English left on it."""

    def __init__(self, page, allowed: list[str]) -> None:  # noqa: ANN001
        super().__init__(page)
        self.allowed = allowed

    def check_welsh(self) -> None:
        assert self.page.get_attribute("html", "lang") == "cy", self.page.url
        text = self.page.title() + "\n" + self.page.locator("body").inner_text()
        for name in self.allowed:
            text = text.replace(name, "")
        text = text.replace("English", "")  # the switcher names English in English
        left = [msgid for msgid, pattern in ENGLISH if pattern.search(text)]
        assert not left, f"{self.page.url} shows English: {left}"
        check_axe(self.page)

    def switch_to(self, language: str) -> None:
        focus(self.page, f"el => el.tagName === 'A' && el.hreflang === {language!r}", 80)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        assert self.page.get_attribute("html", "lang") == language

    def answer_of(self, name: str) -> str | None:
        return self.page.evaluate(
            "n => document.querySelector(`input[name='${n}']:checked`)?.value ?? null", name
        )


def test_consent_in_welsh_with_the_keyboard_only(welsh_server, chromium_browser):
    server, data = welsh_server
    context = chromium_browser.new_context()
    b = WelshFamily(context.new_page(), [VICTIM, SIGNED_NAME, PRINT_NAME, *data["names"]])
    try:
        # The partnership's first language is English; the switcher offers Cymraeg.
        b.start(server.url + data["link"])
        assert b.page.get_attribute("html", "lang") == "en"
        b.switch_to("cy")
        assert heading(b.page) == f"Rhannu gwybodaeth ar gyfer yr adolygiad am {VICTIM}"
        b.check_welsh()

        b.open_link("/consent/about-sharing")
        assert heading(b.page) == "Beth mae rhannu gwybodaeth yn ei olygu"
        b.check_welsh()
        b.open_link("/consent/choices")
        assert heading(b.page) == "Eich dewis"
        b.check_welsh()

        # No choice made: the GOV.UK error summary, in Welsh.
        focus(b.page, "el => (el.textContent || '').trim() === 'Parhau'", 400)
        with b.page.expect_navigation():
            b.page.keyboard.press("Enter")
        assert "Mae problem wedi codi" in b.page.content()
        assert b.page.title().startswith("Gwall: ")
        summary = b.page.locator(".govuk-error-summary__list").inner_text()
        assert f"Dewiswch a ydych yn rhoi caniatâd i rannu gwybodaeth am {VICTIM}" in summary
        b.check_welsh()

        b.choose("victim_information", YES_NO, "yes")
        b.choose("suspect_information", YES_NO, "no")
        b.press_button("Parhau")
        assert heading(b.page) == "Llofnodi'r ffurflen"
        b.check_welsh()

        # Half-way through, English and back: the answers given so far are kept.
        b.switch_to("en")
        assert heading(b.page) == "Sign the form"
        b.open_link("/consent/choices")
        assert (b.answer_of("victim_information"), b.answer_of("suspect_information")) == (
            "yes",
            "no",
        )
        b.switch_to("cy")
        assert (b.answer_of("victim_information"), b.answer_of("suspect_information")) == (
            "yes",
            "no",
        )
        b.press_button("Parhau")

        # A signature, but the year of the date taken out: its own message, in Welsh.
        b.type_into("signed_name", SIGNED_NAME)
        b.type_into("print_name", PRINT_NAME)
        year = b.page.input_value("#signed_on-year")  # today's, as the page filled it in
        focus(b.page, "el => el.id === 'signed_on-year'")
        b.page.keyboard.press("Control+A")
        b.page.keyboard.press("Backspace")
        focus(b.page, "el => (el.textContent || '').trim() === 'Parhau'", 400)
        with b.page.expect_navigation():
            b.page.keyboard.press("Enter")
        assert "Rhaid i'r dyddiad gynnwys blwyddyn" in b.page.content()
        b.check_welsh()
        b.type_into("signed_on-year", year)
        b.press_button("Parhau")

        assert heading(b.page) == "Gwiriwch eich atebion cyn eu hanfon"
        b.check_welsh()
        b.press_button("Anfon fy ateb")
        assert heading(b.page) == "Mae eich ateb wedi'i anfon"
        assert (
            "Caniatâd heb ei roi i rannu gwybodaeth am y sawl a amheuir neu'r troseddwr"
            in b.page.locator("main").inner_text()
        )
        b.check_welsh()
        assert status_of(data["id"]) is ConsentStatus.GIVEN

        # Later, as in another browser (nothing kept of this visit): the check that it is her.
        context.clear_cookies()
        b.page.goto(server.url + data["link"])
        assert b.page.url.endswith("/consent/check-its-you")
        # She answered in Welsh, so that is her language now: the page opens in it.
        assert b.page.get_attribute("html", "lang") == "cy"
        assert heading(b.page) == "Mae angen i ni wirio mai chi sydd yno"
        b.check_welsh()
        b.press_button("Anfon cod ataf")
        assert heading(b.page) == "Rhowch y cod o'r e-bost"
        b.check_welsh()
        b.type_into("code", "12345")
        focus(b.page, "el => (el.textContent || '').trim() === 'Parhau'", 400)
        with b.page.expect_navigation():
            b.page.keyboard.press("Enter")
        assert "Rhaid i'r cod fod yn 6 rhif, fel 123456" in b.page.content()
        b.check_welsh()
        # A new code asked for straight away: not yet, it says, in Welsh.
        b.press_button("Anfon cod newydd")
        assert "Gwnaethom anfon cod lai na munud yn ôl" in b.page.content()
        b.check_welsh()
    finally:
        context.close()


def test_the_privacy_notice_the_statement_and_a_refused_link_in_welsh(
    welsh_server, chromium_browser
):
    """From the partnership's start page in Welsh, the footer's privacy notice and
    accessibility statement stay in Welsh; a link that does not work is in Welsh first, then
    English."""
    server, data = welsh_server
    context = chromium_browser.new_context()
    b = WelshFamily(context.new_page(), [VICTIM, *data["names"]])
    try:
        b.page.goto(server.url + "/p/dyffryn-example")
        b.switch_to("cy")
        for link, title in (
            ("Hysbysiad preifatrwydd", "Hysbysiad preifatrwydd"),
            ("Datganiad hygyrchedd", "Datganiad hygyrchedd ar gyfer DHR Forms"),
        ):
            focus(b.page, f"el => el.tagName === 'A' && el.textContent.trim() === {link!r}", 200)
            with b.page.expect_navigation():
                b.page.keyboard.press("Enter")
            assert heading(b.page) == title
            b.check_welsh()
            b.page.go_back()

        b.page.goto(server.url + "/consent/not-a-code")
        assert b.page.get_attribute("html", "lang") == "cy"
        halves = [h.strip() for h in b.page.locator("h1").all_inner_texts()]
        assert halves == [
            "Mae'r ddolen hon wedi dod i ben neu nid yw'n ddilys",
            "This link has expired or is not valid",
        ]
        welsh = b.page.locator('div[lang="cy"]').inner_text()
        assert not [msgid for msgid, pattern in ENGLISH if pattern.search(welsh)]
        assert "Gadael y dudalen hon" in b.page.locator("body").inner_text()
        check_axe(b.page)
    finally:
        context.close()
