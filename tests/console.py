"""Helpers for console tests: users made through the real set-up code, and signing in through
the real pages."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service import clock
from service.auth import accounts, totp
from service.models import Partnership, Role, User

PASSWORD = "correct horse battery staple"
_SECRETS: dict[int, str] = {}
_numbers = itertools.count(1)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def make_user(
    session: Session,
    partnership: Partnership,
    role: Role | str = Role.OFFICER,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    """An active user set up as a person would: link, password, app, first code."""
    email = email or f"{Role(role).value}.{next(_numbers)}@{partnership.slug}.gov.uk"
    user, link = accounts.create_user(
        session, partnership, email=email, role=role, name=name, actor="test"
    )
    token = token_of(link)
    accounts.setup_password(session, token, password)
    _, secret = accounts.setup_secret(session, token)
    # The first code is from a step before now, so the test's sign-in can use the current one.
    # Should the clock cross into a new step between making the code and checking it, that code
    # is two steps old and outside the drift allowed: make it again for the new step.
    for attempt in range(2):
        moment = clock.now()
        try:
            accounts.confirm_authenticator(
                session, token, totp.code_at(secret, moment - timedelta(seconds=30))
            )
            break
        except accounts.AccountRefused:
            if attempt or totp.step_of(clock.now()) == totp.step_of(moment):
                raise
    session.commit()
    _SECRETS[user.id] = secret
    return user


def secret_of(user: User) -> str:
    return _SECRETS[user.id]


def code_for(user: User, offset_steps: int = 0) -> str:
    return totp.code_at(secret_of(user), clock.now() + timedelta(seconds=30 * offset_steps))


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict, *, page: str | None = None):
    """GET the page for its CSRF token (or use ``page``), then POST ``data`` to ``url``."""
    html = client.get(page or url).get_data(as_text=True)
    # Over HTTPS, Flask-WTF also wants a same-site Referer, as a browser sends.
    return client.post(
        url,
        data={**data, "csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost{page or url}"},
    )


def sign_in(client: FlaskClient, user: User, *, password: str = PASSWORD, code: str | None = None):
    """Sign in through the real pages; returns the response to the code step."""
    response = post_form(client, "/sign-in", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "/sign-in/security-code" in response.headers["Location"]
    return post_form(
        client, "/sign-in/security-code", {"code": code_for(user) if code is None else code}
    )
