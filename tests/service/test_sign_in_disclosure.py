"""Signing in tells nobody which addresses have accounts, believes only the proxies it was told
about, and shows a QR code an authenticator app can scan."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import event, select

import service
from service import clock, db
from service.auth import totp
from service.models import AuditEvent
from tests.console import PASSWORD, csrf_from, make_user, post_form, sign_in
from tests.service.conftest import HttpsClient

NOW = clock.parse("2026-11-23T09:00:00Z")
WRONG = "wrong" * 3


@pytest.fixture
def at_nine():
    with clock.frozen_at(NOW) as moment:
        yield moment


def six_wrong_tries(client, email: str) -> list[str]:
    """The page each of six wrong passwords gets, with what differs by address taken out."""
    pages = []
    for _ in range(6):
        html = post_form(client, "/sign-in", {"email": email, "password": WRONG}).get_data(
            as_text=True
        )
        html = html.replace(email, "EMAIL")
        pages.append(re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "CSRF", html))
    return pages


def test_an_unknown_address_locks_exactly_as_an_account_does(
    page_app, session, partnership, at_nine
):
    user = make_user(session, partnership)
    known = six_wrong_tries(page_app.test_client(), user.email)
    unknown = six_wrong_tries(page_app.test_client(), "nobody@exampleshire.gov.uk")
    assert known == unknown
    assert "Your account is locked for 15 minutes" not in known[3]
    assert "Your account is locked for 15 minutes" in known[4]
    assert "Your account is locked for 15 minutes" in known[5]


def test_a_wrong_password_takes_the_same_steps_whether_or_not_there_is_an_account(
    page_app, session, partnership, at_nine
):
    user = make_user(session, partnership)
    engine = db.engine()

    def statements(email: str, tries: int) -> list[list[str]]:
        client = page_app.test_client()
        seen: list[list[str]] = []
        for _ in range(tries):
            run: list[str] = []

            def note(*args, run=run):  # (conn, cursor, statement, ...)
                run.append(re.sub(r"\s+", " ", args[2]))

            html = client.get("/sign-in").get_data(as_text=True)
            event.listen(engine, "before_cursor_execute", note)
            try:
                client.post(
                    "/sign-in",
                    data={"email": email, "password": WRONG, "csrf_token": csrf_from(html)},
                    headers={"Referer": "https://localhost/sign-in"},
                )
            finally:
                event.remove(engine, "before_cursor_execute", note)
            seen.append(run)
        return seen

    # The first try, a try that locks, and one refused while locked.
    assert statements(user.email, 6) == statements("nobody@exampleshire.gov.uk", 6)


def test_an_unknown_address_lock_lifts_after_15_minutes_as_well(page_client, session, partnership):
    with clock.frozen_at(NOW):
        user = make_user(session, partnership)
        for _ in range(5):
            post_form(page_client, "/sign-in", {"email": user.email, "password": WRONG})
    with clock.frozen_at(NOW + timedelta(minutes=15, seconds=1)):
        assert sign_in(page_client, user).headers["Location"] == "/console/"


# --- client addresses behind a proxy --------------------------------------------------------


def last_sign_in_address(session) -> str | None:
    session.rollback()
    return session.scalar(
        select(AuditEvent.client_address)
        .where(AuditEvent.action == "sign_in.failed")
        .order_by(AuditEvent.id.desc())
    )


def test_behind_one_proxy_a_forged_forwarded_for_entry_is_not_the_client(
    settings, session, partnership, at_nine
):
    settings.TRUST_PROXY = 1
    app = service.create_app(settings)
    app.test_client_class = HttpsClient
    client = app.test_client()
    # The client sent "X-Forwarded-For: 198.51.100.66"; the proxy appended the address it saw.
    post_form_through_proxy(client, "198.51.100.66, 203.0.113.9")
    assert last_sign_in_address(session) == "203.0.113.9"


def test_without_a_proxy_forwarded_for_is_ignored(page_client, session, partnership, at_nine):
    post_form_through_proxy(page_client, "198.51.100.66")
    assert last_sign_in_address(session) == "127.0.0.1"


def post_form_through_proxy(client, forwarded_for: str) -> None:
    html = client.get("/sign-in").get_data(as_text=True)
    client.post(
        "/sign-in",
        data={
            "email": "nobody@exampleshire.gov.uk",
            "password": WRONG,
            "csrf_token": csrf_from(html),
        },
        headers={
            "Referer": "https://localhost/sign-in",
            "X-Forwarded-For": forwarded_for,
            "X-Forwarded-Proto": "https",
        },
    )


# --- the QR code ----------------------------------------------------------------------------


def test_the_qr_code_is_an_svg_a_browser_can_draw_on_its_own():
    uri = totp.qr_code_data_uri(totp.provisioning_uri(totp.new_secret(), "a@exampleshire.gov.uk"))
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    root = ET.fromstring(base64.b64decode(uri[len(prefix) :]))  # noqa: S314  (made here)
    # As an image, an SVG outside the SVG namespace is not drawn at all.
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert int(root.get("width")) > 0


def test_sign_in_still_works(page_client, session, partnership, at_nine):
    user = make_user(session, partnership, password=PASSWORD)
    assert sign_in(page_client, user).headers["Location"] == "/console/"
