"""The public pages, the error pages and the headers and markup rules every page follows."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask, abort, render_template_string, request
from werkzeug.exceptions import TooManyRequests

from service import db
from service.models import Nation, Partnership

PAGES = {
    "/": "Refer a death for a Domestic Homicide Review",
    "/accessibility": "Accessibility statement for DHR Forms",
    "/privacy": "Privacy notice",
}
TITLES = {
    "/": "Refer a death for a Domestic Homicide Review – DHR Forms",
    "/accessibility": "Accessibility statement – DHR Forms",
    "/privacy": "Privacy notice – DHR Forms",
}
EXPIRED = "Your form has expired or could not be checked. Go back, refresh the page and try again."
SECRET = "exception-detail-that-must-not-reach-the-page"


class Page(HTMLParser):
    """What the tests need to know about a page's markup."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.h1: list[str] = []
        self.title = ""
        self.scripts: list[dict[str, str | None]] = []
        self.inline_scripts: list[str] = []
        self.style_elements = 0
        self.style_attributes: list[str] = []
        self.handler_attributes: list[str] = []
        self.links: list[dict[str, str | None]] = []
        self._in: list[str] = []
        self._text: dict[str, list[str]] = {"h1": [], "title": [], "script": []}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes:
            self.style_attributes.append(tag)
        self.handler_attributes += [f"{tag}[{name}]" for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "style":
            self.style_elements += 1
        if tag in ("a", "link"):
            self.links.append(attributes)
        if tag in self._text:
            self._in.append(tag)
            self._text[tag] = []

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
            text = " ".join("".join(self._text[tag]).split())
            if tag == "h1":
                self.h1.append(text)
            elif tag == "title":
                self.title = text
            elif tag == "script" and not self.scripts[-1].get("src"):
                self.inline_scripts.append(text or "(empty)")

    def handle_data(self, data: str) -> None:
        for tag in self._in:
            self._text[tag].append(data)


def page_of(response) -> Page:
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def service_name(html: str) -> str:
    found = re.search(r'class="govuk-service-navigation__link">\s*(.*?)\s*</a>', html)
    assert found, "no service name in the service navigation"
    return found.group(1)


def add_partnership(name: str, slug: str, **extra) -> Partnership:
    with db.transaction() as session:
        partnership = Partnership(slug=slug, name=name, nation=Nation.ENGLAND, **extra)
        session.add(partnership)
    return partnership


@pytest.fixture
def error_app(page_app: Flask) -> Flask:
    """The app with throwaway routes that fail in each way the error pages cover."""
    page_app.config["PROPAGATE_EXCEPTIONS"] = False  # TESTING would re-raise instead of a 500

    @page_app.get("/_test/abort/<int:code>")
    def _abort(code: int):
        if code == 429:
            raise TooManyRequests(retry_after=60)
        abort(code)

    @page_app.get("/_test/crash")
    def _crash():
        raise RuntimeError(SECRET)

    @page_app.route("/_test/form", methods=["GET", "POST"])
    def _form():
        if request.method == "POST":
            return f"received {request.form.get('words', '')}"
        return render_template_string(
            '<form method="post"><input name="csrf_token" value="{{ csrf_token() }}"></form>'
        )

    return page_app


@pytest.fixture
def error_client(error_app: Flask):
    return error_app.test_client()


ERRORS = [
    # (how to get the error, status, h1)
    ("/_test/abort/400", 400, "Sorry, there is a problem with your request"),
    ("/_test/abort/403", 403, "You do not have permission to see this page"),
    ("/no-such-page", 404, "Page not found"),
    ("POST /", 405, "Sorry, this page cannot do that"),
    ("/_test/abort/413", 413, "What you sent is too big"),
    ("/_test/abort/429", 429, "Sorry, there have been too many attempts"),
    ("/_test/abort/500", 500, "Sorry, there is a problem with the service"),
    ("/_test/crash", 500, "Sorry, there is a problem with the service"),
]


def fetch(client, how: str):
    method, _, path = how.rpartition(" ")
    return client.open(path, method=method or "GET")


def every_page(client) -> list[tuple[str, object]]:
    """Each public page and each error page, with the request that produced it."""
    responses = [(path, client.get(path)) for path in PAGES]
    responses += [(how, fetch(client, how)) for how, _, _ in ERRORS]
    responses.append(("POST /_test/form (no token)", client.post("/_test/form")))
    return responses


# --- The public pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_page_has_its_heading_and_title(page_client, path):
    response = page_client.get(path)
    assert response.status_code == 200
    page = page_of(response)
    assert page.h1 == [PAGES[path]]
    assert page.title == TITLES[path]


def test_layout_without_a_partnership_is_generic(page_client):
    html = page_client.get("/").get_data(as_text=True)
    assert service_name(html) == "DHR Forms"
    assert "your Community Safety Partnership" in html
    assert "mailto:" not in html
    for path in ("/accessibility", "/privacy"):
        text = page_client.get(path).get_data(as_text=True)
        assert "Contact the DHR officer at the Community Safety Partnership" in text


def test_layout_has_the_parts_every_page_needs(page_client):
    html = page_client.get("/").get_data(as_text=True)
    assert 'class="govuk-skip-link"' in html and 'href="#main-content"' in html
    assert 'id="main-content"' in html
    assert "OFFICIAL-SENSITIVE" in html
    assert 'data-module="govuk-service-navigation"' in html
    assert "govuk-header" not in html  # not GOV.UK: no crown header
    assert "govuk-phase-banner" in html and "Beta" in html
    assert "This is a new service. Contact your DHR officer to give feedback" in html
    page = page_of(page_client.get("/"))
    hrefs = [link.get("href") for link in page.links]
    assert "/accessibility" in hrefs and "/privacy" in hrefs
    assert "/static/govuk/assets/images/favicon.ico" in hrefs
    assert "/static/govuk/govuk-frontend.min.css" in hrefs
    assert hrefs.index("/static/govuk/govuk-frontend.min.css") < hrefs.index("/static/css/app.css")
    srcs = [(s.get("src"), s.get("type")) for s in page.scripts]
    assert srcs == [("/static/js/js-enabled.js", None), ("/static/js/app.mjs", "module")]


def test_pages_use_the_only_partnership(page_client):
    add_partnership(
        "Exampleshire Community Safety Partnership",
        "exampleshire",
        contact_email="dhr@exampleshire.gov.uk",
        contact_phone="01632 960 000",
    )
    for path in PAGES:
        html = page_client.get(path).get_data(as_text=True)
        assert service_name(html) == "Exampleshire Community Safety Partnership", path
    for path in ("/", "/accessibility", "/privacy"):
        html = page_client.get(path).get_data(as_text=True)
        assert 'href="mailto:dhr@exampleshire.gov.uk"' in html, path
    assert "01632 960 000" in page_client.get("/privacy").get_data(as_text=True)
    not_found = page_client.get("/no-such-page").get_data(as_text=True)
    assert "dhr@exampleshire.gov.uk" in not_found


def test_pages_are_generic_with_several_partnerships(page_client):
    add_partnership("Northshire CSP", "northshire", contact_email="dhr@north.gov.uk")
    add_partnership("Southshire CSP", "southshire", contact_email="dhr@south.gov.uk")
    for path in PAGES:
        html = page_client.get(path).get_data(as_text=True)
        assert service_name(html) == "DHR Forms", path
        assert "shire CSP" not in html and "mailto:" not in html, path


def test_start_page_links_to_the_referral_form(page_client, partnership):
    html = page_client.get("/").get_data(as_text=True)
    assert 'href="/refer"' in html
    assert "govuk-button--start" in html and "Start now" in html


def test_accessibility_statement_has_the_required_sections(page_client):
    text = page_client.get("/accessibility").get_data(as_text=True)
    for needed in (
        "Compliance status",
        "fully compliant with the",
        "version 2.2",
        "in a different format",
        "Reporting accessibility problems",
        "Enforcement procedure",
        "Equality and Human Rights Commission",
        "Equality Commission for Northern Ireland",
        "Technical information",
        "axe-core",
        "keyboard",
        "400% zoom",
        "This statement was prepared on 22 November 2026",
    ):
        assert needed in text, needed


def test_privacy_notice_has_the_required_sections(page_client):
    text = page_client.get("/privacy").get_data(as_text=True)
    for needed in (
        "controller",
        "special category data",
        "criminal offence data",
        "Section 9 of the Domestic Violence, Crime and Victims Act 2004",
        "Article 6(1)(e)",
        "Article 9(2)(g)",
        "Schedule 1, Part 2, paragraph 6",
        "Home Office quality assurance panel",
        "independent chair",
        "review panel",
        "How long the information is kept",
        "secure email",
        "Your rights",
        "Information Commissioner’s Office",
        "https://ico.org.uk/make-a-complaint/",
    ):
        assert needed in text, needed


def test_title_gets_the_error_prefix_when_a_form_has_errors(page_app):
    template = (
        '{% extends "base.html" %}{% set has_errors = failed %}'
        "{% block page_title %}Who died{% endblock %}"
    )
    with page_app.test_request_context("/", base_url="https://localhost"):
        assert page_of_html(render_template_string(template, failed=True)).title == (
            "Error: Who died – DHR Forms"
        )
        assert page_of_html(render_template_string(template, failed=False)).title == (
            "Who died – DHR Forms"
        )


def page_of_html(html: str) -> Page:
    return Page(html)


# --- GOV.UK Frontend's assets -------------------------------------------------------------------


def test_every_asset_the_govuk_css_refers_to_is_served(page_app, page_client):
    css = (Path(page_app.static_folder) / "govuk" / "govuk-frontend.min.css").read_text()
    urls = set(re.findall(r"url\(\"?(/static/govuk/assets/[^)\"']+)\"?\)", css))
    assert urls, "the GOV.UK CSS no longer refers to its images under /static/govuk/assets/"
    for url in sorted(urls):
        response = page_client.get(url)
        assert response.status_code == 200, url
        assert response.data


def test_pages_use_arial_and_no_gds_transport_font_is_shipped(page_app, page_client):
    # GDS Transport is licensed for GOV.UK services only.
    static = Path(page_app.static_folder)
    css = (static / "govuk" / "govuk-frontend.min.css").read_text()
    assert "GDS Transport" not in css
    assert "@font-face" not in css
    assert "fonts/" not in css
    assert "font-family:arial,sans-serif" in css
    assert not (static / "govuk" / "assets" / "fonts").exists()
    assert (static / "govuk" / "assets" / "images" / "favicon.svg").is_file()
    for ours in sorted((static / "css").glob("*.css")):
        assert "GDS Transport" not in ours.read_text(), ours.name
    assert page_client.get("/static/govuk/assets/images/favicon.svg").mimetype == "image/svg+xml"
    assert page_client.get("/assets/fonts/bold-b542beb274-v2.woff2").status_code == 404


def test_our_scripts_are_served_as_javascript(page_client):
    for path in ("/static/js/js-enabled.js", "/static/js/app.mjs", "/static/css/app.css"):
        response = page_client.get(path)
        assert response.status_code == 200, path
    assert page_client.get("/static/js/app.mjs").mimetype == "text/javascript"
    module = page_client.get("/static/js/app.mjs").get_data(as_text=True)
    assert "from '/static/govuk/govuk-frontend.min.js'" in module
    assert page_client.get("/static/govuk/govuk-frontend.min.js").status_code == 200


# --- Error pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(("how", "status", "h1"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error_page(error_client, how, status, h1):
    response = fetch(error_client, how)
    assert response.status_code == status
    page = page_of(response)
    assert page.h1 == [h1]
    assert page.title == f"{h1} – DHR Forms"


def test_405_says_which_methods_are_allowed(error_client):
    response = error_client.post("/")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}


def test_429_keeps_retry_after(error_client):
    assert error_client.get("/_test/abort/429").headers["Retry-After"] == "60"


def test_a_request_that_is_really_too_big_gets_the_413_page(error_app, error_client):
    limit = error_app.config["MAX_CONTENT_LENGTH"]
    response = error_client.post(
        "/_test/form",
        data=b"x" * (limit + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert page_of(response).h1 == ["What you sent is too big"]
    assert f"smaller than {limit // (1024 * 1024)}MB" in response.get_data(as_text=True)


def test_500_page_does_not_leak_the_exception(error_client):
    response = error_client.get("/_test/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert SECRET not in html
    assert "RuntimeError" not in html and "Traceback" not in html


def test_csrf_is_on_and_a_post_without_a_token_gets_the_expired_form_page(error_app, error_client):
    assert error_app.config.get("WTF_CSRF_ENABLED", True) is True
    response = error_client.post("/_test/form", data={"words": "what I typed"})
    assert response.status_code == 400
    page = page_of(response)
    assert page.h1 == ["Your form has expired"]
    text = " ".join(response.get_data(as_text=True).split())
    assert EXPIRED in text
    assert "what I typed" not in text
    assert "CSRF" not in text  # the technical reason stays in the log


def test_a_post_with_a_valid_token_gets_through(error_client):
    """The control for the test above: the route works, so the 400 was the missing token."""
    form = error_client.get("/_test/form").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = error_client.post(
        "/_test/form",
        data={"csrf_token": token, "words": "what I typed"},
        headers={"Referer": "https://localhost/_test/form"},
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "received what I typed"


# --- Rules for every page -----------------------------------------------------------------------


def test_every_page_has_the_security_headers(error_client):
    for how, response in every_page(error_client):
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp, how
        assert "style-src 'self'" in csp, how
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, how
        assert "frame-ancestors 'none'" in csp, how
        assert headers.get("X-Frame-Options") == "DENY", how
        assert headers.get("X-Content-Type-Options") == "nosniff", how
        assert headers.get("Referrer-Policy"), how
        assert headers.get("Cache-Control") == "no-store", how
        assert headers.get("Strict-Transport-Security", "").startswith("max-age="), how


def test_hsts_only_over_https(page_client):
    plain = page_client.get("/", base_url="http://localhost")
    assert plain.status_code == 200
    assert "Strict-Transport-Security" not in plain.headers
    assert "Strict-Transport-Security" in page_client.get("/").headers


def test_no_page_has_inline_scripts_or_styles(error_client):
    for how, response in every_page(error_client):
        page = page_of(response)
        assert page.inline_scripts == [], how
        assert page.style_elements == 0, how
        assert page.style_attributes == [], how
        assert page.handler_attributes == [], how
        assert page.scripts, how  # the layout's scripts are there, as files


def test_every_page_has_exactly_one_h1_and_a_title(error_client):
    for how, response in every_page(error_client):
        page = page_of(response)
        assert len(page.h1) == 1, how
        assert page.title.endswith(" – DHR Forms"), how


def test_referrer_policy_lets_https_form_posts_pass_the_csrf_referrer_check(page_app, page_client):
    """Flask-WTF refuses HTTPS posts without a same-site Referer; browsers send one only if the
    policy allows it. `no-referrer` would reject every real form post."""
    assert page_app.config["WTF_CSRF_SSL_STRICT"] is True
    assert page_client.get("/").headers["Referrer-Policy"] == "same-origin"
