"""Every page in a real Chromium: axe-core finds no WCAG 2.2 A/AA violations, the GOV.UK styles
and scripts load under the Content-Security-Policy, and nothing errors in the console."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import AXE_URL

pytestmark = pytest.mark.e2e

PAGES = [
    ("/", "Refer a death for a Domestic Homicide Review"),
    ("/accessibility", "Accessibility statement for DHR Forms"),
    ("/privacy", "Privacy notice"),
    ("/no-such-page", "Page not found"),
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {node['target']}: {node['failureSummary']}" for node in v["nodes"][:5]]
    return "\n".join(lines)


@pytest.mark.parametrize(("path", "heading"), PAGES)
def test_page_is_accessible_and_fully_loaded(live_server, chromium_browser, path, heading):
    context = chromium_browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    # Failed loads are caught, with their address, by the response listener below (which lets
    # the 404 page itself through); every other console error counts, CSP violations included.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.url != live_server.url + path
            else None
        ),
    )
    try:
        page.goto(live_server.url + path, wait_until="networkidle")
        assert page.locator("h1").inner_text().strip() == heading

        # GOV.UK Frontend's CSS loaded, in Arial (GDS Transport is for GOV.UK services only), and
        # its JavaScript ran.
        h1_style = page.evaluate(
            "(() => { const s = getComputedStyle(document.querySelector('h1'));"
            " return [s.fontFamily, s.fontWeight]; })()"
        )
        assert h1_style[0].lower().startswith("arial"), h1_style
        assert h1_style[1] == "700", h1_style
        body_fonts = page.evaluate(
            "[...document.querySelectorAll('main p, .app-protective-marking__text')]"
            ".map(e => getComputedStyle(e).fontFamily)"
        )
        assert body_fonts, "no body text on the page"
        assert all(f.lower().startswith("arial") for f in body_fonts), body_fonts
        assert page.evaluate("document.fonts.size") == 0
        body_class = page.get_attribute("body", "class") or ""
        assert "govuk-frontend-supported" in body_class
        assert "js-enabled" in body_class

        # The skip link is the first thing a keyboard reaches.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent").strip() == (
            "Skip to main content"
        )

        page.add_script_tag(url=AXE_URL)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
        )
        assert result["violations"] == [], describe(result["violations"])
        assert result["passes"], "axe-core ran no checks"
        assert problems == [], problems
    finally:
        context.close()


def test_pages_work_without_javascript(live_server, chromium_browser):
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        for path, heading in PAGES:
            page.goto(live_server.url + path)
            assert page.locator("h1").inner_text().strip() == heading
            assert "govuk-frontend-supported" not in (page.get_attribute("body", "class") or "")
        page.goto(live_server.url + "/")
        page.get_by_role("link", name="Privacy notice").first.click()
        assert page.locator("h1").inner_text().strip() == "Privacy notice"
    finally:
        context.close()
