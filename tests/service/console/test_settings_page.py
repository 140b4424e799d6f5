"""The console's read-only settings page: what the partnership's YAML file loaded."""

from __future__ import annotations

import html
import re

import pytest

from service.clock import long_date
from service.models import InsecureRecipientAction
from service.views.console.settings import hour
from tests.console import make_user, sign_in

URL = "/console/settings"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def summary(page: str) -> dict[str, str]:
    """Each summary-list key with its value's text, spacing squeezed."""
    rows = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">'
        r"(.*?)</dd>",
        page,
        re.S,
    )

    def plain(fragment: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())

    return {plain(key): plain(value) for key, value in rows}


@pytest.fixture
def officer_client(page_client, session, partnership):
    sign_in(page_client, make_user(session, partnership, "officer"))
    return page_client


def test_settings_show_what_the_file_loaded(officer_client):
    response = officer_client.get(URL)
    assert response.status_code == 200
    page = text_of(response)
    assert "<title>Settings – DHR Forms</title>" in page
    for heading in ("Partnership", "Secure email", "Inboxes", "Timescales", "Closure days"):
        assert f'<h2 class="govuk-heading-m">{heading}</h2>' in page
    assert "dhr partnership load" in page
    assert ' style="' not in page

    assert summary(page) == {
        "Name": "Exampleshire Community Safety Partnership",
        "Slug": "exampleshire",
        "Nation": "England",
        "Contact email": "dhr@exampleshire.gov.uk",
        "Contact phone": "01632 960 000",
        "Secure domains": "*.gov.uk *.police.uk *.cjsm.net nhs.net",
        "Sensitive content for other addresses": "A notice without the content is sent",
        "Referrals": "dhr@exampleshire.gov.uk",
        "DHR officer": "dhr.officer@exampleshire.gov.uk",
        "Chair": "independent.chair@exampleshire.cjsm.net",
        "Home Office": "dhr.enquiries@homeoffice.example.gov.uk",
        "Coroner": "coroner.inquests@exampleshire.gov.uk",
        "Domestic Abuse Commissioner": "dhr.reports@commissioner.example.gov.uk",
        "Chair of the DHR sub-group": "dhr.subgroup.chair@exampleshire.gov.uk",
        "Chair of the partnership": "csp.chair@exampleshire.gov.uk",
        "Agencies answer a trawl within": "14 days",
        "Chasers are sent every": "3 working days",
        "Papers are sent": "5 working days before a meeting",
        "Comments on a draft are due within": "14 days",
        "Whether to hold a review is decided within": "30 days",
        "Papers and chasers go out at": "9am",
        "The overview report is due": "6 months after the decision",
        "The Domestic Abuse Commissioner is told of decisions": "No, only sent published reports",
        "Office closed, beyond bank holidays": (
            "29 December 2026 30 December 2026 31 December 2026"
        ),
    }


def test_other_choices_and_empty_values(page_client, session, partnership):
    partnership.insecure_recipient_action = InsecureRecipientAction.HOLD
    partnership.closure_days = []
    partnership.contact_phone = None
    partnership.inboxes = {**partnership.inboxes, "chair": [], "panel_papers": ["p@x.gov.uk"]}
    partnership.trawl_response_days = 1
    partnership.dispatch_hour = 13
    session.add(partnership)
    session.commit()
    viewer = make_user(session, partnership, "viewer")
    sign_in(page_client, viewer)

    response = page_client.get(URL)
    assert response.status_code == 200
    rows = summary(text_of(response))
    assert rows["Sensitive content for other addresses"] == "Held for the DHR officer to decide"
    assert rows["Office closed, beyond bank holidays"] == "None"
    assert rows["Contact phone"] == "Not set"
    assert rows["Chair"] == "None"
    assert rows["Panel papers"] == "p@x.gov.uk"
    assert rows["Agencies answer a trawl within"] == "1 day"
    assert rows["Papers and chasers go out at"] == "1pm"


def test_chair_may_not_see_settings(page_client, session, partnership):
    sign_in(page_client, make_user(session, partnership, "chair"))
    assert page_client.get(URL).status_code == 403


def test_signed_out_is_sent_to_sign_in(page_client, partnership):
    response = page_client.get(URL)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    ("value", "text"), [(0, "midnight"), (9, "9am"), (11, "11am"), (12, "midday"), (23, "11pm")]
)
def test_hour(value, text):
    assert hour(value) == text


def test_long_date():
    assert long_date("2026-12-25") == "25 December 2026"
    assert long_date("2027-01-05") == "5 January 2027"
