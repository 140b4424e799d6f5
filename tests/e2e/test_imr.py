"""The IMR in a real Chromium, with nothing but the keyboard: an agency opens its link, uploads
its IMR report (a PDF), completes the quality assurance checklist (a criterion answered No is
refused until it has a comment), marks it final and sends it; the chair and the DHR officer get
it with the checklist PDF. Every page of the agency's form, its error states and the refused
link, and the console's IMR pages pass axe-core's checks."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from redis import Redis
from sqlalchemy import select

from forms import imr as catalogue
from service import clock, db, partnerships
from service.imrs import links
from service.models import Case, ImrRequest, ImrSubmission, Role
from tests.e2e.conftest import _live_app, check_axe_is_installed, serving
from tests.e2e.test_console import _signed_in_page, check_axe, focus_field, heading
from tests.e2e.test_trawl_return import Agency
from tests.factories import EXAMPLE
from tests.imrs.factories import CHAIR_INBOX, OFFICER_INBOX, requested_imr
from tests.jobs import run_worker_burst
from tests.mailserver import MailServer
from tests.uploads.files import pdf

pytestmark = pytest.mark.e2e

REFERENCE = "EXA-DHR-2026-88"
REPORT = pdf("Exampleshire Police IMR report")
ANSWERS = [(value, "") for value, _ in catalogue.ANSWERS]
COMMENT = "Legal advice was not sought before the review."


@pytest.fixture(scope="module")
def smtp() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def imr_server(tmp_path_factory, redis_url, smtp):
    """A case whose IMR was asked of the police and of probation yesterday."""
    check_axe_is_installed()
    Redis.from_url(redis_url).flushdb()
    app = _live_app(tmp_path_factory.mktemp("imr"), redis_url, mail_transport=smtp.url)
    now = clock.now()
    with db.transaction() as s:
        partnership = partnerships.load(s, EXAMPLE, actor="test").partnership
        case = Case(partnership_id=partnership.id, reference=REFERENCE,
                    date_of_death=dt.date(2026, 9, 1), trawl_years=5)  # fmt: skip
        s.add(case)
        s.flush()
        asked = [
            requested_imr(s, partnership, case=case, agency_key=key,
                          at=now - dt.timedelta(days=1), due=now.date() + dt.timedelta(days=13))
            for key in ("police", "probation")
        ]  # fmt: skip
        data = {
            "partnership": partnership,
            "case": case,
            "requests": [r.id for r in asked],
            "links": [_path(links.current_url(s, r)) for r in asked],
        }
    with serving(app) as server:
        yield server, data


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def answer_criteria(b: Agency, part: int, answers: dict[int, str]) -> None:
    for n in catalogue.CRITERIA_PAGES[part - 1]:
        b.choose(f"criterion_{n}", ANSWERS, answers.get(n, "yes"))


def test_the_agency_uploads_its_imr_and_completes_the_checklist_with_the_keyboard_only(
    imr_server, chromium_browser, smtp
):
    server, data = imr_server
    context = chromium_browser.new_context()
    page = context.new_page()
    b = Agency(page)
    today = clock.now().date()
    try:
        page.goto(server.url + data["links"][0])
        assert page.url == server.url + "/imr/start"  # the token has left the address bar
        assert heading(page) == "Individual Management Review"
        assert REFERENCE in page.content()
        b.axe()

        b.open_link("/imr/document")
        assert heading(page) == "Upload your IMR report"
        b.axe()
        focus_field(page, "document")  # reached with Tab; the file comes from the "chooser"
        page.set_input_files(
            "#document",
            files=[{"name": "police-imr.pdf", "mimeType": "application/pdf", "buffer": REPORT}],
        )
        b.press_button("Save and continue")

        assert heading(page) == "Agency and the person completing this form"
        b.axe()
        assert page.input_value("#agency") == "Exampleshire Police"
        b.type_into("name", "Quinn Assurance")
        b.type_into("email", "quinn.assurance@example.police.uk")
        b.type_into("phone", "01632 960 321")
        b.press_button("Save and continue")

        assert heading(page).startswith("Anonymised details")
        b.axe()
        b.type_into("victim_initials", "A.E.")
        b.type_into("victim", "AE, 41, White British")
        b.type_into("perpetrator_initials", "B.S.")
        b.type_into("perpetrator", "BS, 44, White British, partner of AE")
        b.press_button("Save and continue")

        # Criterion 3 answered No without a comment is refused, in the error summary.
        assert heading(page) == "Criteria 1 to 5"
        b.axe()
        answer_criteria(b, 1, {3: "no"})
        focus_field(page, "criterion_5")
        page.keyboard.press("Tab")  # on to the comment, then the button
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "There is a problem" in page.content()
        assert page.title().startswith("Error: ")
        assert "Enter a comment for criterion 3: say why the answer is ‘No’" in page.content()
        check_axe(page)
        b.type_into("comment_3", COMMENT)
        b.press_button("Save and continue")

        assert heading(page) == "Criteria 6 to 10"
        b.axe()
        answer_criteria(b, 2, {})
        b.press_button("Save and continue")
        assert heading(page) == "Criteria 11 to 15"
        answer_criteria(b, 3, {13: "partially"})
        b.type_into("comment_13", "Research cited is from 2009.")
        b.press_button("Save and continue")

        assert heading(page) == "Sign the quality assurance form"
        b.axe()
        b.type_into("signed_name", "Quinn Assurance")
        b.date("signed_on", today)
        b.type_into("role", "Detective Superintendent")
        b.press_button("Save and continue")

        assert heading(page) == "Check your answers before sending your IMR"
        b.axe()
        assert COMMENT in page.content()
        b.tick("is_final")
        b.press_button("Accept and send")
        assert heading(page) == "IMR sent"
        b.axe()

        b.open_link("/imr/start")
        assert "Your IMR has been sent" in page.content()
        check_axe(page)
    finally:
        context.close()

    with db.transaction() as s:
        (row,) = s.scalars(
            select(ImrSubmission).where(ImrSubmission.request_id == data["requests"][0])
        ).all()
        assert row.version == 1 and row.is_final
        assert row.checklist["criteria"]["3"] == {"answer": "no", "comment": COMMENT}
        assert row.checklist["signed_on"] == today.isoformat()
        req = s.get(ImrRequest, data["requests"][0], populate_existing=True)
        assert req.returned_at is not None and req.final_at is not None

    run_worker_burst()
    subject = f"OFFICIAL-SENSITIVE: Individual Management Review received [{REFERENCE}]"
    # The acknowledgements (to the agency's inbox and to the person who completed the form)
    # carry no attachments; the two inboxes get the IMR.
    acknowledged = ["public.protection@example.police.uk", "quinn.assurance@example.police.uk"]
    received = [got for got in smtp.messages if got.message["Subject"].strip() == subject]
    acks = [got for got in received if got.rcpt_tos[0] in acknowledged]
    assert sorted(got.rcpt_tos[0] for got in acks) == acknowledged
    assert all(list(got.message.iter_attachments()) == [] for got in acks)
    to_inboxes = [got for got in received if got.rcpt_tos[0] not in acknowledged]
    assert sorted(r for got in to_inboxes for r in got.rcpt_tos) == sorted(
        [CHAIR_INBOX, OFFICER_INBOX]
    )
    for got in to_inboxes:
        files = {a.get_filename(): a.get_content() for a in got.message.iter_attachments()}
        assert files[f"imr-{REFERENCE}-police-v1.pdf"] == REPORT
        checklist_pdf = PdfReader(io.BytesIO(files[f"imr-qa-checklist-{REFERENCE}-v1.pdf"]))
        words = " ".join(" ".join(p.extract_text().split()) for p in checklist_pdf.pages)
        assert COMMENT in words and "Author was independent" in words


ERROR_PAGES = [
    ("/imr/document", "Save and continue"),
    ("/imr/details", "Save and continue"),
    ("/imr/anonymised", "Save and continue"),
    ("/imr/criteria/1", "Save and continue"),
    ("/imr/criteria/2", "Save and continue"),
    ("/imr/criteria/3", "Save and continue"),
    ("/imr/signature", "Save and continue"),
]


def test_every_error_state_and_the_refused_link_have_no_axe_violations(
    imr_server, chromium_browser
):
    server, data = imr_server
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "/imr?token=not-a-real-token")
        assert heading(page) == "This link has expired or is not valid"
        check_axe(page)

        page.goto(server.url + data["links"][1])  # probation's link: nothing answered yet
        check_axe(page)
        for path, button in ERROR_PAGES:
            page.goto(server.url + path)
            if path == "/imr/details":
                page.fill("#agency", "")
            page.locator(f"main button:has-text('{button}')").first.click()
            page.wait_for_load_state()
            assert "There is a problem" in page.content(), path
            assert page.title().startswith("Error: "), path
            check_axe(page)
        page.goto(server.url + "/imr/check")
        assert "You need to complete every section" in page.content()
        check_axe(page)
    finally:
        context.close()


def test_the_console_imr_pages_have_no_axe_violations(imr_server, chromium_browser):
    server, data = imr_server
    context, page = _signed_in_page(
        chromium_browser, server, {"partnership": data["partnership"], "case": data["case"]},
        role=Role.OFFICER,
    )  # fmt: skip
    case_id = data["case"].id
    try:
        for path in (
            f"/console/cases/{case_id}",
            f"/console/cases/{case_id}/imrs",
            f"/console/cases/{case_id}/imrs/new",
            *(f"/console/imr-requests/{i}" for i in data["requests"]),
        ):
            response = page.goto(server.url + path)
            assert response.status == 200, path
            assert page.locator("h1").count() == 1, path
            check_axe(page)
        page.goto(server.url + f"/console/cases/{case_id}/imrs/new")
        page.locator("main button:has-text('Send the request')").click()
        page.wait_for_load_state()
        assert "There is a problem" in page.content()
        check_axe(page)
    finally:
        context.close()
