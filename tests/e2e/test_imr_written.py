"""The IMR written in the service, in a real Chromium with nothing but the keyboard: the police
open their link, choose to write the report here, complete every section of the template (a
full name refused where initials are asked), add two chronology entries by hand, save and come
back later in another browser through the same link, import a third entry from a CSV file (a
file with a problem refused row by row first), add an action, check the report, complete the QA
checklist and send it. The stored PDF follows the template's sections, in its order. Then the
lead officer opens their link and updates only their action. Every page on the way, its error
states included, passes axe-core's checks."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from redis import Redis
from sqlalchemy import select

from forms import imr as qa_catalogue
from service import clock, db, partnerships
from service.actions import links as action_links
from service.imrs import links, report
from service.imrs import terms as case_terms
from service.models import (
    ActionItem,
    ActionStatus,
    Case,
    CasePerson,
    ImrRequest,
    ImrSubmission,
    StoredFile,
)
from tests.e2e.conftest import _live_app, check_axe_is_installed, serving
from tests.e2e.test_console import check_axe, focus, focus_field, focus_text, heading
from tests.e2e.test_trawl_return import Agency
from tests.factories import EXAMPLE
from tests.imrs.factories import requested_imr
from tests.trawls.factories import PEOPLE

pytestmark = pytest.mark.e2e

REFERENCE = "EXA-DHR-2026-89"
TERMS = [
    "Establish what contact each agency had with the victim and the perpetrator.",
    "Consider whether risk was identified and shared.",
]
QA_ANSWERS = [(value, "") for value, _ in qa_catalogue.ANSWERS]
FIRST_EVENT = "Officers attended after neighbours reported shouting."
SECOND_EVENT = "Interviewed under caution and bailed."
CSV_EVENT = "Charged with assault and remanded."
RECOMMENDATION = "Supervisors review every third call-out to the same address."
CSV_HEAD = ('Date,Time,Source of evidence,Name of professional,Contact with,'
            '"Event, action or decision",Outcome,Comments\r\n')  # fmt: skip
#: A full name where initials are asked: the whole file is refused, by row and column.
BAD_CSV = CSV_HEAD + "16/03/2026,10:00,Custody record,Pat Constable,B.S.,Charged.,,\r\n"
GOOD_CSV = CSV_HEAD + f"16/03/2026,10:00,Custody record,D.S.,B.S.,{CSV_EVENT},,From the file\r\n"


@pytest.fixture(scope="module")
def written_server(tmp_path_factory, redis_url):
    """A case with three people and two terms of reference; the police and probation asked for
    their IMRs."""
    check_axe_is_installed()
    Redis.from_url(redis_url).flushdb()
    app = _live_app(tmp_path_factory.mktemp("imr-written"), redis_url)
    now = clock.now()
    with db.transaction() as s:
        partnership = partnerships.load(s, EXAMPLE, actor="test").partnership
        case = Case(partnership_id=partnership.id, reference=REFERENCE,
                    date_of_death=dt.date(2026, 9, 1), trawl_years=5)  # fmt: skip
        case.people = [CasePerson(position=i, **p) for i, p in enumerate(PEOPLE)]
        s.add(case)
        s.flush()
        case_terms.set_terms(s, case, TERMS, actor="test")
        req = requested_imr(s, partnership, case=case, at=now - dt.timedelta(days=1),
                            due=now.date() + dt.timedelta(days=27))  # fmt: skip
        other = requested_imr(s, partnership, case=case, agency_key="probation",
                              at=now - dt.timedelta(days=1),
                              due=now.date() + dt.timedelta(days=27))  # fmt: skip
        people = [str(p.id) for p in report.people_of(s, case.id, "initials")]
        data = {"request": req.id, "link": _path(links.current_url(s, req)), "people": people,
                "other_link": _path(links.current_url(s, other))}  # fmt: skip
    with serving(app) as server:
        yield server, data


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class Author(Agency):
    """The IMR's author at the keyboard."""

    def press_expecting_error(self, text: str) -> None:
        focus_text(self.page, text)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        assert "There is a problem" in self.page.content(), self.page.url
        assert self.page.title().startswith("Error: "), self.page.title()
        check_axe(self.page)

    def entry(self, index: int, day: dt.date, people: list[str], contact: int, event: str,
              **more: str) -> None:  # fmt: skip
        self.open_link(f"/imr/report/chronology/{index}")
        assert heading(self.page) == "Add chronology entry", heading(self.page)
        self.axe()
        self.date("date", day)
        if more.get("time"):
            self.type_into("time", more["time"])
        self.type_into("source", more.get("source", "Command and control log"))
        self.type_into("professional", more.get("professional", "P.C."))
        self.choose("contact_with", [(p, "") for p in people], people[contact])
        self.type_into("event", event)
        if more.get("comments"):
            self.type_into("comments", more["comments"])
        self.press_button("Save and continue")
        assert heading(self.page) == "5. Comprehensive agency chronology"


def summary(page) -> str:  # noqa: ANN001
    """The error summary's text, as the reader sees it."""
    return page.locator(".govuk-error-summary").inner_text()


def pdf_words(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.timeout(600)  # the whole template, a key at a time
def test_an_agency_writes_its_whole_imr_with_the_keyboard_only(written_server, chromium_browser):
    server, data = written_server
    people = data["people"]
    today = clock.now().date()

    first = chromium_browser.new_context()
    page = first.new_page()
    b = Author(page)
    try:
        page.goto(server.url + data["link"])
        assert page.url == server.url + "/imr/start"
        b.axe()
        b.open_link("/imr/report")
        assert heading(page) == "How will you send your IMR report?"
        b.axe()
        b.press_expecting_error("Continue")
        b.choose("way", [("write", ""), ("upload", "")], "write")
        b.press_button("Continue")

        assert heading(page) == "Your IMR report"
        assert "Doctor Smith should be Doctor S" in page.content()  # the initials setting
        b.axe()
        b.open_link("/imr/report/section/cover")
        assert heading(page) == "1. Cover sheet"
        b.axe()
        b.type_into("subject", "Alice Example")  # a full name where initials are asked
        b.type_into("victim_diversity", "AE was 41, White British.")
        b.type_into("perpetrator", "BS, 44, partner of AE.")
        b.type_into("author_name", "Riley Author")
        b.type_into("author_designation", "Detective Inspector")
        b.type_into("agency_profile", "Exampleshire Police serves the county.")
        b.type_into("qa_name", "Quinn Assurance")
        b.type_into("qa_designation", "Detective Superintendent")
        b.press_expecting_error("Save and continue")
        assert "Enter the victim's initials only, for example J.S." in summary(page)
        b.replace_text("subject", "A.E.")
        b.press_button("Save and continue")

        assert heading(page) == "2. Methodology"
        b.axe()
        b.type_into("sources", "Niche records and command and control logs.")
        b.press_button("Save and continue")
        assert heading(page) == "3. Terms of reference"
        assert f"1. {TERMS[0]}" in page.content() and f"2. {TERMS[1]}" in page.content()
        b.axe()
        b.press_expecting_error("Save and continue")  # neither term answered
        b.type_into("term_1", "Three call-outs in the period.")
        b.type_into("term_2", "Risk was assessed high and shared at MARAC.")
        b.press_button("Save and continue")
        assert heading(page) == "4. Agency involvement"
        b.axe()
        b.type_into("involvement", "Three call-outs to the family home.")
        b.press_button("Save and continue")

        assert heading(page) == "5. Comprehensive agency chronology"
        b.axe()
        b.entry(0, dt.date(2026, 3, 14), people, 0, FIRST_EVENT, time="23:10",
                comments="Policy followed.")  # fmt: skip
        b.entry(1, dt.date(2026, 3, 15), people, 1, SECOND_EVENT, source="Custody record")
        assert "You have added 2 entries" in page.content()
        b.press_button("Continue")

        assert heading(page) == "6. Summary of agency involvement"
        b.axe()
        b.type_into("summary", "Risk was assessed high after the March call-out.")
        b.press_button("Save and come back later")
        assert page.url.endswith("/imr/report/sections?saved=1")
        assert "Your answers have been saved" in page.content()
        check_axe(page)
    finally:
        first.close()

    # Later, in another browser, through the same link.
    second = chromium_browser.new_context()
    page = second.new_page()
    b = Author(page)
    try:
        page.goto(server.url + data["link"])
        assert "Write your IMR report" in page.content()
        b.open_link("/imr/report/sections")
        assert "You have completed 6 of 9 sections" in page.content()
        b.open_link("/imr/report/chronology")
        assert "You have added 2 entries" in page.content()
        b.open_link("/imr/report/chronology/upload")
        assert heading(page) == "Upload a chronology"
        b.axe()
        b.choose("mode", [("add", ""), ("replace", "")], "add")
        b.press_expecting_error("Upload and import")  # no file chosen
        for body, name in ((BAD_CSV, "bad.csv"), (GOOD_CSV, "chronology.csv")):
            focus_field(page, "file")  # reached with Tab; the file comes from the "chooser"
            page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv",
                                                  "buffer": body.encode("utf-8")}])  # fmt: skip
            b.choose("mode", [("add", ""), ("replace", "")], "add")
            if body is BAD_CSV:
                b.press_expecting_error("Upload and import")
                assert "There is a problem with the file: nothing was imported" in summary(page)
                assert "Row 2, column ‘Name of professional’" in summary(page)
            else:
                b.press_button("Upload and import")
        assert "1 entry imported from your file" in page.content()
        assert "You have added 3 entries" in page.content()
        check_axe(page)
        b.press_button("Continue")
        assert heading(page) == "6. Summary of agency involvement"
        b.press_button("Save and continue")

        assert heading(page) == "7. Analysis of involvement"
        b.axe()
        b.type_into("analysis_1", "Officers followed the DASH process.")
        b.press_button("Save and continue")
        assert heading(page) == "7. What has been learned from this case?"
        b.axe()
        b.type_into("lessons_1", "Repeat call-outs should prompt a supervisor's review.")
        b.press_button("Save and continue")

        assert heading(page) == "8. Action plan"
        b.axe()
        b.open_link("/imr/report/actions/0")
        assert heading(page) == "Add action"
        b.axe()
        b.press_expecting_error("Save and continue")
        b.type_into("recommendation", RECOMMENDATION)
        b.type_into("key_actions", "Change the command and control flag.")
        b.type_into("lead_officer", "Head of Public Protection")
        b.type_into("lead_officer_email", "lead.officer@example.police.uk")
        b.date("target_date", today + dt.timedelta(days=120))
        b.press_button("Save and continue")
        assert heading(page) == "8. Action plan" and RECOMMENDATION in page.content()
        check_axe(page)
        b.press_button("Continue")

        assert heading(page) == "Check your IMR report"
        b.axe()
        for text in (f"1. {TERMS[0]}", "Chronology entry 3", CSV_EVENT, "Action 1"):
            assert text in page.content(), text
        b.open_link("/imr/details")

        # The QA checklist follows, as for an uploaded IMR.
        assert heading(page) == "Agency and the person completing this form"
        b.type_into("name", "Quinn Assurance")
        b.type_into("email", "quinn.assurance@example.police.uk")
        b.type_into("phone", "01632 960 321")
        b.press_button("Save and continue")
        b.type_into("victim_initials", "A.E.")
        b.type_into("victim", "AE, 41, White British")
        b.type_into("perpetrator_initials", "B.S.")
        b.type_into("perpetrator", "BS, 44, partner of AE")
        b.press_button("Save and continue")
        for part in (1, 2, 3):
            assert heading(page).startswith("Criteria"), heading(page)
            for n in qa_catalogue.CRITERIA_PAGES[part - 1]:
                b.choose(f"criterion_{n}", QA_ANSWERS, "yes")
            b.press_button("Save and continue")
        assert heading(page) == "Sign the quality assurance form"
        b.type_into("signed_name", "Quinn Assurance")
        b.date("signed_on", today)
        b.type_into("role", "Detective Superintendent")
        b.press_button("Save and continue")

        assert heading(page) == "Check your answers before sending your IMR"
        assert "Written in this service" in page.content()
        b.axe()
        b.tick("is_final")
        b.press_button("Accept and send")
        assert heading(page) == "IMR sent"
    finally:
        second.close()

    with db.transaction() as s:
        (row,) = s.scalars(
            select(ImrSubmission).where(ImrSubmission.request_id == data["request"])
        ).all()
        assert row.version == 1 and row.is_final
        events = [entry["event"] for entry in row.report["chronology"]]
        assert events == [FIRST_EVENT, SECOND_EVENT, CSV_EVENT]
        assert row.report["cover"]["subject"] == "A.E."
        words = pdf_words(s.get(StoredFile, row.document_id).data)
        req = s.get(ImrRequest, data["request"], populate_existing=True)
        assert req.final_at is not None
        (action,) = s.scalars(select(ActionItem).where(ActionItem.imr_request_id == req.id))
        assert action.recommendation == RECOMMENDATION
    # The PDF follows the IMR template's sections, in its order.
    order = ["INDIVIDUAL MANAGEMENT REVIEW REPORT FOLLOWING DOMESTIC HOMICIDE",
             "Domestic Homicide Review in respect of", "2. Methodology", "3. Terms of Reference",
             "4. Agency Involvement", "5. Comprehensive Agency Chronology",
             "6. Summary of Agency Involvement", "7. Analysis of Involvement",
             "What has been learned from this case?", "8. Action Plan",
             "Single Agency Recommendations for Action"]  # fmt: skip
    places = [words.index(h) for h in order]
    assert places == sorted(places), list(zip(order, places, strict=True))
    chronology = words[places[5] : places[6]]
    for text in (FIRST_EVENT, SECOND_EVENT, CSV_EVENT, "14/03/2026", "16/03/2026"):
        assert text in chronology, text
    assert RECOMMENDATION in words[places[9] :]


def test_the_lead_officer_updates_their_action_with_the_keyboard_only(
    written_server, chromium_browser
):
    server, data = written_server
    with db.transaction() as s:
        actions = list(s.scalars(select(ActionItem).order_by(ActionItem.id)))
        assert actions, "the IMR written above has its action in the plan"
        action = actions[0]
        link = _path(action_links.url_for_action(s, action))
        others = [(a.id, a.status) for a in actions[1:]]
    context = chromium_browser.new_context()
    page = context.new_page()
    b = Author(page)
    try:
        page.goto(server.url + "/action/update?token=not-a-real-token")
        assert heading(page) == "This link has expired or is not valid"
        check_axe(page)

        page.goto(server.url + link)
        assert heading(page) == "Update your action"
        assert RECOMMENDATION in page.content()
        check_axe(page)
        statuses = [("not_started", ""), ("in_progress", ""), ("done", "")]
        b.choose("status", statuses, "done")
        b.press_expecting_error("Save your update")  # done, with no evidence
        assert "Enter the evidence that the action is done" in summary(page)
        # Tab reaches a radio group at its checked option ("Done"); the arrow keys move on.
        focus(page, "el => el.name === 'status' && el.checked")
        page.keyboard.press("ArrowUp")
        assert page.is_checked("input[name=status][value=in_progress]")
        b.type_into("progress", "The flag is changed; briefings in March.")
        b.press_button("Save your update")
        assert "Your update has been saved" in page.content()
        check_axe(page)
    finally:
        context.close()
    with db.transaction() as s:
        updated = s.get(ActionItem, action.id, populate_existing=True)
        assert updated.status is ActionStatus.IN_PROGRESS
        assert updated.progress == "The flag is changed; briefings in March."
        assert [(a.id, a.status) for a in s.scalars(
            select(ActionItem).where(ActionItem.id != action.id).order_by(ActionItem.id))
        ] == others  # fmt: skip


#: Every page of the report that posts answers, and its button: each with nothing entered.
ERROR_PAGES = [
    *((f"/imr/report/section/{key}", "Save and continue")
      for key in ("cover", "methodology", "terms", "involvement", "summary", "analysis",
                  "lessons")),
    ("/imr/report/chronology/0", "Save and continue"),
    ("/imr/report/actions/0", "Save and continue"),
    ("/imr/report/chronology/upload", "Upload and import"),
]  # fmt: skip


def test_every_page_of_the_report_with_its_errors_has_no_axe_violations(
    written_server, chromium_browser
):
    server, data = written_server
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + data["other_link"])  # probation: nothing written yet
        page.goto(server.url + "/imr/report")
        page.locator("main button:has-text('Continue')").click()
        page.wait_for_load_state()
        assert "There is a problem" in page.content()
        page.check("input[name=way][value=write]")
        page.locator("main button:has-text('Continue')").click()
        page.wait_for_url("**/imr/report/sections")
        for path, button in ERROR_PAGES:
            page.goto(server.url + path)
            page.locator(f"main button:has-text('{button}')").first.click()
            page.wait_for_load_state()
            assert "There is a problem" in page.content(), path
            assert page.title().startswith("Error: "), path
            check_axe(page)
        # The report's check page, with every section still to do; the IMR form's start page
        # with the report in progress.
        page.goto(server.url + "/imr/report/review")
        assert "There is a problem" in page.content()
        assert "Complete ‘5. Comprehensive agency chronology’" in summary(page)
        check_axe(page)
        for path in ("/imr/report/chronology", "/imr/report/actions", "/imr/start"):
            page.goto(server.url + path)
            check_axe(page)
    finally:
        context.close()
