"""The trawl-return form in a real Chromium, with nothing but the keyboard: an agency opens its
link, answers for two people (involvement with one, no trace of the other), adds chronology
entries, saves, comes back later in a new browser through the same link, sends its return and
then amends it. The DHR officer's inbox gets each version's PDF. Every page of the form passes
axe-core's checks, error states and the refused-link page included."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from redis import Redis
from sqlalchemy import select

from service import clock, db, partnerships
from service.models import Case, CasePerson, TrawlRequest, TrawlReturn
from service.trawls import links
from tests.e2e.conftest import _live_app, check_axe_is_installed, serving, type_text
from tests.e2e.test_console import check_axe, focus_field, focus_text, heading
from tests.e2e.test_referral import Browser
from tests.factories import EXAMPLE
from tests.jobs import run_worker_burst
from tests.mailserver import MailServer
from tests.trawls.factories import PEOPLE, sent_trawl

pytestmark = pytest.mark.e2e

OFFICER_INBOX = "dhr.officer@exampleshire.gov.uk"
NATURE = "Two appointments about injuries she said were from a fall."
SYSTEMS = "EMIS Web, the safeguarding case log and archived paper records."
AMENDED_SYSTEMS = "EMIS Web, the safeguarding case log, archived paper records and SystmOne."


@pytest.fixture(scope="module")
def smtp() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def return_server(tmp_path_factory, redis_url, smtp):
    """A case with two people, sent to two agencies a day ago."""
    check_axe_is_installed()
    Redis.from_url(redis_url).flushdb()
    app = _live_app(tmp_path_factory.mktemp("trawl-return"), redis_url, mail_transport=smtp.url)
    with db.transaction() as s:
        partnership = partnerships.load(s, EXAMPLE, actor="test").partnership
        case = Case(partnership_id=partnership.id, reference="EXA-DHR-2026-77",
                    date_of_death=dt.date(2026, 9, 1), trawl_years=5)  # fmt: skip
        case.people = [CasePerson(position=i, **PEOPLE[i]) for i in range(2)]
        s.add(case)
        s.flush()
        trawl = sent_trawl(s, partnership, case=case, agency_count=2,
                           at=clock.now() - dt.timedelta(days=1))  # fmt: skip
        data = {
            "people": [(p.id, p.name) for p in trawl.people],
            "requests": [r.id for r in trawl.requests],
            "links": [_path(links.current_url(s, r)) for r in trawl.requests],
        }
    with serving(app) as server:
        yield server, data


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class Agency(Browser):
    """Someone answering a trawl at the keyboard; axe-core checks every new kind of page."""

    def date(self, name: str, day: dt.date) -> None:
        for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
            self.type_into(f"{name}-{part}", str(value))

    def replace_text(self, field_id: str, value: str) -> None:
        focus_field(self.page, field_id)
        self.page.keyboard.press("Control+A")
        type_text(self.page, value)

    def tick(self, field_id: str) -> None:
        focus_field(self.page, field_id)
        self.page.keyboard.press("Space")
        assert self.page.is_checked(f"#{field_id}")


YES_NO_TRACE = [("yes", ""), ("no_trace", "")]
DASH = [("high", ""), ("medium", ""), ("standard", ""), ("none", ""), ("not_known", "")]
YES_NO_NK = [("yes", ""), ("no", ""), ("not_known", "")]
YES_NO = [("yes", ""), ("no", "")]


def answer_involved(b: Agency, person_id: int) -> None:
    b.open_link(f"/return/person/{person_id}")
    b.axe()
    b.choose("involvement", YES_NO_TRACE, "yes")
    b.type_into("nature", NATURE)
    b.date("first_contact", dt.date(2024, 2, 5))
    b.date("last_contact", dt.date(2025, 7, 30))
    b.type_into("services", "Referral to the domestic abuse service.")
    b.choose("dash_risk", DASH, "high")
    b.choose("marac", YES_NO_NK, "yes")
    b.type_into("risk_other", "Recent separation.")
    b.choose("records_secured", YES_NO, "yes")
    b.press_button("Save and continue")


def add_entry(b: Agency, index: int, day: dt.date, people: list, contact: int, event: str):
    b.open_link(f"/return/chronology/{index}")
    b.axe()
    b.date("date", day)
    b.type_into("time", "17:00")
    b.type_into("source", "Case record")
    b.type_into("professional", "Practice nurse J")
    b.choose("contact_with", [(str(pid), "") for pid, _ in people], str(contact))
    b.type_into("event", event)
    b.press_button("Save and continue")
    assert heading(b.page) == "Chronology of contacts"
    b.axe()


def test_a_return_with_the_keyboard_only_saved_resumed_sent_and_amended(
    return_server, chromium_browser, smtp
):
    server, data = return_server
    (victim_id, victim), (suspect_id, suspect) = data["people"]
    link = server.url + data["links"][0]

    first = chromium_browser.new_context()
    page = first.new_page()
    b = Agency(page)
    try:
        page.goto(link)
        assert page.url == server.url + "/return/start"  # the token has left the address bar
        assert heading(page) == "Search your records for a Domestic Homicide Review"
        assert "EXA-DHR-2026-77" in page.content() and victim in page.content()
        b.axe()
        answer_involved(b, victim_id)
        b.open_link(f"/return/person/{suspect_id}")
        b.choose("involvement", YES_NO_TRACE, "no_trace")
        b.press_button("Save and continue")
        b.open_link("/return/systems")
        b.axe()
        b.type_into("systems_checked", SYSTEMS)
        b.press_button("Save and continue")

        b.open_link("/return/chronology")
        b.axe()
        people = data["people"]
        add_entry(b, 0, dt.date(2025, 3, 14), people, victim_id, "Seen with a bruised wrist.")
        # Outside the scoping period (1 September 2021 to 1 September 2026): flagged, accepted.
        add_entry(b, 1, dt.date(2019, 6, 3), people, suspect_id, "Earlier contact.")
        add_entry(b, 2, dt.date(2025, 4, 1), people, victim_id, "A mistake, to be removed.")
        focus_text(page, "Remove chronology entry 3")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "A mistake" not in page.content()
        assert "You have added 2 entries" in page.content()

        b.open_link("/return/start")
        b.open_link("/return/saved")
        assert heading(page) == "Your answers have been saved"
        b.axe()
    finally:
        first.close()

    # Later, in another browser, through the same link.
    second = chromium_browser.new_context()
    page = second.new_page()
    b = Agency(page)
    try:
        page.goto(link)
        assert "You have completed 3 of 4 sections" in page.content()
        b.open_link("/return/your-details")
        b.axe()
        b.type_into("name", "Morgan Records")
        b.type_into("role", "Named nurse for safeguarding")
        b.type_into("email", "morgan.records@nhs.net")
        b.type_into("phone", "01632 960 123")
        b.press_button("Save and continue")
        b.open_link("/return/representative")
        b.axe()
        b.type_into("name", "Robin Liaison")
        b.type_into("role", "Safeguarding lead")
        b.press_button("Save and continue")
        b.open_link("/return/check")
        assert heading(page) == "Check your answers before sending your return"
        assert NATURE in page.content() and "3 June 2019" in page.content()
        b.axe()
        b.tick("dates_confirmed")
        b.tick("declaration")
        b.press_button("Accept and send")
        assert heading(page) == "Return sent"
        b.axe()

        # Amend: through the same link, after sending.
        b.open_link("/return/start")
        assert "Your return has been sent" in page.content()
        check_axe(page)
        b.press_button("Amend your return")
        assert "You are amending your return" in page.content()
        check_axe(page)
        b.open_link("/return/systems")
        b.replace_text("systems_checked", AMENDED_SYSTEMS)
        b.press_button("Save and continue")
        b.open_link("/return/check")
        assert "What you have changed since version 1" in page.content()
        check_axe(page)
        b.tick("dates_confirmed")
        b.tick("declaration")
        b.press_button("Accept and send")
        assert heading(page) == "Amendment sent"
        assert AMENDED_SYSTEMS in page.content()
        check_axe(page)
    finally:
        second.close()

    with db.transaction() as s:
        rows = s.scalars(
            select(TrawlReturn)
            .where(TrawlReturn.request_id == data["requests"][0])
            .order_by(TrawlReturn.version)
        ).all()
        assert [r.version for r in rows] == [1, 2]
        assert rows[0].answers["people"][str(suspect_id)] == {"involvement": "no_trace"}
        assert [e["event"] for e in rows[0].answers["chronology"]] == [
            "Seen with a bruised wrist.", "Earlier contact."
        ]  # fmt: skip
        assert rows[1].changes[0]["after"] == AMENDED_SYSTEMS
        assert s.get(TrawlRequest, data["requests"][1]).returns == []

    run_worker_burst()
    officer = [m.message for m in smtp.messages if m.rcpt_tos == [OFFICER_INBOX]]
    assert len(officer) == 2
    for version, message in enumerate(officer, start=1):
        assert message["Subject"] == "OFFICIAL-SENSITIVE: Trawl return received [EXA-DHR-2026-77]"
        (pdf,) = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
        words = " ".join(
            " ".join(pg.extract_text().split())
            for pg in PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages
        )
        assert victim in words and suspect in words and NATURE in words
        assert f"version {version}" in words


ERROR_PAGES = [
    ("/return/person/{victim}", "Save and continue"),
    ("/return/systems", "Save and continue"),
    ("/return/chronology/0", "Save and continue"),
    ("/return/chronology/upload", "Upload and import"),
    ("/return/your-details", "Save and continue"),
    ("/return/more-time", "Ask for more time"),
]


def test_the_error_states_and_the_refused_link_have_no_axe_violations(
    return_server, chromium_browser
):
    server, data = return_server
    victim_id = data["people"][0][0]
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "/return?token=not-a-real-token")
        assert heading(page) == "This link has expired or is not valid"
        check_axe(page)

        page.goto(server.url + data["links"][1])  # the second agency's link
        check_axe(page)
        for path, button in ERROR_PAGES:
            page.goto(server.url + path.format(victim=victim_id))
            check_axe(page)
            page.locator(f"main button:has-text('{button}')").first.click()
            page.wait_for_load_state()
            assert "There is a problem" in page.content(), path
            assert page.title().startswith("Error: ")
            check_axe(page)

        page.goto(server.url + "/return/chronology")
        check_axe(page)
        page.goto(server.url + "/return/check")
        assert "You need to complete every section" in page.content()
        check_axe(page)
        page.goto(server.url + "/return/saved")
        check_axe(page)

        # Asking for more time, then the page that says it is waiting for the officer.
        page.goto(server.url + "/return/more-time")
        due = page.locator("main").inner_text()
        assert "Your agency is asked to reply by" in due
        later = clock.now().date() + dt.timedelta(days=60)
        for part, value in (("day", later.day), ("month", later.month), ("year", later.year)):
            page.fill(f"#new_date-{part}", str(value))
        page.fill("#reason", "Our records team is short-staffed.")
        page.locator("main button:has-text('Ask for more time')").click()
        page.wait_for_load_state()
        assert "This is waiting for the DHR officer" in page.content()
        check_axe(page)
    finally:
        context.close()
