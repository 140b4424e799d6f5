"""The `dhr` command as an operator runs it: separate processes against the same stores."""

from __future__ import annotations

import subprocess

from sqlalchemy import func, select

from service import db
from service.models import Message, MessageStatus
from tests.conftest import DHR
from tests.factories import EXAMPLE


def dhr(env, *args, timeout=120):
    return subprocess.run([*DHR, *args], env=env, capture_output=True, text=True, timeout=timeout)


def messages():
    session = db.Sessions()
    session.expire_all()
    rows = session.scalars(select(Message)).all()
    session.rollback()
    return rows


def test_mail_test_then_a_burst_worker_delivers_exactly_one_message(cli_env, mail_server):
    cli_env["MAIL_TRANSPORT"] = mail_server.url
    assert dhr(cli_env, "partnership", "load", str(EXAMPLE)).returncode == 0

    queued = dhr(cli_env, "mail", "test", "--to", "dhr.officer@exampleshire.gov.uk")
    assert queued.returncode == 0, queued.stderr
    worker = dhr(cli_env, "worker", "--burst")
    assert worker.returncode == 0, worker.stderr

    (got,) = mail_server.messages
    assert got.rcpt_tos == ["dhr.officer@exampleshire.gov.uk"]
    assert got.message["Subject"].startswith("OFFICIAL-SENSITIVE")
    (row,) = messages()
    assert row.status is MessageStatus.SENT
    assert row.reference in queued.stdout
    assert row.reference in got.message["Subject"]

    listing = dhr(cli_env, "mail", "list", "--status", "sent")
    assert row.id in listing.stdout and "mail.test" in listing.stdout
    assert dhr(cli_env, "mail", "list", "--status", "failed").stdout.strip() == "no messages"


def test_mail_test_to_an_insecure_address_exits_2_and_sends_nothing(cli_env, mail_server):
    cli_env["MAIL_TRANSPORT"] = mail_server.url
    dhr(cli_env, "partnership", "load", str(EXAMPLE))

    refused = dhr(cli_env, "mail", "test", "--to", "someone@gmail.com")
    assert refused.returncode == 2
    assert "not a secure recipient" in refused.stderr
    assert "allowlist" in refused.stderr
    malformed = dhr(cli_env, "mail", "test", "--to", "someone")
    assert malformed.returncode == 2
    assert "not a valid email address" in malformed.stderr

    dhr(cli_env, "worker", "--burst")
    assert mail_server.received == []
    assert messages() == []


def test_mail_test_before_any_partnership_is_loaded_says_what_to_do(cli_env):
    run = dhr(cli_env, "mail", "test", "--to", "dhr@exampleshire.gov.uk")
    assert run.returncode == 1
    assert "dhr partnership load" in run.stderr


def test_mail_retry_of_an_unknown_or_unfailed_message_is_refused(cli_env, partnership):
    run = dhr(cli_env, "mail", "retry", "no-such-id")
    assert run.returncode == 1
    assert "no message with id no-such-id" in run.stderr


def test_sweep_with_a_bad_moment_is_a_usage_error(cli_env):
    run = dhr(cli_env, "sweep", "--at", "next tuesday")
    assert run.returncode == 2
    assert "not an ISO-8601 date and time" in run.stderr


def test_sweep_prints_what_it_found(cli_env, partnership):
    run = dhr(cli_env, "sweep", "--at", "2026-12-24T09:00:00Z")
    assert run.returncode == 0, run.stderr
    assert "sweep as at 2026-12-24T09:00:00+00:00" in run.stdout
    assert "messages handed to the queue: 0" in run.stdout


def test_production_refuses_to_start_without_a_secret_key(cli_env):
    cli_env["DHR_ENV"] = "production"
    cli_env.pop("SECRET_KEY")
    run = dhr(cli_env, "sweep")
    assert run.returncode == 1
    assert "set SECRET_KEY" in run.stderr
    cli_env["SECRET_KEY"] = "short"
    assert "at least 32 characters" in dhr(cli_env, "sweep").stderr


def test_a_worker_with_a_wrong_mail_transport_stops_at_once(cli_env):
    cli_env["MAIL_TRANSPORT"] = "smtp+plain://mail.exampleshire.gov.uk:25"
    run = dhr(cli_env, "worker", "--burst")
    assert run.returncode == 1
    assert "only allowed to a loopback address" in run.stderr


def test_db_upgrade_is_repeatable(cli_env):
    first = dhr(cli_env, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "database is up to date" in first.stdout
    assert db.Sessions().scalar(select(func.count()).select_from(Message)) == 0


def test_dhr_web_serves_the_app_in_production_mode(cli_env, partnership):
    import signal
    import time
    import urllib.request

    from tests.mailserver import free_port

    port = free_port()
    cli_env.update(DHR_ENV="production", TRUST_PROXY="1")
    web = subprocess.Popen(
        [*DHR, "web", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = None
        deadline = time.monotonic() + 60
        while response is None and time.monotonic() < deadline and web.poll() is None:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/", headers={"X-Forwarded-Proto": "https"}
            )
            try:
                response = urllib.request.urlopen(request, timeout=5)
            except OSError:
                time.sleep(0.3)
        assert response is not None, "dhr web never answered"
        assert response.status == 200
        assert "max-age" in response.headers["Strict-Transport-Security"]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    finally:
        web.send_signal(signal.SIGTERM)
        output = web.communicate(timeout=30)[0]
    assert web.returncode == 0, output
