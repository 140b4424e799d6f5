"""The retention pages in a real Chromium, with their error messages and results showing: no
axe-core violations (WCAG 2.2 A and AA). Every page is also in the console's own list."""

from __future__ import annotations

import pytest

from tests.e2e.retention_pages import closed_case, retention_pages
from tests.e2e.test_console import (  # noqa: F401  (the fixture)
    _signed_in_page,
    check_axe,
    console_data,
    watch_for_problems,
)

pytestmark = pytest.mark.e2e


def test_the_retention_pages_with_errors_and_results_have_no_axe_violations(
    live_server,
    console_data,  # noqa: F811
    chromium_browser,
):
    case_id = console_data["case"].id
    closed = closed_case(console_data["partnership"].id)
    context, page = _signed_in_page(chromium_browser, live_server, console_data)
    problems = watch_for_problems(page, live_server.url)
    try:
        # The dashboard lists the closed case as due for deletion, held.
        page.goto(f"{live_server.url}/console/")
        assert closed.reference in page.content() and "Under a legal hold" in page.content()
        check_axe(page)
        for path in retention_pages(console_data):
            assert page.goto(live_server.url + path).status == 200, path
            assert page.locator("h1").count() == 1, path
            check_axe(page)
        for path, button in [
            (f"/console/cases/{case_id}/close", "Close the case"),
            (f"/console/cases/{case_id}/legal-hold", "Put the case under a legal hold"),
            (f"/console/cases/{closed.id}/deletion/defer", "Defer the deletion"),
            ("/console/subject-access", "Search"),
        ]:
            page.goto(live_server.url + path)
            page.locator(f"main button:has-text('{button}')").first.click()
            page.wait_for_load_state()
            assert "There is a problem" in page.content(), path
            check_axe(page)
        # Results of a search, with an archive button for each case found.
        page.fill("#name", "Alex Example")
        page.locator("main button:has-text('Search')").first.click()
        page.wait_for_load_state()
        assert "places found" in page.content() or "place found" in page.content()
        check_axe(page)
        assert problems == []
    finally:
        context.close()
