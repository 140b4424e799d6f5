"""After the decision, in a real Chromium: the officer edits, checks and sends the Home Office
notification and records a new report date, and every page (with its errors showing) passes
axe-core's WCAG 2.2 A and AA checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service import db
from service.models import Message
from tests.consent.factories import pdf_text
from tests.e2e.after_decision import after_decision_pages, decided_referral
from tests.e2e.test_console import (  # noqa: F401  (the fixture, for this module's server)
    _signed_in_page,
    check_axe,
    console_data,
    heading,
    watch_for_problems,
)

pytestmark = pytest.mark.e2e


def test_the_pages_after_the_decision_are_accessible_and_send_once(
    live_server,
    console_data,  # noqa: F811
    chromium_browser,
):
    pages = after_decision_pages(console_data)
    after, notification, preview, report_date, family_letters = pages
    context, page = _signed_in_page(chromium_browser, live_server, console_data)
    problems = watch_for_problems(page, live_server.url)
    try:
        for path in pages:
            assert page.goto(live_server.url + path).status == 200, path
            check_axe(page)
        # The errors showing: an empty notification, a new date without a reason.
        page.goto(live_server.url + notification)
        page.fill("#body", "")
        page.locator("main button:has-text('Save and preview')").click()
        page.wait_for_load_state()
        assert "There is a problem" in page.content()
        check_axe(page)
        page.goto(live_server.url + report_date)
        page.fill("#due_on-day", "1")
        page.fill("#due_on-month", "1")
        page.fill("#due_on-year", "2040")
        page.locator("main button:has-text('Record the new date')").click()
        page.wait_for_load_state()
        assert "Enter why the date has changed" in page.content()
        check_axe(page)
        # Edit, check, send: back on the list with the notification sent.
        page.goto(live_server.url + notification)
        page.fill("#body", page.input_value("#body") + "\n\nWith thanks.")
        page.locator("main button:has-text('Save and preview')").click()
        page.wait_for_url("**/preview")
        assert "With thanks." in page.locator("pre").inner_text()
        page.locator("main button:has-text('Send the notification')").click()
        page.wait_for_url("**/after-decision")
        assert "The notification to the Home Office has been sent" in page.content()
        check_axe(page)
        page.go_back()  # the preview again: it is sent, so there is nothing to press
        page.reload()
        assert page.locator("main button:has-text('Send the notification')").count() == 0
        # The family letter: downloaded from its page as a PDF, and recorded there.
        page.goto(live_server.url + family_letters)
        with page.expect_download() as caught:
            page.locator("main a:has-text('Download')").first.click()
        data = caught.value.path().read_bytes()
        assert data.startswith(b"%PDF")
        assert "Dear Jo Example" in " ".join(pdf_text(data).split())
        page.goto(live_server.url + family_letters)
        assert "Printed" in page.locator("main").inner_text()
        check_axe(page)
        referral = decided_referral(console_data["partnership"].id)
        page.goto(f"{live_server.url}/console/cases/{referral.case_id}")
        assert "Home Office notification sent" in page.content()
        check_axe(page)
        assert heading(page)
        assert problems == [], problems
    finally:
        context.close()
    with db.transaction() as s:
        sent = s.scalars(select(Message).where(Message.purpose == "notification.home_office"))
        assert len(sent.all()) == 1
