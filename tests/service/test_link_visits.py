"""A visit through a link is kept in the database, not in the browser: an agency opens its trawl
link and its cookie holds only a random key; a copy of that cookie opens nothing once the visit
has ended (the return sent, the browser left idle, another link opened); a revoked link ends
the visit at once; the account set-up and password reset links work the same way."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service import clock, link_sessions, tokens
from service.auth import accounts, totp
from service.models import AccessToken, LinkSession, TrawlRequest, User
from service.trawls import links
from tests.console import PASSWORD, code_for, make_user, post_form, token_of
from tests.sweeping import sweep_here
from tests.trawls.answering import ANSWERING_AT, answer_everything, link_path, open_link, send
from tests.trawls.factories import sent_trawl

COOKIE = "dhr_session"
REFUSED = "This link has expired or is not valid"


@pytest.fixture(autouse=True)
def answering_time():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def trawl(session, partnership):
    trawl = sent_trawl(session, partnership)
    session.commit()
    return trawl


@pytest.fixture
def req(trawl) -> TrawlRequest:
    return trawl.requests[0]


def cookie(client: FlaskClient) -> str:
    return client.get_cookie(COOKIE).value


def cookie_contents(app: Flask, client: FlaskClient) -> dict:
    """What the browser's session cookie says, opened with the service's own key."""
    return app.session_interface.get_signing_serializer(app).loads(cookie(client))


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser with a copy of ``client``'s session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie(client), domain="localhost")
    return other


def refused(response) -> bool:
    return response.status_code == 404 and REFUSED in response.get_data(as_text=True)


def visits(session) -> list[LinkSession]:
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(LinkSession)))


def later(**delta: float):
    return clock.frozen_at(ANSWERING_AT + dt.timedelta(**delta))


# --- the trawl return ------------------------------------------------------------------------


def test_the_agencys_cookie_holds_a_random_key_not_the_token(page_app, page_client, session, req):
    token = link_path(session, req).split("token=", 1)[1]
    token_row = links.current(session, req)
    assert open_link(page_client, session, req).status_code == 302

    contents = cookie_contents(page_app, page_client)
    readable = json.dumps(contents)
    assert token not in readable and token not in cookie(page_client)
    assert token_row.id not in readable
    key = contents["trawl_return"]
    assert isinstance(key, str) and len(key) >= 43
    # The database holds the key's digest and the token's id, never the key.
    (visit,) = visits(session)
    assert visit.id == hashlib.sha256(key.encode()).hexdigest() != key
    assert visit.access_token_id == token_row.id and visit.subject_id == req.id
    assert page_client.get("/return/start").status_code == 200


def test_a_copied_cookie_opens_nothing_once_the_visit_is_idle(page_app, page_client, session, req):
    open_link(page_client, session, req)
    copy = copy_of(page_app, page_client)
    # While the visit goes on, the cookie is all it takes: which is why it must end.
    assert copy.get("/return/start").status_code == 200
    with later(hours=1, minutes=50):
        assert page_client.get("/return/start").status_code == 200
    with later(hours=3, minutes=49):  # two hours after the last page, less a minute
        assert page_client.get("/return/start").status_code == 200
    with later(hours=5, minutes=50):
        assert refused(copy.get("/return/start"))
        assert refused(page_client.get("/return/start"))
    assert visits(session) == []
    # The emailed link itself still works: it is the agency's own link.
    with later(hours=6):
        assert open_link(page_client, session, req).status_code == 302
        assert page_client.get("/return/start").status_code == 200


def test_a_visit_s_last_activity_is_written_at_most_once_a_minute(page_client, session, req):
    """Not at every page, which would cost a commit each."""
    with later():
        open_link(page_client, session, req)
    (visit,) = visits(session)
    opened_at = clock.as_utc(visit.last_seen_at)
    with later(seconds=50):
        assert page_client.get("/return/start").status_code == 200
    assert clock.as_utc(visits(session)[0].last_seen_at) == opened_at
    with later(seconds=70):
        assert page_client.get("/return/start").status_code == 200
    (visit,) = visits(session)
    assert clock.as_utc(visit.last_seen_at) == ANSWERING_AT + dt.timedelta(seconds=70)


def test_a_visit_in_use_still_ends_after_its_lifetime(page_client, session, req):
    open_link(page_client, session, req)
    for hour in range(1, 12):
        with later(hours=hour):
            assert page_client.get("/return/start").status_code == 200
    with later(hours=12):
        assert refused(page_client.get("/return/start"))


def test_after_sending_the_visit_ends_and_a_copied_cookie_opens_nothing(
    page_app, page_client, session, trawl, req
):
    open_link(page_client, session, req)
    answer_everything(page_client, trawl)
    assert send(page_client).headers["Location"] == "/return/confirmation"
    copy = copy_of(page_app, page_client)
    with later(minutes=20):
        # Time to read the confirmation and download a copy.
        assert page_client.get("/return/confirmation").status_code == 200
        assert page_client.get("/return/confirmation/return.pdf").status_code == 200
    with later(minutes=31):
        assert refused(copy.get("/return/confirmation"))
        assert refused(copy.get("/return/confirmation/return.pdf"))
        assert refused(page_client.get("/return/start"))


def test_a_revoked_link_ends_an_open_visit_at_once(page_app, page_client, session, req):
    open_link(page_client, session, req)
    copy = copy_of(page_app, page_client)
    assert page_client.get("/return/start").status_code == 200
    links.revoke(session, req)
    session.commit()
    assert refused(page_client.get("/return/start"))
    assert refused(copy.get("/return/start"))
    assert visits(session) == []


def test_opening_another_agencys_link_ends_the_first_visit(
    page_app, page_client, session, trawl, req
):
    open_link(page_client, session, req)
    first = copy_of(page_app, page_client)
    other = trawl.requests[1]
    open_link(page_client, session, other)
    assert refused(first.get("/return/start"))
    assert page_client.get("/return/start").status_code == 200
    assert [v.subject_id for v in visits(session)] == [other.id]


def test_the_address_with_the_token_is_never_sent_on_or_kept(page_client, session, req):
    opened = open_link(page_client, session, req)
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    assert opened.headers["Cache-Control"] == "no-store"
    bad = page_client.get("/return?token=altered")
    assert refused(bad)
    assert bad.headers["Referrer-Policy"] == "no-referrer"
    assert bad.headers["Cache-Control"] == "no-store"
    open_link(page_client, session, req)
    # Behind the link the address has no token; its forms need the same-origin Referer.
    start = page_client.get("/return/start")
    assert start.headers["Referrer-Policy"] == "same-origin"
    assert start.headers["Cache-Control"] == "no-store"


def test_the_sweep_deletes_visits_that_ended_and_keeps_the_others(page_client, session, req):
    open_link(page_client, session, req)
    at = ANSWERING_AT + dt.timedelta(hours=1)
    assert sweep_here(at)["ended link visits deleted"] == 0
    assert len(visits(session)) == 1
    at = ANSWERING_AT + link_sessions.IDLE_TIMEOUT
    assert sweep_here(at)["ended link visits deleted"] == 1
    assert visits(session) == []


# --- account set-up and password reset -------------------------------------------------------


def test_the_set_up_link_is_kept_server_side_and_ends_with_the_set_up(
    page_app, page_client, session, partnership
):
    user, link = accounts.create_user(
        session, partnership, email="new.officer@exampleshire.gov.uk", role="officer",
        actor="test",
    )  # fmt: skip
    session.commit()
    token = token_of(link)
    assert page_client.get("/account/set-up?token=" + token).status_code == 302
    readable = json.dumps(cookie_contents(page_app, page_client))
    assert token not in readable and tokens.nonce_of(token) not in readable
    copy = copy_of(page_app, page_client)
    assert copy.get("/account/set-up").status_code == 200

    chosen = post_form(
        page_client, "/account/set-up/password", {"password": PASSWORD, "confirm": PASSWORD}
    )
    assert chosen.headers["Location"] == "/account/set-up/authenticator"
    page_client.get("/account/set-up/authenticator")
    session.rollback()
    secret = session.get(User, user.id).totp_secret
    done = post_form(
        page_client, "/account/set-up/authenticator", {"code": totp.code_at(secret, clock.now())}
    )
    assert done.headers["Location"] == "/sign-in"
    assert copy.get("/account/set-up").status_code == 404
    assert copy.get("/account/set-up/password").status_code == 404
    assert visits(session) == []


def test_an_idle_set_up_visit_ends(page_app, page_client, session, partnership):
    _user, link = accounts.create_user(
        session, partnership, email="new.officer@exampleshire.gov.uk", role="officer",
        actor="test",
    )  # fmt: skip
    session.commit()
    page_client.get("/account/set-up?token=" + token_of(link))
    copy = copy_of(page_app, page_client)
    assert copy.get("/account/set-up/password").status_code == 200
    with later(hours=2, minutes=1):
        assert copy.get("/account/set-up/password").status_code == 404
        assert page_client.get("/account/set-up").status_code == 404
    # The link itself still sets the account up, until it expires or is used.
    with later(hours=2, minutes=2):
        assert page_client.get("/account/set-up?token=" + token_of(link)).status_code == 302
        assert page_client.get("/account/set-up").status_code == 200


def test_the_reset_link_is_kept_server_side_and_ends_with_the_reset(
    page_app, page_client, session, partnership
):
    user = make_user(session, partnership)
    _row, token = tokens.issue(
        session, purpose=accounts.RESET, subject_type="user", subject_id=user.id,
        partnership_id=user.partnership_id, expires_at=clock.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    session.commit()
    assert page_client.get("/account/reset-password?token=" + token).status_code == 302
    readable = json.dumps(cookie_contents(page_app, page_client))
    assert token not in readable and tokens.nonce_of(token) not in readable
    copy = copy_of(page_app, page_client)
    assert copy.get("/account/reset-password").status_code == 200

    new = "a completely new passphrase"
    done = post_form(
        page_client,
        "/account/reset-password",
        {"password": new, "confirm": new, "code": code_for(user)},
    )
    assert done.headers["Location"] == "/sign-in"
    assert copy.get("/account/reset-password").status_code == 404
    assert session.scalars(select(LinkSession)).all() == []
    assert session.get(AccessToken, tokens.nonce_of(token)).used_at is not None
