"""`dhr mail check`: sign in to the configured mail system and reach the mailbox, sending nothing.

Each test runs the real command in its own process against a real server on loopback: aiosmtpd
for SMTP (with STARTTLS and the tests' CA), the fake Exchange for EWS, and the fake Microsoft
identity platform for XOAUTH2 tokens.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DHR
from tests.graphserver import FakeMicrosoft
from tests.mail.test_ews_transport import SENDER as SENDER_EWS
from tests.mail.test_ews_transport import (  # noqa: F401  (fixtures)
    FakeExchange,
    ews_settings,
    exchange,
    ntlm_accounts,
)
from tests.mail.test_smtp_xoauth2 import (  # noqa: F401  (fixtures)
    SENDER,
    graph_settings,
    microsoft,
    office365,
)
from tests.mailserver import MailServer, TLSFiles, free_port

pytestmark = pytest.mark.timeout(120)

USER, PASSWORD = "dhr-forms@exampleshire.gov.uk", "Correct-Horse-Battery-9"


def mail_check(env: dict[str, str], **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [*DHR, "mail", "check"],
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.fixture
def submission(tls_files: TLSFiles) -> Iterator[MailServer]:
    """An SMTP server with STARTTLS that requires a password sign-in before MAIL FROM."""
    server = MailServer().start(starttls=tls_files.server_context(), passwords={USER: PASSWORD})
    yield server
    server.stop()


def smtp_url(server: MailServer, password: str = PASSWORD) -> str:
    return f"smtp://{USER.replace('@', '%40')}:{password}@127.0.0.1:{server.port}"


# --- SMTP -----------------------------------------------------------------------------------------


def test_smtp_signs_in_and_sends_nothing(cli_env, submission: MailServer, tls_files: TLSFiles):
    done = mail_check(
        cli_env, MAIL_TRANSPORT=smtp_url(submission), MAIL_CA_FILE=str(tls_files.ca_cert)
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"OK: signed in to 127.0.0.1:{submission.port} (STARTTLS) as {USER} with a password"
    )
    assert submission.received == [] and submission.handler.mail_from_commands == []


def test_smtp_wrong_password_fails_with_the_servers_reason(
    cli_env, submission: MailServer, tls_files: TLSFiles
):
    done = mail_check(
        cli_env,
        MAIL_TRANSPORT=smtp_url(submission, password="not-the-password"),
        MAIL_CA_FILE=str(tls_files.ca_cert),
    )

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Mail check failed: SMTP 535")
    assert "not-the-password" not in done.stderr


def test_smtp_nothing_listening_fails(cli_env):
    done = mail_check(cli_env, MAIL_TRANSPORT=f"smtp://127.0.0.1:{free_port()}")

    assert done.returncode == 1
    assert "Mail check failed: could not reach the SMTP server" in done.stderr


def test_smtp_without_starttls_fails_and_signs_in_to_nothing(cli_env, mail_server: MailServer):
    url = f"smtp://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{mail_server.port}"

    done = mail_check(cli_env, MAIL_TRANSPORT=url)

    assert done.returncode == 1
    assert "Mail check failed: the SMTP server did not offer STARTTLS" in done.stderr
    assert PASSWORD not in done.stderr


def test_smtp_with_a_ca_it_does_not_trust_fails(cli_env, submission: MailServer):
    done = mail_check(cli_env, MAIL_TRANSPORT=smtp_url(submission), MAIL_CA_FILE="")

    assert done.returncode == 1
    assert "Mail check failed: TLS failed" in done.stderr


def test_a_local_relay_without_sign_in_is_reached(cli_env, mail_server: MailServer):
    done = mail_check(cli_env, MAIL_TRANSPORT=mail_server.url)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"OK: connected to 127.0.0.1:{mail_server.port} (no TLS); no sign-in configured"
    )
    assert mail_server.handler.mail_from_commands == []


# --- SMTP with XOAUTH2 ----------------------------------------------------------------------------


def xoauth2_env(cli_env, fake: FakeMicrosoft, server: MailServer, tls: TLSFiles) -> dict:
    env = dict(cli_env)
    env.update({f"GRAPH_{k}": v for k, v in graph_settings(fake).items()})
    env.update(
        MAIL_TRANSPORT=f"smtp://127.0.0.1:{server.port}",
        MAIL_SMTP_AUTH="xoauth2",
        MAIL_CA_FILE=str(tls.ca_cert),
    )
    return env


def test_xoauth2_signs_in_and_sends_nothing(cli_env, microsoft, office365, tls_files):  # noqa: F811
    done = mail_check(xoauth2_env(cli_env, microsoft, office365, tls_files))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"OK: signed in to 127.0.0.1:{office365.port} (STARTTLS) as {SENDER} with XOAUTH2"
    )
    (login,) = office365.handler.xoauth2_logins
    assert (login.user, login.tls, login.accepted) == (SENDER, True, True)
    assert len(microsoft.token_requests) == 1
    assert office365.handler.mail_from_commands == []


def test_xoauth2_refused_twice_says_what_to_check(cli_env, microsoft, office365, tls_files):  # noqa: F811
    office365.handler.xoauth2_refuse = 2

    done = mail_check(xoauth2_env(cli_env, microsoft, office365, tls_files))

    assert done.returncode == 1
    assert done.stderr.startswith("Mail check failed: the SMTP server refused the XOAUTH2")
    assert "SMTP.SendAsApp" in done.stderr and "GRAPH_SENDER" in done.stderr
    assert len(microsoft.token_requests) == 2


def test_xoauth2_with_a_wrong_secret_names_it(cli_env, microsoft, office365, tls_files):  # noqa: F811
    env = xoauth2_env(cli_env, microsoft, office365, tls_files)
    env["GRAPH_CLIENT_SECRET"] = "an-old-secret"

    done = mail_check(env)

    assert done.returncode == 1
    assert "GRAPH_CLIENT_SECRET" in done.stderr
    assert "an-old-secret" not in done.stderr
    assert office365.handler.xoauth2_logins == []


# --- Microsoft Graph ----------------------------------------------------------------------------


def graph_env(cli_env, microsoft, tls, **overrides: str) -> dict[str, str]:  # noqa: F811
    env = dict(cli_env, MAIL_TRANSPORT="graph://", MAIL_CA_FILE=str(tls.ca_cert))
    graph = graph_settings(microsoft, ENDPOINT=microsoft.endpoint)
    env.update({f"GRAPH_{k}": v for k, v in graph.items()})
    env.update(overrides)
    return env


def test_graph_signs_in_and_reads_the_mailbox_without_sending(cli_env, microsoft, tls_files):  # noqa: F811
    done = mail_check(graph_env(cli_env, microsoft, tls_files))

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: signed in to Microsoft 365 as the app ")
    assert SENDER in done.stdout
    assert [r.route for r in microsoft.requests if r.mailbox] == ["mailboxSettings"]
    assert microsoft.sends == 0


@pytest.mark.parametrize(
    ("problem", "named"),
    [
        ("wrong secret", "GRAPH_CLIENT_SECRET"),
        ("mailbox not allowed", "GRAPH_SENDER"),
        ("no MailboxSettings.Read", "MailboxSettings.Read"),
        ("unknown tenant", "GRAPH_TENANT_ID"),
        ("graph unreachable", "no answer from Microsoft Graph"),
        ("wrong graph host", "GRAPH_ENDPOINT"),
    ],
)
def test_graph_check_fails_with_the_reason(cli_env, microsoft, tls_files, problem, named):  # noqa: F811
    overrides: dict[str, str] = {}
    if problem == "wrong secret":
        overrides["GRAPH_CLIENT_SECRET"] = "an-old-secret"
    elif problem == "mailbox not allowed":
        microsoft.senders = set()
    elif problem == "no MailboxSettings.Read":
        microsoft.permissions.discard("MailboxSettings.Read")
    elif problem == "unknown tenant":
        overrides["GRAPH_TENANT_ID"] = "00000000-0000-4000-8000-000000000000"
    elif problem == "wrong graph host":
        overrides["GRAPH_ENDPOINT"] = "https://127.0.0.1:1"  # a resource Entra does not know
    else:
        overrides["GRAPH_ENDPOINT"] = f"https://127.0.0.1:{free_port()}"
        microsoft.resources.add(overrides["GRAPH_ENDPOINT"])  # Entra knows it; nothing answers

    done = mail_check(graph_env(cli_env, microsoft, tls_files, **overrides))

    assert done.returncode == 1
    assert done.stderr.startswith("Mail check failed: ")
    assert named in done.stderr
    assert "an-old-secret" not in done.stderr
    assert microsoft.sends == 0


# --- file, EWS, settings --------------------------------------------------------------------------


def test_file_transport_folder_is_made_and_writable(cli_env, tmp_path: Path):
    folder = tmp_path / "not-yet" / "outbox"

    done = mail_check(cli_env, MAIL_TRANSPORT=f"file://{folder}")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"OK: the outbox folder {folder} is writable"
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_file_transport_folder_that_cannot_be_made_fails(cli_env, tmp_path: Path):
    (tmp_path / "a-file").write_text("not a folder")

    done = mail_check(cli_env, MAIL_TRANSPORT=f"file://{tmp_path / 'a-file' / 'outbox'}")

    assert done.returncode == 1
    assert done.stderr.startswith("Mail check failed: cannot write to the outbox folder")


def ews_env(cli_env, settings: dict[str, str]) -> dict[str, str]:
    return {**cli_env, "MAIL_TRANSPORT": "ews://"} | {f"EWS_{k}": v for k, v in settings.items()}


def test_ews_signs_in_and_opens_sent_items_without_sending(cli_env, exchange: FakeExchange):  # noqa: F811
    done = mail_check(ews_env(cli_env, ews_settings(exchange.url)))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"OK: signed in to {exchange.url} and opened the Sent Items of {SENDER_EWS}"
    )
    assert exchange.operations() == ["GetFolder", "GetFolder"]
    assert exchange.handshakes == 1 and exchange.accepted == 0


def test_ews_wrong_password_fails(cli_env, exchange: FakeExchange):  # noqa: F811
    done = mail_check(ews_env(cli_env, ews_settings(exchange.url, PASSWORD="not-the-password")))

    assert done.returncode == 1
    assert done.stderr.startswith("Mail check failed: EWS server rejected the credentials")
    assert "not-the-password" not in done.stderr
    assert exchange.calls == []


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"MAIL_TRANSPORT": "carrier-pigeon://loft"}, "MAIL_TRANSPORT scheme 'carrier-pigeon'"),
        ({"MAIL_TRANSPORT": "smtp+plain://mail.example.org:25"}, "loopback"),
        ({"MAIL_TRANSPORT": "smtp://127.0.0.1:587", "MAIL_SMTP_AUTH": "oauth"}, "MAIL_SMTP_AUTH"),
    ],
)
def test_a_wrong_setting_fails_with_its_message(cli_env, variables: dict[str, str], message: str):
    done = mail_check(cli_env, **variables)

    assert done.returncode == 1
    assert done.stderr.startswith("Mail check failed: ")
    assert message in done.stderr
