"""The ews:// transport, driven through exchangelib against a local fake Exchange.

The fake (tests/ewsserver.py) answers the EWS SOAP calls the transport makes (GetFolder,
CreateItem) with responses shaped like Exchange 2016's, after a real NTLM handshake, so the
transport runs with its default ``EWS_AUTH=ntlm`` and nothing in exchangelib is patched. Nothing
leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from exchangelib import IMPERSONATION, OAuth2Credentials

from config import settings as app_settings
from mail.transports import (
    Envelope,
    PermanentError,
    TransientError,
    TransportConfigError,
    ews,
    from_settings,
)
from tests.ewsserver import (
    DOMAIN,
    PASSWORD,
    SOAP,
    UPN,
    USER,
    FakeExchange,
    M,
    Reply,
    T,
    create_item_error,
    serve,
    server_busy,
    write_accounts,
)
from tests.mailserver import TLSFiles, free_port

# A transport that ignored EWS_MAX_WAIT would keep backing off forever: fail instead.
pytestmark = pytest.mark.timeout(30)

SENDER = "dhr-forms@csp.example.gov.uk"
RECIPIENTS = ("chair@review.example.org", "panel.secretary@review.example.org")
SUBJECT = "DHR 2024/07 – panel notes for Ms Example"
MESSAGE_ID = "<20240701120000.abc123@dhr-forms.invalid>"
ATTACHMENT = bytes(range(256)) * 40


@pytest.fixture
def ntlm_accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's account database, in the flat-file form pyspnego's NTLM acceptor reads."""
    monkeypatch.setenv("NTLM_USER_FILE", str(write_accounts(tmp_path)))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def exchange(ntlm_accounts: None) -> Iterator[FakeExchange]:
    yield from serve()


# --- helpers ------------------------------------------------------------------------------------


def ews_settings(endpoint: str, **overrides: str) -> dict[str, str]:
    settings = {
        "SERVICE_ENDPOINT": endpoint,
        "VERSION": "Exchange2016",
        "USERNAME": f"{DOMAIN}\\{USER}",
        "PASSWORD": PASSWORD,
        "SENDER": SENDER,
    }
    settings.update(overrides)
    return {k: v for k, v in settings.items() if v is not None}


def make_transport(ews_env: dict[str, str], **config: object) -> ews.EwsTransport:
    cfg = app_settings.TestConfig()
    cfg.MAIL_TRANSPORT = "ews://"
    cfg.MAIL_TIMEOUT = 5
    cfg.EWS = dict(ews_env)
    for name, value in config.items():
        setattr(cfg, name, value)
    transport = from_settings(cfg)
    assert isinstance(transport, ews.EwsTransport)
    return transport


def make_envelope() -> Envelope:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = ", ".join(RECIPIENTS)
    msg["Subject"] = SUBJECT
    msg["Message-ID"] = MESSAGE_ID
    msg["Date"] = "Mon, 01 Jul 2024 12:00:00 +0100"
    msg.set_content("Plain text: the panel meets on Tuesday.\n")
    msg.add_alternative("<p>HTML: the panel meets on <b>Tuesday</b>.</p>\n", subtype="html")
    msg.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename="chronology v2.pdf"
    )
    return Envelope(sender=SENDER, recipients=RECIPIENTS, mime=msg)


# --- sending ------------------------------------------------------------------------------------


def test_sends_the_exact_mime_with_send_and_save_copy(exchange: FakeExchange) -> None:
    envelope = make_envelope()
    transport = make_transport(ews_settings(exchange.url))

    assert transport.send(envelope) == "EWS accepted"

    # The version was configured, not probed; the Sent Items folder was looked up; one send.
    assert exchange.operations() == ["GetFolder", "GetFolder", "CreateItem"]
    (call,) = exchange.create_items()
    assert call.user.lower() == f"{DOMAIN}\\{USER}".lower()  # came over the NTLM session
    header_version = call.envelope.find(f"{{{SOAP}}}Header/{{{T}}}RequestServerVersion")
    assert header_version.get("Version") == "Exchange2016"

    create = call.envelope.find(f"{{{SOAP}}}Body/{{{M}}}CreateItem")
    assert create.get("MessageDisposition") == "SendAndSaveCopy"
    saved_in = create.find(f"{{{M}}}SavedItemFolderId/{{{T}}}DistinguishedFolderId")
    assert saved_in.get("Id") == "sentitems"
    assert saved_in.findtext(f"{{{T}}}Mailbox/{{{T}}}EmailAddress") == SENDER

    (item,) = create.find(f"{{{M}}}Items")
    assert item.tag == f"{{{T}}}Message"
    to = [e.text for e in item.findall(f"{{{T}}}ToRecipients/{{{T}}}Mailbox/{{{T}}}EmailAddress")]
    assert tuple(to) == RECIPIENTS
    assert item.find(f"{{{T}}}CcRecipients") is None
    assert item.find(f"{{{T}}}BccRecipients") is None

    mime = base64.b64decode(item.findtext(f"{{{T}}}MimeContent"))
    assert mime == envelope.mime.as_bytes()
    sent = message_from_bytes(mime, policy=policy.default)
    assert sent["Subject"] == SUBJECT
    assert sent["Message-ID"] == MESSAGE_ID
    assert sent.get_body(("plain",)).get_content() == "Plain text: the panel meets on Tuesday.\n"
    assert "<b>Tuesday</b>" in sent.get_body(("html",)).get_content()
    (attachment,) = list(sent.iter_attachments())
    assert attachment.get_filename() == "chronology v2.pdf"
    assert attachment.get_content() == ATTACHMENT
    assert exchange.accepted == 1


def test_account_and_connection_are_reused_across_sends(exchange: FakeExchange) -> None:
    transport = make_transport(ews_settings(exchange.url))

    for _ in range(3):
        assert transport.send(make_envelope()) == "EWS accepted"

    assert exchange.operations() == ["GetFolder", "GetFolder"] + ["CreateItem"] * 3
    assert exchange.handshakes == 1
    assert exchange.accepted == 3


def test_ntlm_with_a_user_principal_name(exchange: FakeExchange) -> None:
    transport = make_transport(ews_settings(exchange.url, USERNAME=UPN))

    assert transport.send(make_envelope()) == "EWS accepted"
    assert {c.user.lower() for c in exchange.calls} == {UPN.lower()}


def test_build_number_version_is_sent_without_probing(exchange: FakeExchange) -> None:
    transport = make_transport(ews_settings(exchange.url, VERSION="15.0.1497.2"))

    transport.send(make_envelope())

    assert exchange.operations() == ["GetFolder", "GetFolder", "CreateItem"]
    first = exchange.calls[0].envelope
    version = first.find(f"{{{SOAP}}}Header/{{{T}}}RequestServerVersion").get("Version")
    assert version == "Exchange2013_SP1"


def test_throttled_once_backs_off_then_sends_once(exchange: FakeExchange) -> None:
    exchange.create_item_replies = [Reply(500, server_busy(back_off_ms=150))]
    transport = make_transport(ews_settings(exchange.url, MAX_WAIT="5"))

    assert transport.send(make_envelope()) == "EWS accepted"

    busy, ok = exchange.create_items()
    assert ok.at - busy.at >= 0.14  # waited as asked before trying again
    assert exchange.accepted == 1


def test_still_throttled_after_max_wait_is_transient(exchange: FakeExchange) -> None:
    exchange.create_item_always = Reply(500, server_busy(back_off_ms=100))
    transport = make_transport(ews_settings(exchange.url, MAX_WAIT="0.35"))

    started = time.monotonic()
    with pytest.raises(TransientError, match="busy") as caught:
        transport.send(make_envelope())

    assert time.monotonic() - started < 2
    assert 2 <= len(exchange.create_items()) <= 5  # backed off within the budget, then gave up
    assert exchange.accepted == 0
    assert "EWS_MAX_WAIT" in str(caught.value)


def test_a_long_back_off_beyond_max_wait_gives_up_at_once(exchange: FakeExchange) -> None:
    exchange.create_item_always = Reply(500, server_busy(back_off_ms=30_000))
    transport = make_transport(ews_settings(exchange.url, MAX_WAIT="1"))

    started = time.monotonic()
    with pytest.raises(TransientError, match="busy"):
        transport.send(make_envelope())

    assert time.monotonic() - started < 1
    assert len(exchange.create_items()) == 1


@pytest.mark.parametrize(
    "code",
    [
        "ErrorInvalidRecipients",
        "ErrorMessageSizeExceeded",
        "ErrorSendAsDenied",
        "ErrorAccessDenied",
    ],
)
def test_refusal_is_permanent_and_says_nothing_of_the_content(
    exchange: FakeExchange, code: str
) -> None:
    # Exchange's own text may quote the message; ours must not.
    exchange.create_item_always = Reply(
        200, create_item_error(code, f"Refused {RECIPIENTS[0]}: {SUBJECT}")
    )
    transport = make_transport(ews_settings(exchange.url))

    with pytest.raises(PermanentError) as caught:
        transport.send(make_envelope())

    text = str(caught.value)
    assert code in text
    for secret in (*RECIPIENTS, "review.example.org", SUBJECT, "panel", "Tuesday"):
        assert secret not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert len(exchange.create_items()) == 1  # not retried


def test_other_error_response_is_transient(exchange: FakeExchange) -> None:
    exchange.create_item_always = Reply(
        200, create_item_error("ErrorMailboxStoreUnavailable", f"Store down for {SENDER}")
    )
    transport = make_transport(ews_settings(exchange.url))

    with pytest.raises(TransientError, match="ErrorMailboxStoreUnavailable") as caught:
        transport.send(make_envelope())
    assert SENDER not in str(caught.value)


def test_server_unreachable_is_transient(ntlm_accounts: None) -> None:
    url = f"http://127.0.0.1:{free_port()}/EWS/Exchange.asmx"
    transport = make_transport(ews_settings(url))

    started = time.monotonic()
    with pytest.raises(TransientError, match="unreachable"):
        transport.send(make_envelope())
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("status", [502, 503])
def test_http_5xx_is_transient(exchange: FakeExchange, status: int) -> None:
    exchange.http_status = status
    transport = make_transport(ews_settings(exchange.url, MAX_WAIT="0"))

    with pytest.raises(TransientError):
        transport.send(make_envelope())
    assert exchange.accepted == 0


def test_wrong_password_is_transient_and_quick(exchange: FakeExchange) -> None:
    transport = make_transport(ews_settings(exchange.url, PASSWORD="not-the-password"))

    started = time.monotonic()
    with pytest.raises(TransientError, match="credentials") as caught:
        transport.send(make_envelope())
    assert time.monotonic() - started < 3
    assert "not-the-password" not in str(caught.value)
    assert exchange.calls == []  # nothing got past NTLM


# --- TLS and MAIL_CA_FILE -----------------------------------------------------------------------


@pytest.fixture
def tls_exchange(ntlm_accounts: None, tls_files: TLSFiles) -> Iterator[FakeExchange]:
    yield from serve(tls=tls_files.server_context())


def test_https_with_mail_ca_file_is_trusted(
    tls_exchange: FakeExchange, tls_files: TLSFiles
) -> None:
    transport = make_transport(ews_settings(tls_exchange.url), MAIL_CA_FILE=str(tls_files.ca_cert))

    assert transport.send(make_envelope()) == "EWS accepted"
    assert tls_exchange.accepted == 1


def test_https_without_the_ca_is_refused(tls_exchange: FakeExchange) -> None:
    transport = make_transport(ews_settings(tls_exchange.url))

    with pytest.raises(TransientError, match="TLS"):
        transport.send(make_envelope())
    assert tls_exchange.calls == []


# --- settings -----------------------------------------------------------------------------------

LOCAL = "http://127.0.0.1:8443/EWS/Exchange.asmx"
OAUTH = {
    "AUTH": "oauth2",
    "CLIENT_ID": "6a1e0b7c-client",
    "CLIENT_SECRET": "s3cret-value",
    "TENANT_ID": "0f2c-tenant",
    "USERNAME": None,
    "PASSWORD": None,
}


@pytest.mark.parametrize(
    ("ews_env", "names"),
    [
        (ews_settings(LOCAL, SERVICE_ENDPOINT=None), "EWS_SERVICE_ENDPOINT"),
        (ews_settings("http://mail.example.org/EWS/Exchange.asmx"), "EWS_SERVICE_ENDPOINT"),
        (ews_settings("http://10.0.0.5/EWS/Exchange.asmx"), "EWS_SERVICE_ENDPOINT"),
        (ews_settings("https://mail.example.org/"), "EWS_SERVICE_ENDPOINT"),
        (ews_settings("mail.example.org"), "EWS_SERVICE_ENDPOINT"),
        (ews_settings("https://u:p@mail.example.org/EWS/Exchange.asmx"), "EWS_SERVICE_ENDPOINT"),
        (ews_settings(LOCAL, VERSION=None), "EWS_VERSION"),
        (ews_settings(LOCAL, VERSION="Exchange2099"), "EWS_VERSION"),
        (ews_settings(LOCAL, VERSION="99.1.2"), "EWS_VERSION"),
        (ews_settings(LOCAL, SENDER=None), "EWS_SENDER"),
        (ews_settings(LOCAL, SENDER="dhr-forms"), "EWS_SENDER"),
        (ews_settings(LOCAL, AUTH="kerberos"), "EWS_AUTH"),
        (ews_settings(LOCAL, USERNAME=None), "EWS_USERNAME"),
        (ews_settings(LOCAL, PASSWORD=None), "EWS_PASSWORD"),
        (ews_settings(LOCAL, **{**OAUTH, "CLIENT_ID": None}), "EWS_CLIENT_ID"),
        (ews_settings(LOCAL, **{**OAUTH, "CLIENT_SECRET": None}), "EWS_CLIENT_SECRET"),
        (ews_settings(LOCAL, **{**OAUTH, "TENANT_ID": ""}), "EWS_TENANT_ID"),
        (ews_settings(LOCAL, MAX_WAIT="a minute"), "EWS_MAX_WAIT"),
        (ews_settings(LOCAL, MAX_WAIT="-1"), "EWS_MAX_WAIT"),
    ],
)
def test_config_errors_name_the_variable(ews_env: dict[str, str], names: str) -> None:
    with pytest.raises(TransportConfigError, match=names) as caught:
        make_transport(ews_env)
    for secret in (PASSWORD, "s3cret-value"):
        assert secret not in str(caught.value)


def test_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(TransportConfigError, match="MAIL_CA_FILE"):
        make_transport(ews_settings(LOCAL), MAIL_CA_FILE=str(missing))
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    with pytest.raises(TransportConfigError, match="MAIL_CA_FILE"):
        make_transport(ews_settings(LOCAL), MAIL_CA_FILE=str(not_pem))


def test_url_must_not_carry_settings() -> None:
    cfg = app_settings.TestConfig()
    cfg.EWS = ews_settings(LOCAL)
    with pytest.raises(TransportConfigError, match="EWS_SERVICE_ENDPOINT"):
        ews._factory(urlsplit("ews://mail.example.org/EWS/Exchange.asmx"), cfg)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://mail.example.org/EWS/Exchange.asmx",
        "http://127.0.0.1:8080/EWS/Exchange.asmx",
        "http://127.10.0.3/ews/exchange.asmx",
        "http://[::1]:8080/EWS/Exchange.asmx",
        "http://localhost/EWS/Exchange.asmx",
    ],
)
def test_accepted_endpoints(endpoint: str) -> None:
    assert make_transport(ews_settings(endpoint)).endpoint == endpoint


@pytest.mark.parametrize(
    ("setting", "build", "api_version"),
    [
        ("Exchange2016", (15, 1, 0, 0), "Exchange2016"),
        ("exchange2019", (15, 2, 0, 0), "Exchange2016"),
        ("Exchange2013_SP1", (15, 0, 847, 0), "Exchange2013_SP1"),
        ("15.1.2507", (15, 1, 2507, 0), "Exchange2016"),
        ("15.2.1544.4", (15, 2, 1544, 4), "Exchange2016"),
        ("15.0.620", (15, 0, 620, 0), "Exchange2013"),
    ],
)
def test_version_setting(setting: str, build: tuple[int, ...], api_version: str) -> None:
    transport = make_transport(ews_settings(LOCAL, VERSION=setting))
    b = transport.version.build
    assert (b.major_version, b.minor_version, b.major_build, b.minor_build) == build
    assert transport.version.api_version == api_version


def test_max_wait_default_and_setting() -> None:
    assert make_transport(ews_settings(LOCAL)).max_wait == 60
    assert make_transport(ews_settings(LOCAL, MAX_WAIT="2.5")).max_wait == 2.5


def test_oauth2_impersonates_the_sender_without_touching_the_network() -> None:
    transport = make_transport(ews_settings("https://mail.example.org/EWS/Exchange.asmx", **OAUTH))

    account = transport._build_account(ews._SendBudget(max_wait=1))

    credentials = account.protocol.credentials
    assert isinstance(credentials, OAuth2Credentials)
    assert (credentials.client_id, credentials.client_secret, credentials.tenant_id) == (
        "6a1e0b7c-client",
        "s3cret-value",
        "0f2c-tenant",
    )
    assert credentials.identity.primary_smtp_address == SENDER
    assert account.access_type == IMPERSONATION
    assert account.primary_smtp_address == SENDER
    assert account.protocol.config.version is transport.version


def test_no_recipients_is_refused_before_sending(exchange: FakeExchange) -> None:
    transport = make_transport(ews_settings(exchange.url))
    envelope = make_envelope()

    with pytest.raises(PermanentError):
        transport.send(Envelope(sender=SENDER, recipients=(), mime=envelope.mime))
    assert exchange.calls == []
