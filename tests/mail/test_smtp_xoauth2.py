"""SMTP with OAuth2 (``MAIL_SMTP_AUTH=xoauth2``), as Exchange Online takes it.

A real SMTP server on loopback (aiosmtpd, STARTTLS with the tests' private CA) takes AUTH XOAUTH2
only with an access token the fake Microsoft identity platform (``tests/graphserver.py``, real
HTTPS) issued for ``https://outlook.office365.com/.default``, for a mailbox the app may send as.
The transport gets its tokens from that fake through msal, as it would from Entra ID.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest

from config import settings as app_settings
from mail.transports import (
    CredentialsRefused,
    Envelope,
    TransientError,
    TransportConfigError,
    from_settings,
)
from mail.transports.smtp import XOAUTH2_SCOPE, SMTPTransport
from tests.graphserver import OUTLOOK, FakeMicrosoft
from tests.mailserver import MailServer, TLSFiles

pytestmark = pytest.mark.timeout(60)

SENDER = "dhr-forms@exampleshire.gov.uk"
OTHER = "dhr-panels@exampleshire.gov.uk"


@pytest.fixture
def microsoft(tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMicrosoft]:
    """Entra ID (and Graph) on loopback HTTPS; the app may send as SENDER and OTHER."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeMicrosoft(tls_files, senders={SENDER, OTHER}) as fake:
        yield fake


def takes_tokens_from(fake: FakeMicrosoft) -> Callable[[str, str], bool]:
    """Exchange Online's judgement of an XOAUTH2 sign-in: a live token for its own resource,
    for a mailbox the app has rights on."""

    def accept(user: str, token: str) -> bool:
        return user.lower() in fake.senders and fake.token_scope(token) == f"{OUTLOOK}/.default"

    return accept


@pytest.fixture
def office365(microsoft: FakeMicrosoft, tls_files: TLSFiles) -> Iterator[MailServer]:
    """A submission server with STARTTLS that signs in with XOAUTH2 only."""
    server = MailServer().start(
        starttls=tls_files.server_context(), xoauth2=takes_tokens_from(microsoft)
    )
    yield server
    server.stop()


def graph_settings(fake: FakeMicrosoft, **overrides: str | None) -> dict[str, str]:
    graph = {
        "TENANT_ID": fake.tenant_id,
        "CLIENT_ID": fake.client_id,
        "CLIENT_SECRET": fake.client_secret,
        "SENDER": SENDER,
        "AUTHORITY": fake.authority,
    }
    graph.update(overrides)
    return {k: v for k, v in graph.items() if v is not None}


def xoauth2_config(url: str, graph: dict[str, str], tls_files: TLSFiles) -> app_settings.TestConfig:
    cfg = app_settings.TestConfig()
    cfg.MAIL_TRANSPORT = url
    cfg.MAIL_SMTP_AUTH = "xoauth2"
    cfg.MAIL_CA_FILE = str(tls_files.ca_cert)
    cfg.MAIL_TIMEOUT = 10
    cfg.GRAPH = graph
    return cfg


def make_transport(url: str, graph: dict[str, str], tls_files: TLSFiles) -> SMTPTransport:
    transport = from_settings(xoauth2_config(url, graph, tls_files))
    assert isinstance(transport, SMTPTransport)
    return transport


def envelope() -> Envelope:
    mime = EmailMessage()
    mime["From"] = SENDER
    mime["To"] = "dhr.officer@exampleshire.gov.uk"
    mime["Subject"] = "OFFICIAL-SENSITIVE: Test [REF-1]"
    mime["Message-ID"] = "<xoauth2-1@dhr-forms.invalid>"
    mime.set_content("body text")
    return Envelope(sender=SENDER, recipients=("dhr.officer@exampleshire.gov.uk",), mime=mime)


def outlook_tokens(fake: FakeMicrosoft) -> list[bool]:
    """Whether each token request so far was granted (all of them for Outlook's resource)."""
    assert {r.scope for r in fake.token_requests} <= {XOAUTH2_SCOPE}
    return [r.granted for r in fake.token_requests]


# --- signing in -----------------------------------------------------------------------------------


def test_delivers_after_signing_in_with_a_token_over_starttls(
    microsoft: FakeMicrosoft, office365: MailServer, tls_files: TLSFiles
) -> None:
    transport = make_transport(
        f"smtp://127.0.0.1:{office365.port}", graph_settings(microsoft), tls_files
    )

    assert "accepted" in transport.send(envelope())

    (got,) = office365.messages
    assert got.message["Message-ID"] == "<xoauth2-1@dhr-forms.invalid>"
    assert office365.handler.mail_from_commands == [SENDER]
    (login,) = office365.handler.xoauth2_logins
    assert (login.user, login.tls, login.accepted) == (SENDER, True, True)
    assert microsoft.token_scope(login.token) == XOAUTH2_SCOPE
    assert outlook_tokens(microsoft) == [True]
    assert microsoft.token_requests[0].method == "secret"


def test_the_token_is_reused_for_later_messages(
    microsoft: FakeMicrosoft, office365: MailServer, tls_files: TLSFiles
) -> None:
    transport = make_transport(
        f"smtp://127.0.0.1:{office365.port}", graph_settings(microsoft), tls_files
    )

    for _ in range(3):
        transport.send(envelope())

    assert len(office365.messages) == 3
    assert len({login.token for login in office365.handler.xoauth2_logins}) == 1
    assert outlook_tokens(microsoft) == [True]


def test_the_mailbox_is_the_url_user_name_when_there_is_one(
    microsoft: FakeMicrosoft, office365: MailServer, tls_files: TLSFiles
) -> None:
    url = f"smtp://{OTHER.replace('@', '%40')}@127.0.0.1:{office365.port}"
    make_transport(url, graph_settings(microsoft), tls_files).send(envelope())

    assert [login.user for login in office365.handler.xoauth2_logins] == [OTHER]
    assert len(office365.messages) == 1


def test_smtps_signs_in_with_xoauth2_over_implicit_tls(
    microsoft: FakeMicrosoft, tls_files: TLSFiles
) -> None:
    server = MailServer().start(
        implicit_tls=tls_files.server_context(), xoauth2=takes_tokens_from(microsoft)
    )
    try:
        url = f"smtps://127.0.0.1:{server.port}"
        make_transport(url, graph_settings(microsoft), tls_files).send(envelope())
    finally:
        server.stop()
    assert len(server.messages) == 1
    assert [(login.tls, login.accepted) for login in server.handler.xoauth2_logins] == [
        (True, True)
    ]


# --- refusals -------------------------------------------------------------------------------------


def test_a_refused_token_is_refreshed_once_and_the_message_delivered(
    microsoft: FakeMicrosoft, office365: MailServer, tls_files: TLSFiles
) -> None:
    office365.handler.xoauth2_refuse = 1
    transport = make_transport(
        f"smtp://127.0.0.1:{office365.port}", graph_settings(microsoft), tls_files
    )

    assert "accepted" in transport.send(envelope())

    first, second = office365.handler.xoauth2_logins
    assert (first.accepted, second.accepted) == (False, True)
    assert first.token != second.token  # a new one from Entra, not the cached one again
    assert outlook_tokens(microsoft) == [True, True]
    assert len(office365.messages) == 1


def test_a_token_the_server_no_longer_takes_is_replaced(
    microsoft: FakeMicrosoft, office365: MailServer, tls_files: TLSFiles
) -> None:
    transport = make_transport(
        f"smtp://127.0.0.1:{office365.port}", graph_settings(microsoft), tls_files
    )
    transport.send(envelope())
    microsoft.expire_tokens()  # revoked, or past its time by the server's clock: msal still has it

    transport.send(envelope())

    assert [login.accepted for login in office365.handler.xoauth2_logins] == [True, False, True]
    assert outlook_tokens(microsoft) == [True, True]
    assert len(office365.messages) == 2


def test_refused_twice_is_credentials_refused_and_nothing_is_sent(
    microsoft: FakeMicrosoft, office365: MailServer, tls_files: TLSFiles
) -> None:
    office365.handler.xoauth2_refuse = 2
    transport = make_transport(
        f"smtp://127.0.0.1:{office365.port}", graph_settings(microsoft), tls_files
    )

    with pytest.raises(CredentialsRefused) as caught:
        transport.send(envelope())

    assert isinstance(caught.value, TransientError)  # the outbox keeps the message queued
    assert caught.value.setting == "GRAPH_SENDER"
    text = str(caught.value)
    for named in ("535", "SMTP.SendAsApp", "GRAPH_CLIENT_SECRET", "GRAPH_SENDER"):
        assert named in text
    assert SENDER not in text
    assert len(office365.handler.xoauth2_logins) == 2
    assert outlook_tokens(microsoft) == [True, True]
    assert office365.received == []


def test_a_mailbox_the_app_may_not_use_is_refused_naming_where_it_came_from(
    microsoft: FakeMicrosoft, office365: MailServer, tls_files: TLSFiles
) -> None:
    url = f"smtp://someone.else%40exampleshire.gov.uk@127.0.0.1:{office365.port}"
    transport = make_transport(url, graph_settings(microsoft), tls_files)

    with pytest.raises(CredentialsRefused, match="the user in MAIL_TRANSPORT") as caught:
        transport.send(envelope())

    assert caught.value.setting == "MAIL_TRANSPORT"
    assert office365.received == []


def test_a_wrong_client_secret_stops_before_any_sign_in(
    microsoft: FakeMicrosoft, office365: MailServer, tls_files: TLSFiles
) -> None:
    graph = graph_settings(microsoft, CLIENT_SECRET="not-the-secret")
    transport = make_transport(f"smtp://127.0.0.1:{office365.port}", graph, tls_files)

    with pytest.raises(CredentialsRefused, match="AADSTS7000215|invalid_client") as caught:
        transport.send(envelope())

    assert caught.value.setting == "GRAPH_CLIENT_SECRET"
    assert "not-the-secret" not in str(caught.value)
    assert office365.handler.xoauth2_logins == []
    assert office365.received == []


# --- never without TLS ----------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_no_token_is_fetched_or_sent_to_a_server_without_starttls(
    microsoft: FakeMicrosoft, tls_files: TLSFiles
) -> None:
    # A server (or someone in the middle) offering AUTH XOAUTH2 in plain text, and no STARTTLS.
    server = MailServer().start(xoauth2=takes_tokens_from(microsoft), auth_before_tls=True)
    try:
        url = f"smtp://127.0.0.1:{server.port}"
        with pytest.raises(TransientError, match="did not offer STARTTLS"):
            make_transport(url, graph_settings(microsoft), tls_files).send(envelope())
    finally:
        server.stop()
    assert server.handler.xoauth2_logins == []
    assert microsoft.token_requests == []
    assert server.received == []


def test_a_server_that_does_not_offer_xoauth2_is_named(
    microsoft: FakeMicrosoft, tls_files: TLSFiles
) -> None:
    server = MailServer().start(starttls=tls_files.server_context(), passwords={"u": "p"})
    try:
        url = f"smtp://127.0.0.1:{server.port}"
        with pytest.raises(TransientError, match="does not offer AUTH XOAUTH2"):
            make_transport(url, graph_settings(microsoft), tls_files).send(envelope())
    finally:
        server.stop()
    assert microsoft.token_requests == []
    assert server.received == []


# --- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "auth", "graph", "named"),
    [
        ("smtp+plain://127.0.0.1:25", "xoauth2", {}, "smtp\\+plain"),
        ("smtp://dhr%40example.gov.uk:Pa55word@127.0.0.1:587", "xoauth2", {}, "password"),
        ("smtps://127.0.0.1:465", "oauth", {}, "MAIL_SMTP_AUTH"),
        ("smtp://127.0.0.1:587", "xoauth2", {"TENANT_ID": None}, "GRAPH_TENANT_ID"),
        ("smtp://127.0.0.1:587", "xoauth2", {"CLIENT_ID": None}, "GRAPH_CLIENT_ID"),
        ("smtp://127.0.0.1:587", "xoauth2", {"CLIENT_SECRET": None}, "GRAPH_CLIENT_SECRET"),
        ("smtp://127.0.0.1:587", "xoauth2", {"SENDER": None}, "GRAPH_SENDER"),
        ("smtp://127.0.0.1:587", "xoauth2", {"AUTHORITY": "ftp://x"}, "GRAPH_AUTHORITY"),
    ],
)
def test_bad_combinations_fail_at_start_naming_the_setting(
    tls_files: TLSFiles, url: str, auth: str, graph: dict[str, str | None], named: str
) -> None:
    settings = {
        "TENANT_ID": "t",
        "CLIENT_ID": "c",
        "CLIENT_SECRET": "s3cret",
        "SENDER": SENDER,
        "AUTHORITY": "https://login.microsoftonline.com",
    }
    settings.update(graph)
    cfg = xoauth2_config(url, {k: v for k, v in settings.items() if v is not None}, tls_files)
    cfg.MAIL_SMTP_AUTH = auth

    with pytest.raises(TransportConfigError, match=named) as caught:
        from_settings(cfg)

    for secret in ("Pa55word", "s3cret"):
        assert secret not in str(caught.value)


def test_without_mail_smtp_auth_the_url_password_is_used_as_before(tls_files: TLSFiles) -> None:
    cfg = xoauth2_config("smtps://dhr%40example.gov.uk:p%2Fss@127.0.0.1:465", {}, tls_files)
    cfg.MAIL_SMTP_AUTH = ""

    transport = from_settings(cfg)

    assert (transport.username, transport.password, transport.oauth) == (
        "dhr@example.gov.uk",
        "p/ss",
        None,
    )
