"""A panel member answers on a draft in a real Chromium with nothing but the keyboard: opens
their link, is told what is missing, sends their comments and sees the confirmation. Every page
of it, its error state and the refused link pass axe-core's checks, in English and, for a
member of a partnership in Wales who chose Welsh, in Welsh."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from redis import Redis

from service import clock, db, partnerships
from service.models import Case, FeedbackRecipient
from service.panels import feedback
from service.panels import feedback_links as links
from service.panels import members as panel_members
from tests.e2e.conftest import _live_app, check_axe_is_installed, serving, type_text
from tests.e2e.test_console import DYFFRYN, check_axe, focus_field, focus_text, heading
from tests.factories import EXAMPLE
from tests.feedback.factories import TITLE, add_members
from tests.uploads.files import pdf

pytestmark = pytest.mark.e2e

COMMENTS = "Paragraph 4.2 should give the date of the last GP visit."


@pytest.fixture(scope="module")
def feedback_server(tmp_path_factory, redis_url):
    """A case whose draft went to its panel yesterday."""
    check_axe_is_installed()
    Redis.from_url(redis_url).flushdb()
    app = _live_app(tmp_path_factory.mktemp("feedback"), redis_url)
    now = clock.now()
    with db.transaction() as s:
        partnership = partnerships.load(s, EXAMPLE, actor="test").partnership
        case = Case(partnership_id=partnership.id, reference="EXA-DHR-2026-77")
        s.add(case)
        s.flush()
        members = add_members(s, case, count=1)
        with clock.frozen_at(now - dt.timedelta(days=1)):
            draft = feedback.send(
                s, case, title=TITLE, filename="draft.pdf", data=pdf("Draft"), note=None,
                deadline=now.date() + dt.timedelta(days=13), member_ids=[members[0].id],
                created_by=None, actor="test",
            )  # fmt: skip
        url = links.current_url(s, draft.recipients[0])
        parts = urlsplit(url)
        data = {"path": f"{parts.path}?{parts.query}", "recipient": draft.recipients[0].id}
        # The same draft in a partnership in Wales, to a member who chose Welsh.
        dyffryn = partnerships.load(s, DYFFRYN, actor="test").partnership
        welsh_case = Case(partnership_id=dyffryn.id, reference="DYF-DHR-2026-12")
        s.add(welsh_case)
        s.flush()
        member = panel_members.add(
            s, welsh_case, name="Rhian Prys", email="rhian.prys@dyffryn-example.gov.wales",
            agency=None, role=None, actor="test", language="cy",
        )  # fmt: skip
        with clock.frozen_at(now - dt.timedelta(days=1)):
            welsh_draft = feedback.send(
                s, welsh_case, title=TITLE, filename="draft.pdf", data=pdf("Drafft"), note=None,
                deadline=now.date() + dt.timedelta(days=13), member_ids=[member.id],
                created_by=None, actor="test",
            )  # fmt: skip
        parts = urlsplit(links.current_url(s, welsh_draft.recipients[0]))
        data["welsh_path"] = f"{parts.path}?{parts.query}"
    with serving(app) as server:
        yield server, data


def test_a_member_answers_with_the_keyboard_only(feedback_server, chromium_browser):
    server, data = feedback_server
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + data["path"])
        assert page.url == server.url + "/comments/start"  # the token has left the address bar
        assert heading(page) == TITLE
        check_axe(page)

        focus_text(page, "Give your answer")
        page.keyboard.press("Enter")
        page.wait_for_url("**/comments/answer")
        check_axe(page)

        # Comments chosen but none written, no name: the errors, with what was chosen kept.
        focus_field(page, "answer")
        page.keyboard.press("Space")
        focus_text(page, "Send your answer")
        page.keyboard.press("Enter")
        page.locator(".govuk-error-summary").wait_for()
        assert "Enter your comments on the draft" in page.content()
        assert page.is_checked("#answer")
        check_axe(page)

        focus_field(page, "comments")
        type_text(page, COMMENTS)
        focus_field(page, "name")
        page.keyboard.type("Pat Constable")
        page.keyboard.press("Enter")
        page.wait_for_url("**/comments/confirmation")
        assert heading(page) == "Your answer has been sent"
        check_axe(page)

        # The service has a partnership that offers Welsh, and a link that does not work cannot
        # say whose it was: its page is in Welsh and in English, Welsh first.
        page.goto(server.url + "/comments?token=not-a-token")
        assert [h.strip() for h in page.locator("h1").all_inner_texts()] == [
            "Mae'r ddolen hon wedi dod i ben neu nid yw'n ddilys",
            "This link has expired or is not valid",
        ]
        check_axe(page)
    finally:
        context.close()
    with db.transaction() as s:
        row = s.get(FeedbackRecipient, data["recipient"], populate_existing=True)
        assert (row.comments, row.answered_by, row.no_comments) == (
            COMMENTS,
            "Pat Constable",
            False,
        )


def test_a_welsh_members_pages_and_their_errors_are_in_welsh(feedback_server, chromium_browser):
    server, data = feedback_server
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + data["welsh_path"])
        assert page.get_attribute("html", "lang") == "cy"
        assert "Rhoi sylwadau ar ddrafft" in page.title()
        check_axe(page)

        focus_text(page, "Rhoi eich ateb")
        page.keyboard.press("Enter")
        page.wait_for_url("**/comments/answer")
        assert heading(page) == "Eich ateb ar y drafft"
        check_axe(page)

        focus_text(page, "Anfon eich ateb")
        page.keyboard.press("Enter")
        page.locator(".govuk-error-summary").wait_for()
        assert page.get_attribute("html", "lang") == "cy"
        assert "Mae problem wedi codi" in page.locator(".govuk-error-summary").inner_text()
        assert "Dewiswch a oes gennych sylwadau ar y drafft" in page.content()
        check_axe(page)
    finally:
        context.close()
