"""Welsh and English: a partnership that offers both shows a language switcher on every page,
the page's ``lang`` follows the choice, and the choice is kept for the visit. A partnership
that offers only English shows no switcher."""

from __future__ import annotations

import re

from service import db
from service.models import Nation, Partnership
from tests.service.test_pages import add_partnership


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def switcher(html: str) -> str:
    found = re.search(r'<nav class="app-language-switcher".*?</nav>', html, re.S)
    return found.group(0) if found else ""


def bilingual(slug: str = "ynys-example") -> Partnership:
    return add_partnership("Partneriaeth Ynys Example", slug, languages=["en", "cy"])


def test_an_english_only_partnership_shows_no_switcher(page_client, partnership):
    html = page_client.get("/").get_data(as_text=True)
    assert html_lang(html) == "en"
    assert switcher(html) == ""
    # Asking for Welsh where it is not offered changes nothing.
    html = page_client.get("/?lang=cy").get_data(as_text=True)
    assert html_lang(html) == "en" and "Skip to main content" in html


def test_a_bilingual_partnership_switches_and_keeps_the_choice_for_the_visit(page_client):
    bilingual()
    html = page_client.get("/p/ynys-example").get_data(as_text=True)
    assert html_lang(html) == "en"
    nav = switcher(html)
    assert '<span aria-current="true" lang="en">English</span>' in nav
    assert 'href="/p/ynys-example?lang=cy" hreflang="cy" lang="cy"' in nav
    assert ">Cymraeg</a>" in nav

    html = page_client.get("/p/ynys-example?lang=cy").get_data(as_text=True)
    assert html_lang(html) == "cy"
    assert re.search(r"govuk-skip-link[^>]*>Neidio i(&#39;|')r prif gynnwys<", html), html[:3000]
    assert "SWYDDOGOL-SENSITIF" in html
    assert "Yn cael ei redeg gan Partneriaeth Ynys Example." in html
    assert "Skip to main content" not in html
    nav = switcher(html)
    assert '<span aria-current="true" lang="cy">Cymraeg</span>' in nav
    assert 'href="/p/ynys-example?lang=en" hreflang="en" lang="en"' in nav

    # The next page of the visit is in Welsh without asking again.
    html = page_client.get("/p/ynys-example/privacy").get_data(as_text=True)
    assert html_lang(html) == "cy" and "Hysbysiad preifatrwydd" in html
    # And back to English.
    html = page_client.get("/p/ynys-example/privacy?lang=en").get_data(as_text=True)
    assert html_lang(html) == "en" and "Privacy notice" in html


def test_a_language_the_partnership_does_not_offer_is_never_chosen(page_client):
    bilingual()
    with db.transaction() as session:
        add = Partnership(slug="english-only", name="English Only CSP", nation=Nation.ENGLAND)
        session.add(add)
    page_client.get("/p/ynys-example?lang=cy")
    html = page_client.get("/p/english-only").get_data(as_text=True)
    assert html_lang(html) == "en" and switcher(html) == ""
    assert page_client.get("/p/ynys-example?lang=fr").status_code == 200


def test_the_welsh_example_partnership_loads_offering_both_languages(session):
    from service import partnerships
    from tests.factories import ROOT

    result = partnerships.load(session, ROOT / "config" / "partnerships" / "dyffryn-example.yaml")
    session.commit()
    assert result.partnership.nation is Nation.WALES
    assert result.partnership.languages == ["en", "cy"]
    assert result.agencies_added == 6


def test_the_start_page_and_the_error_pages_speak_welsh(page_client):
    bilingual()
    html = page_client.get("/p/ynys-example?lang=cy").get_data(as_text=True)
    assert "Atgyfeirio marwolaeth ar gyfer Adolygiad Dynladdiad Domestig" in html
    assert "Defnyddiwch y gwasanaeth hwn i roi gwybod i Partneriaeth Ynys Example" in html
    assert "Dechrau nawr" in html and "Start now" not in html
    # The link inside a translated sentence is still a link, and its address still escaped.
    assert '<a class="govuk-link" href="/p/ynys-example/privacy">hysbysiad preifatrwydd</a>' in html
    missing = page_client.get("/p/ynys-example/no-such-page")
    assert missing.status_code == 404
    html = missing.get_data(as_text=True)
    assert html_lang(html) == "cy" and "Heb ddod o hyd i" in html and "Page not found" not in html


def test_the_privacy_notice_is_in_welsh_with_the_partnership_named(page_client):
    bilingual()
    html = page_client.get("/p/ynys-example/privacy?lang=cy").get_data(as_text=True)
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="main-content"', 1)[1]))
    assert "Partneriaeth Ynys Example yw'r rheolydd ar gyfer yr wybodaeth bersonol" in body
    assert "Eich hawliau" in body and "Swyddfa'r Comisiynydd Gwybodaeth" in body
    for english in ("Who is responsible", "Your rights", "special category data", "complain"):
        assert english not in body
    html = page_client.get("/p/ynys-example/privacy?lang=en").get_data(as_text=True)
    assert "Partneriaeth Ynys Example is the controller for the personal information" in html


def test_the_accessibility_statement_is_in_welsh_with_its_dates_in_welsh(page_client):
    bilingual()
    html = page_client.get("/p/ynys-example/accessibility?lang=cy").get_data(as_text=True)
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="main-content"', 1)[1]))
    assert "Datganiad hygyrchedd ar gyfer DHR Forms" in body
    assert "Paratowyd y datganiad hwn ar 22 Tachwedd 2026." in body
    assert "chwyddo hyd at 400% heb" in body
    for english in ("How accessible", "Enforcement procedure", "November", "keyboard"):
        assert english not in body


def test_a_link_that_does_not_work_says_so_in_welsh_and_english(page_client):
    """A refused link cannot say whose it was: where any partnership offers Welsh its page is in
    both languages, Welsh first, each half marked with its language."""
    bilingual()
    paths = ("/imr?token=not-a-link", "/action?token=not-a-link", "/return?token=not-a-link",
             "/consent/not-a-code", "/comments?token=not-a-link")  # fmt: skip
    for path in paths:
        response = page_client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert html_lang(html) == "cy", path
        welsh = html.index('<div lang="cy">')
        english = html.index('<div lang="en">')
        assert welsh < english, path
        assert "Mae'r ddolen hon wedi dod i ben neu nid yw'n ddilys" in html[welsh:english], path
        assert "This link has expired or is not valid" in html[english:], path
    assert "Gadael y dudalen hon" in page_client.get("/consent/not-a-code").get_data(as_text=True)


def test_a_link_that_does_not_work_is_in_english_where_no_partnership_offers_welsh(
    page_client, partnership
):
    html = page_client.get("/imr?token=not-a-link").get_data(as_text=True)
    assert html_lang(html) == "en" and 'lang="cy"' not in html
    assert "This link has expired or is not valid" in html
