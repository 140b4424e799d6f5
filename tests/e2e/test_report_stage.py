"""The report stage in a real Chromium: every page (and each with its errors showing) passes
axe-core's WCAG 2.2 A and AA checks, and the officer sends the email to the Home Office once
and records the publication."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service import clock, db
from service.models import Message
from tests.e2e.report_stage_pages import report_stage_cases, report_stage_pages
from tests.e2e.test_console import (  # noqa: F401  (the fixture, for this module's server)
    _signed_in_page,
    check_axe,
    console_data,
    heading,
    watch_for_problems,
)

pytestmark = pytest.mark.e2e


def test_the_report_stage_pages_are_accessible_and_send_once(
    live_server,
    console_data,  # noqa: F811
    chromium_browser,
):
    pages = report_stage_pages(console_data)
    ids = report_stage_cases(console_data)
    context, page = _signed_in_page(chromium_browser, live_server, console_data)
    problems = watch_for_problems(page, live_server.url)
    base = live_server.url + "/console"
    try:
        for path in pages:
            assert page.goto(live_server.url + path).status == 200, path
            assert page.locator("h1").count() == 1, path
            check_axe(page)
        # The errors showing: nothing to upload, no answer, an impossible date.
        page.goto(f"{base}/cases/{ids['drafted']}/report/upload")
        page.locator("main button:has-text('Upload')").click()
        page.wait_for_load_state()
        assert "Select the overview report or the executive summary" in page.content()
        check_axe(page)
        page.goto(f"{base}/cases/{ids['approved']}/report/answer")
        page.locator("main button:has-text('Record the answer')").click()
        page.wait_for_load_state()
        assert "There is a problem" in page.content()
        check_axe(page)
        page.goto(f"{base}/cases/{ids['approved']}/report/publication")
        page.fill("#published_on-day", "31")
        page.fill("#published_on-month", "2")
        page.fill("#published_on-year", "2026")
        page.locator("main button:has-text('Record the publication')").click()
        page.wait_for_load_state()
        assert "There is a problem" in page.content()
        check_axe(page)
        # Check and send the drafted email: back on the report page with it sent.
        with db.transaction() as s:
            before = len(s.scalars(select(Message.id)).all())
        page.goto(f"{base}/report-messages/{ids['drafted_message']}/preview")
        assert "Overview report.pdf" in page.locator("main").inner_text()
        page.locator("main button:has-text('Send the email')").click()
        page.wait_for_url("**/report")
        assert "The report has been sent to the Home Office" in page.content()
        check_axe(page)
        page.go_back()
        page.reload()
        assert page.locator("main button:has-text('Send the email')").count() == 0
        with db.transaction() as s:
            assert len(s.scalars(select(Message.id)).all()) == before + 1
        # The publication, today: the Commissioner's email is prepared for checking.
        today = clock.london_date(clock.now())
        page.goto(f"{base}/cases/{ids['approved']}/report/publication")
        page.fill("#published_on-day", str(today.day))
        page.fill("#published_on-month", str(today.month))
        page.fill("#published_on-year", str(today.year))
        page.locator("main button:has-text('Record the publication')").click()
        page.wait_for_url("**/report-messages/*")
        assert "Email to the Domestic Abuse Commissioner" in page.content()
        check_axe(page)
        page.goto(f"{base}/cases/{ids['approved']}")
        assert "Report published" in page.locator("main").inner_text()
        check_axe(page)
        assert heading(page)
        assert problems == [], problems
    finally:
        context.close()
