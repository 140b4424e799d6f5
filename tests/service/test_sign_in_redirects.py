"""After signing in, the officer goes back to the console page they asked for, never to another
site: every way of smuggling a host into ``next`` ends on the dashboard."""

from __future__ import annotations

import pytest

from service import clock
from tests.console import PASSWORD, code_for, csrf_from, make_user

NOW = clock.parse("2026-11-23T09:00:00Z")

#: ``next`` as it appears, percent-encoded, in the sign-in page's address.
ELSEWHERE = [
    "%2F%09%2Fevil.example%2Fx",  # "/\t/evil.example/x": Werkzeug drops the tab
    "/%09/evil.example",
    "%2F%0A%2Fevil.example",  # newline
    "%2F%0D%2Fevil.example",  # carriage return
    "%2F%00%2Fevil.example",
    "%2F%5Cevil.example",  # "/\evil.example": browsers read "\" as "/"
    "%2F%5C%2Fevil.example",
    "%5C%5Cevil.example",
    "//evil.example/x",
    "%2F%2Fevil.example",
    "///evil.example",
    "/%2F%2Fevil.example",  # decodes to "///evil.example"
    "/%252F%252Fevil.example",  # "/%2F%2Fevil.example", one more layer of encoding
    "%252F%252Fevil.example",
    "/%250A/evil.example",
    "javascript:alert(1)",
    "javascript%3Aalert(1)",
    "%6Aavascript%3Aalert(1)",
    "http://evil.example/",
    "http:evil.example",
    "https%3A%2F%2Fevil.example",
    "%68ttps%3A%2F%2Fevil.example",
    "http:%2F%2Fevil.example",
    "evil.example",
    "%E2%80%8B//evil.example",  # a zero-width space first
    "/%E2%80%8B/evil.example",
]


@pytest.fixture
def at_nine():
    with clock.frozen_at(NOW) as moment:
        yield moment


def sign_in_with_next(client, user, raw_next: str) -> str:
    """Sign in through /sign-in?next=...; where the browser is sent at the end."""
    url = f"/sign-in?next={raw_next}"
    html = client.get(url).get_data(as_text=True)
    password_done = client.post(
        url,
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(html)},
        headers={"Referer": "https://localhost/sign-in"},
    )
    code_page = password_done.headers["Location"]
    html = client.get(code_page).get_data(as_text=True)
    done = client.post(
        code_page,
        data={"code": code_for(user), "csrf_token": csrf_from(html)},
        headers={"Referer": "https://localhost/sign-in"},
    )
    assert done.status_code == 302
    return done.headers["Location"]


@pytest.mark.parametrize("raw_next", ELSEWHERE)
def test_a_next_page_elsewhere_ends_on_the_dashboard(
    page_client, session, partnership, at_nine, raw_next
):
    user = make_user(session, partnership)
    assert sign_in_with_next(page_client, user, raw_next) == "/console/"


def test_a_console_page_with_its_query_is_kept(page_client, session, partnership, at_nine):
    user = make_user(session, partnership)
    assert (
        sign_in_with_next(page_client, user, "%2Fconsole%2Fcases%3Fx%3D1") == "/console/cases?x=1"
    )


def test_a_console_page_asked_for_before_sign_in_is_where_sign_in_ends(
    page_client, session, partnership, at_nine
):
    user = make_user(session, partnership)
    asked = page_client.get("/console/cases?x=1")
    assert asked.status_code == 302
    raw_next = asked.headers["Location"].split("next=", 1)[1]
    assert sign_in_with_next(page_client, user, raw_next) == "/console/cases?x=1"
