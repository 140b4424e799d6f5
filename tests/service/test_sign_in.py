"""Setting up an account, signing in and out, lockout, sessions and password reset, through the
real pages: an officer's story from the set-up link to the dashboard and back out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from service import clock
from service.auth import accounts, totp
from service.models import AuditEvent, ConsoleSession, Message, Role, User, UserStatus
from tests.console import (
    PASSWORD,
    code_for,
    csrf_from,
    make_user,
    post_form,
    sign_in,
    token_of,
)
from tests.delivered import delivered_text

NOW = clock.parse("2026-11-23T09:00:00Z")


@pytest.fixture
def at_nine():
    with clock.frozen_at(NOW) as moment:
        yield moment


def actions(session, user=None) -> list[str]:
    session.rollback()
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if user is not None:
        query = query.where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id))
    return list(session.scalars(query))


def invite(session, partnership, role=Role.OFFICER, email="new.officer@exampleshire.gov.uk"):
    user, link = accounts.create_user(session, partnership, email=email, role=role, actor="cli")
    session.commit()
    return user, link


def page(response) -> str:
    return response.get_data(as_text=True)


# --- set-up ---------------------------------------------------------------------------------


def test_set_up_from_the_link_then_sign_in_and_out(page_client, session, partnership, at_nine):
    user, link = invite(session, partnership)
    response = page_client.get(link.replace("https://dhr.exampleshire.gov.uk", ""))
    # The token leaves the address bar at once.
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/set-up"
    assert "new.officer@exampleshire.gov.uk" in page(page_client.get("/account/set-up"))

    weak = post_form(
        page_client, "/account/set-up/password", {"password": "password123456", "confirm": "x"}
    )
    assert "Error: Choose a password" in page(weak)
    assert "Password is too easy to guess" in page(weak)
    assert "The passwords do not match" in page(weak)
    short = post_form(
        page_client, "/account/set-up/password", {"password": "short", "confirm": "short"}
    )
    assert "Password must be 12 characters or more" in page(short)

    chosen = post_form(
        page_client, "/account/set-up/password", {"password": PASSWORD, "confirm": PASSWORD}
    )
    assert chosen.headers["Location"] == "/account/set-up/authenticator"
    enrol = page(page_client.get("/account/set-up/authenticator"))
    assert 'src="data:image/svg+xml;base64,' in enrol
    session.rollback()
    secret = session.get(User, user.id).totp_secret
    assert totp.grouped(secret) in enrol

    wrong = post_form(page_client, "/account/set-up/authenticator", {"code": "000000"})
    assert "The security code is not right" in page(wrong)
    done = post_form(
        page_client, "/account/set-up/authenticator", {"code": totp.code_at(secret, NOW)}
    )
    assert done.headers["Location"] == "/sign-in"
    assert "Your account is set up" in page(page_client.get("/sign-in"))
    session.rollback()
    assert session.get(User, user.id).status is UserStatus.ACTIVE

    # Signing in needs a fresh code: the one used to finish set-up is refused.
    post_form(page_client, "/sign-in", {"email": user.email, "password": PASSWORD})
    replay = post_form(page_client, "/sign-in/security-code", {"code": totp.code_at(secret, NOW)})
    assert "The security code is not right" in page(replay)
    with clock.frozen_at(NOW + timedelta(seconds=30)):
        signed_in = post_form(
            page_client,
            "/sign-in/security-code",
            {"code": totp.code_at(secret, NOW + timedelta(seconds=30))},
        )
        assert signed_in.headers["Location"] == "/console/"
        assert "Dashboard" in page(page_client.get("/console/"))
        out = post_form(page_client, "/sign-out", {}, page="/console/")
        assert out.headers["Location"] == "/signed-out"
        assert page_client.get("/console/").status_code == 302

    assert actions(session, user) == [
        "user.created",
        "user.setup_link_issued",
        "user.set_up",
        "sign_in.failed",
        "sign_in",
        "sign_out",
    ]


def test_a_used_set_up_link_does_not_work_again(page_client, session, partnership, at_nine):
    user, link = invite(session, partnership)
    accounts.setup_password(session, token_of(link), PASSWORD)
    _, secret = accounts.setup_secret(session, token_of(link))
    accounts.confirm_authenticator(session, token_of(link), totp.code_at(secret, NOW))
    session.commit()
    response = page_client.get("/account/set-up?token=" + token_of(link))
    assert response.status_code == 410
    assert "This link has already been used" in page(response)


def test_an_expired_set_up_link_is_refused(page_client, session, partnership):
    with clock.frozen_at(NOW):
        _, link = invite(session, partnership)
    with clock.frozen_at(NOW + timedelta(hours=71, minutes=59)):
        assert page_client.get("/account/set-up?token=" + token_of(link)).status_code == 302
        csrf = csrf_from(page(page_client.get("/account/set-up/password")))
    with clock.frozen_at(NOW + timedelta(hours=72)):
        # A browser that opened the link in time cannot carry on once it has expired...
        blocked = page_client.post(
            "/account/set-up/password",
            data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf},
            headers={"Referer": "https://localhost/account/set-up/password"},
        )
        assert blocked.status_code == 410
        # ...and the link itself no longer opens.
        response = page_client.get("/account/set-up?token=" + token_of(link))
        assert response.status_code == 410
        assert "This link has expired" in page(response)


def test_a_forged_or_other_purpose_token_is_refused(page_client, session, partnership, at_nine):
    _, link = invite(session, partnership)
    assert page_client.get("/account/set-up?token=nonsense").status_code == 404
    # A real set-up token is not a password-reset token.
    response = page_client.get("/account/reset-password?token=" + token_of(link))
    assert response.status_code == 404


def test_a_new_set_up_link_replaces_the_old_one(page_client, session, partnership, at_nine):
    user, first = invite(session, partnership)
    accounts.new_setup_link(session, user, actor="cli")
    session.commit()
    response = page_client.get("/account/set-up?token=" + token_of(first))
    assert response.status_code == 410


# --- signing in -----------------------------------------------------------------------------


def test_wrong_password_is_refused_and_audited(page_client, session, partnership, at_nine):
    user = make_user(session, partnership)
    response = post_form(page_client, "/sign-in", {"email": user.email, "password": "wrong" * 3})
    assert response.status_code == 200
    assert "Error: Sign in" in page(response)
    assert "Enter a correct email address and password" in page(response)
    assert actions(session, user)[-1] == "sign_in.failed"
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.client_address == "127.0.0.1"
    assert event.detail == {"stage": "password", "attempt": 1}


def test_unknown_address_gets_the_same_answer(page_client, session, partnership, at_nine):
    response = post_form(
        page_client, "/sign-in", {"email": "nobody@exampleshire.gov.uk", "password": "x" * 12}
    )
    assert "Enter a correct email address and password" in page(response)
    assert actions(session)[-1] == "sign_in.failed"


def test_empty_sign_in_form_shows_the_error_summary(page_client, partnership):
    response = post_form(page_client, "/sign-in", {"email": "", "password": ""})
    html = page(response)
    assert "There is a problem" in html
    assert 'href="#email"' in html and "Enter your email address" in html
    assert 'href="#password"' in html and "Enter your password" in html


def test_wrong_code_is_refused(page_client, session, partnership, at_nine):
    user = make_user(session, partnership)
    response = sign_in(page_client, user, code="123456" if code_for(user) != "123456" else "654321")
    assert response.status_code == 200
    assert "The security code is not right" in page(response)
    assert page_client.get("/console/").status_code == 302
    assert actions(session, user)[-1] == "sign_in.failed"


@pytest.mark.parametrize("bad", ["12345", "12a456", ""])
def test_malformed_codes_get_a_clear_error(page_client, session, partnership, at_nine, bad):
    user = make_user(session, partnership)
    response = sign_in(page_client, user, code=bad)
    assert "There is a problem" in page(response)


def test_a_code_is_never_accepted_twice(page_client, session, partnership, at_nine, page_app):
    user = make_user(session, partnership)
    code = code_for(user)
    assert sign_in(page_client, user, code=code).headers["Location"] == "/console/"
    other = page_app.test_client()
    again = sign_in(other, user, code=code)
    assert again.status_code == 200
    assert "The security code is not right" in page(again)
    # The next step's code works.
    with clock.frozen_at(NOW + timedelta(seconds=30)):
        assert sign_in(other, user).headers["Location"] == "/console/"


def test_five_failures_lock_the_account_for_15_minutes(page_client, session, partnership):
    with clock.frozen_at(NOW):
        user = make_user(session, partnership)
        for _ in range(4):
            post_form(page_client, "/sign-in", {"email": user.email, "password": "wrong" * 3})
        fifth = post_form(page_client, "/sign-in", {"email": user.email, "password": "wrong" * 3})
        assert "Your account is locked for 15 minutes" in page(fifth)
        # Even the right password is refused while locked.
        right = post_form(page_client, "/sign-in", {"email": user.email, "password": PASSWORD})
        assert "Your account is locked for 15 minutes" in page(right)
    assert actions(session, user)[-3:] == [
        "sign_in.failed",
        "account.locked",
        "sign_in.refused_locked",
    ]
    session.rollback()
    assert session.get(User, user.id).locked_until == NOW + timedelta(minutes=15)
    with clock.frozen_at(NOW + timedelta(minutes=15, seconds=1)):
        assert sign_in(page_client, user).headers["Location"] == "/console/"


def test_wrong_codes_count_towards_the_lock(page_client, session, partnership, at_nine):
    user = make_user(session, partnership)
    post_form(page_client, "/sign-in", {"email": user.email, "password": PASSWORD})
    wrong = "000000" if code_for(user) != "000000" else "111111"
    for _ in range(4):
        post_form(page_client, "/sign-in/security-code", {"code": wrong})
    locked = post_form(page_client, "/sign-in/security-code", {"code": wrong})
    assert locked.headers["Location"] == "/sign-in"
    assert "Your account is locked" in page(page_client.get("/sign-in"))
    assert "account.locked" in actions(session, user)


def test_the_code_step_needs_a_password_first(page_client, partnership):
    assert page_client.get("/sign-in/security-code").headers["Location"] == "/sign-in"


def test_a_disabled_user_cannot_sign_in(page_client, session, partnership, at_nine):
    user = make_user(session, partnership)
    user.status = UserStatus.DISABLED
    session.commit()
    response = post_form(page_client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert "Enter a correct email address and password" in page(response)


def test_sign_in_only_returns_to_pages_on_this_site(page_client, session, partnership, at_nine):
    user = make_user(session, partnership)
    html = page(page_client.get("/sign-in?next=//evil.example/x"))
    response = page_client.post(
        "/sign-in?next=//evil.example/x",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(html)},
        headers={"Referer": "https://localhost/sign-in"},
    )
    code_page = response.headers["Location"]
    html = page(page_client.get(code_page))
    done = page_client.post(
        code_page,
        data={"code": code_for(user), "csrf_token": csrf_from(html)},
        headers={"Referer": "https://localhost/sign-in"},
    )
    assert done.headers["Location"] == "/console/"


def test_console_pages_ask_for_sign_in_first(page_client, partnership):
    response = page_client.get("/console/outbox")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/console/outbox")


# --- sessions -------------------------------------------------------------------------------


def _session_cookie(client) -> str:
    cookie = client.get_cookie("dhr_session", domain="localhost")
    return cookie.value if cookie else ""


def test_session_id_is_new_at_sign_in_and_ended_by_sign_out(
    page_client, session, partnership, at_nine, page_app
):
    user = make_user(session, partnership)
    post_form(page_client, "/sign-in", {"email": user.email, "password": PASSWORD})
    before = _session_cookie(page_client)
    post_form(page_client, "/sign-in/security-code", {"code": code_for(user)})
    after = _session_cookie(page_client)
    assert before and after and before != after
    (row,) = session.scalars(select(ConsoleSession)).all()
    assert row.expires_at == NOW + timedelta(hours=12)

    # Sign out ends the session on the server: the old cookie no longer works anywhere.
    post_form(page_client, "/sign-out", {}, page="/console/")
    thief = page_app.test_client()
    thief.set_cookie("dhr_session", after, domain="localhost")
    assert thief.get("/console/").status_code == 302
    session.rollback()
    assert session.get(ConsoleSession, row.id).end_reason == "signed_out"


def test_idle_for_30_minutes_signs_out(page_client, session, partnership):
    with clock.frozen_at(NOW):
        user = make_user(session, partnership)
        sign_in(page_client, user)
    with clock.frozen_at(NOW + timedelta(minutes=29)):
        assert page_client.get("/console/").status_code == 200
    with clock.frozen_at(NOW + timedelta(minutes=58, seconds=59)):
        assert page_client.get("/console/").status_code == 200
    with clock.frozen_at(NOW + timedelta(minutes=89)):
        response = page_client.get("/console/")
        assert response.headers["Location"] == "/session/timed-out"
        timed_out = page(page_client.get("/session/timed-out"))
        assert "You have been signed out" in timed_out
        assert "did not do anything for 30 minutes" in timed_out
    (row,) = session.scalars(select(ConsoleSession)).all()
    session.refresh(row)
    assert row.end_reason == "idle"
    assert "session.ended" in actions(session, user)


def test_a_session_s_last_activity_is_written_at_most_once_a_minute(
    page_client, session, partnership
):
    """Not at every page, which would cost a commit each: the idle timeout counts from the
    last write, at most a minute old."""
    with clock.frozen_at(NOW):
        user = make_user(session, partnership)
        sign_in(page_client, user)

    def last_seen():
        session.rollback()
        return clock.as_utc(session.scalars(select(ConsoleSession.last_seen_at)).one())

    signed_in_at = last_seen()

    with clock.frozen_at(NOW + timedelta(seconds=50)):
        assert page_client.get("/console/").status_code == 200
    assert last_seen() == signed_in_at
    with clock.frozen_at(NOW + timedelta(seconds=70)):
        assert page_client.get("/console/").status_code == 200
    assert last_seen() == clock.as_utc(NOW + timedelta(seconds=70))


def test_sessions_end_after_12_hours_however_busy(page_client, session, partnership):
    with clock.frozen_at(NOW):
        user = make_user(session, partnership)
        sign_in(page_client, user)
    for minutes in range(20, 12 * 60, 20):
        with clock.frozen_at(NOW + timedelta(minutes=minutes)):
            assert page_client.get("/console/").status_code == 200, minutes
    with clock.frozen_at(NOW + timedelta(hours=12)):
        assert page_client.get("/console/").headers["Location"] == "/session/timed-out"
    (row,) = session.scalars(select(ConsoleSession)).all()
    session.refresh(row)
    assert row.end_reason == "expired"


def test_console_pages_carry_the_timeout_warning_and_a_no_script_fallback(
    page_client, session, partnership, at_nine
):
    user = make_user(session, partnership)
    sign_in(page_client, user)
    html = page(page_client.get("/console/"))
    assert '<noscript><meta http-equiv="refresh" content="1800;url=/session/timed-out">' in html
    assert 'data-idle-seconds="1800"' in html and 'data-warning-seconds="120"' in html
    assert "You are about to be signed out" in html


def test_stay_signed_in_restarts_the_idle_timeout(page_client, session, partnership):
    with clock.frozen_at(NOW):
        user = make_user(session, partnership)
        sign_in(page_client, user)
        html = page(page_client.get("/console/"))
    with clock.frozen_at(NOW + timedelta(minutes=28, seconds=30)):
        response = page_client.post(
            "/session/keep-alive",
            headers={"X-CSRFToken": csrf_from(html), "Referer": "https://localhost/console/"},
        )
        assert response.status_code == 200
        assert response.get_json() == {"idle_seconds": 1800}
    with clock.frozen_at(NOW + timedelta(minutes=50)):
        # 21.5 minutes after "stay signed in": still signed in; the timed-out page agrees.
        assert page_client.get("/session/timed-out").headers["Location"] == "/console/"


def test_keep_alive_needs_the_csrf_token(page_client, session, partnership, at_nine):
    user = make_user(session, partnership)
    sign_in(page_client, user)
    response = page_client.post(
        "/session/keep-alive", headers={"Referer": "https://localhost/console/"}
    )
    assert response.status_code == 400


# --- password reset -------------------------------------------------------------------------


def test_password_reset_by_email_link_and_a_fresh_code(page_client, session, partnership):
    with clock.frozen_at(NOW):
        user = make_user(session, partnership)
        sent = post_form(page_client, "/account/forgot-password", {"email": user.email.upper()})
        assert sent.headers["Location"] == "/account/forgot-password/sent"
    (message,) = session.scalars(select(Message).where(Message.purpose == "account.reset"))
    assert message.recipient == user.email
    assert user.email not in message.subject
    link = next(line for line in delivered_text(message).splitlines() if "token=" in line).strip()
    assert link.startswith("https://dhr.exampleshire.gov.uk/account/reset-password?token=")

    with clock.frozen_at(NOW + timedelta(minutes=5)):
        assert page_client.get(link.split(".gov.uk", 1)[1]).status_code == 302
        new = "a completely new passphrase"
        wrong = post_form(
            page_client,
            "/account/reset-password",
            {"password": new, "confirm": new, "code": "000000"},
        )
        assert "The security code is not right" in page(wrong)
        done = post_form(
            page_client,
            "/account/reset-password",
            {"password": new, "confirm": new, "code": code_for(user)},
        )
        assert done.headers["Location"] == "/sign-in"
        assert "Your password has been changed" in page(page_client.get("/sign-in"))
    with clock.frozen_at(NOW + timedelta(minutes=6)):
        old = post_form(page_client, "/sign-in", {"email": user.email, "password": PASSWORD})
        assert "Enter a correct email address and password" in page(old)
        assert sign_in(page_client, user, password=new).headers["Location"] == "/console/"
    # The link worked once.
    again = page_client.get(link.split(".gov.uk", 1)[1])
    assert again.status_code == 410
    assert {"password_reset.requested", "password_reset.completed"} <= set(actions(session, user))


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(
    page_client, session, partnership, at_nine
):
    response = post_form(
        page_client, "/account/forgot-password", {"email": "nobody@exampleshire.gov.uk"}
    )
    assert response.headers["Location"] == "/account/forgot-password/sent"
    assert session.scalars(select(Message)).all() == []


# --- rate limiting --------------------------------------------------------------------------


def test_sign_in_is_rate_limited_per_client_address(page_client, partnership, at_nine):
    html = page(page_client.get("/sign-in"))
    data = {"email": "nobody@exampleshire.gov.uk", "password": "x" * 12}
    data["csrf_token"] = csrf_from(html)
    statuses = [
        page_client.post(
            "/sign-in", data=data, headers={"Referer": "https://localhost/sign-in"}
        ).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    # Another address is not affected.
    other = page_client.post(
        "/sign-in",
        data=data,
        headers={"Referer": "https://localhost/sign-in"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 200


def test_sign_in_works_when_redis_is_down_and_the_lock_still_holds(
    settings, session, partnership, at_nine
):
    import service
    from tests.mailserver import free_port
    from tests.service.conftest import HttpsClient

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = service.create_app(settings)
    app.test_client_class = HttpsClient
    client = app.test_client()
    user = make_user(session, partnership)
    assert sign_in(client, user).headers["Location"] == "/console/"
    stranger = app.test_client()
    for _ in range(5):
        post_form(stranger, "/sign-in", {"email": user.email, "password": "wrong" * 3})
    session.rollback()
    assert session.get(User, user.id).locked_until is not None
