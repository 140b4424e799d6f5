"""The session cookie is sealed: holding it shows nothing of what it carries."""

from __future__ import annotations

import base64

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

COOKIE = "dhr_session"


def _raw(client) -> str:
    return client.get_cookie(COOKIE, domain="localhost").value


def test_what_the_session_carries_cannot_be_read_from_the_cookie(page_app, page_client):
    with page_client.session_transaction() as s:
        s["answers"] = {"signed_name": "Jane Example", "date_of_birth": "1970-05-04"}
    raw = _raw(page_client)

    padded = raw + "=" * (-len(raw) % 4)
    decoded = base64.urlsafe_b64decode(padded)
    assert b"Jane" not in decoded and b"1970" not in decoded
    assert "Jane" not in raw
    # Flask's own signed cookie would be read by anyone holding it; this one is not even that.
    stock = SecureCookieSessionInterface().get_signing_serializer(page_app)
    with pytest.raises(BadSignature):
        stock.loads(raw)

    # The service itself reads it back.
    with page_client.session_transaction() as s:
        assert s["answers"]["signed_name"] == "Jane Example"


def test_an_altered_cookie_starts_a_fresh_session(page_app, page_client):
    with page_client.session_transaction() as s:
        s["answers"] = {"signed_name": "Jane Example"}
    raw = _raw(page_client)
    page_client.set_cookie(COOKIE, raw[:-4] + ("AAAA" if raw[-4:] != "AAAA" else "BBBB"))
    with page_client.session_transaction() as s:
        assert "answers" not in s


def test_messages_never_shown_do_not_grow_the_cookie_past_what_a_browser_keeps(page_client):
    """Flashes whose page was never shown (a redirect not followed, a download) pile up; only
    the latest few are kept, so the cookie, and the sign-in it carries, survive."""
    for n in range(40):
        with page_client.session_transaction() as s:
            s["_flashes"] = [*s.get("_flashes", []), ("success", f"Change {n} saved to the case")]
    assert len(_raw(page_client)) < 1024
    with page_client.session_transaction() as s:
        assert [m for _c, m in s["_flashes"]] == [
            f"Change {n} saved to the case" for n in (37, 38, 39)
        ]
