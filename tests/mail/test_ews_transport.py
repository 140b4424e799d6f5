"""The ews:// transport, driven through exchangelib against a local fake Exchange.

The fake answers the EWS SOAP calls the transport makes (GetFolder, CreateItem) with canned
responses shaped like Exchange 2016's, after a real NTLM handshake (pyspnego as the acceptor, the
same library requests-ntlm uses as the initiator), so the transport runs with its default
``EWS_AUTH=ntlm`` and nothing in exchangelib is patched. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import spnego
import spnego.exceptions
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
from tests.mailserver import TLSFiles, free_port

# A transport that ignored EWS_MAX_WAIT would keep backing off forever: fail instead.
pytestmark = pytest.mark.timeout(30)

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"

DOMAIN, USER, PASSWORD = "EXAMPLE", "svc-dhr", "Correct-Horse-Battery-1"
UPN = "svc-dhr@example.gov.uk"
SENDER = "dhr-forms@csp.example.gov.uk"
RECIPIENTS = ("chair@review.example.org", "panel.secretary@review.example.org")
SUBJECT = "DHR 2024/07 – panel notes for Ms Example"
MESSAGE_ID = "<20240701120000.abc123@dhr-forms.invalid>"
ATTACHMENT = bytes(range(256)) * 40


# --- canned EWS answers -------------------------------------------------------------------------


def soap(body: str) -> bytes:
    """A SOAP envelope as Exchange 2016 CU23 sends it, with its ServerVersionInfo header."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP}">'
        "<s:Header>"
        f'<h:ServerVersionInfo xmlns:h="{T}" xmlns="{T}" '
        'MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
        'Version="V2017_07_11"/>'
        "</s:Header>"
        '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        f"{body}"
        "</s:Body></s:Envelope>"
    ).encode()


def get_folder_ok(distinguished_id: str) -> bytes:
    name, folder_class = {
        "root": ("Root", ""),
        "sentitems": ("Sent Items", "<t:FolderClass>IPF.Note</t:FolderClass>"),
    }.get(distinguished_id, (distinguished_id, ""))
    return soap(
        f'<m:GetFolderResponse xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
        '<m:GetFolderResponseMessage ResponseClass="Success">'
        "<m:ResponseCode>NoError</m:ResponseCode><m:Folders><t:Folder>"
        f'<t:FolderId Id="AAMkAD{distinguished_id}==" ChangeKey="AQAAABYAAAA"/>'
        f"{folder_class}<t:DisplayName>{name}</t:DisplayName>"
        "<t:TotalCount>0</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount>"
        "<t:UnreadCount>0</t:UnreadCount>"
        "</t:Folder></m:Folders></m:GetFolderResponseMessage>"
        "</m:ResponseMessages></m:GetFolderResponse>"
    )


def create_item_ok() -> bytes:
    # With SendAndSaveCopy, Exchange returns no item id: just an empty Items element.
    return soap(
        f'<m:CreateItemResponse xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
        '<m:CreateItemResponseMessage ResponseClass="Success">'
        "<m:ResponseCode>NoError</m:ResponseCode><m:Items/>"
        "</m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse>"
    )


def create_item_error(code: str, text: str) -> bytes:
    return soap(
        f'<m:CreateItemResponse xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
        '<m:CreateItemResponseMessage ResponseClass="Error">'
        f"<m:MessageText>{text}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode>"
        "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/>"
        "</m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse>"
    )


def server_busy(back_off_ms: int) -> bytes:
    """Exchange's throttling answer: a SOAP fault (sent with HTTP 500) naming a back-off."""
    return soap(
        "<s:Fault>"
        f'<faultcode xmlns:a="{T}">a:ErrorServerBusy</faultcode>'
        '<faultstring xml:lang="en-US">The server cannot service this request right now. '
        "Try again later.</faultstring>"
        "<detail>"
        f'<e:ResponseCode xmlns:e="{E}">ErrorServerBusy</e:ResponseCode>'
        f'<e:Message xmlns:e="{E}">The server cannot service this request right now. '
        "Try again later.</e:Message>"
        f'<t:MessageXml xmlns:t="{T}">'
        f'<t:Value Name="BackOffMilliseconds">{back_off_ms}</t:Value>'
        "</t:MessageXml></detail></s:Fault>"
    )


# --- the fake Exchange --------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes = b""


@dataclass
class Call:
    """One SOAP request that got past authentication."""

    operation: str
    envelope: ET.Element
    user: str
    at: float


@dataclass
class FakeExchange:
    url: str
    calls: list[Call] = field(default_factory=list)
    #: Answers for the next CreateItem calls, in order; afterwards every CreateItem succeeds.
    create_item_replies: list[Reply] = field(default_factory=list)
    #: When set, every CreateItem gets this answer.
    create_item_always: Reply | None = None
    #: When set, every request (before authentication) gets this bare HTTP status.
    http_status: int | None = None
    handshakes: int = 0
    accepted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def operations(self) -> list[str]:
        return [c.operation for c in self.calls]

    def create_items(self) -> list[Call]:
        return [c for c in self.calls if c.operation == "CreateItem"]


def _handler(fake: FakeExchange) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: NTLM authenticates the connection

        def setup(self) -> None:
            super().setup()
            self.ntlm: spnego.ContextProxy | None = None
            self.ntlm_user: str | None = None

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def reply(self, reply: Reply, headers: dict[str, str] | None = None) -> None:
            self.send_response(reply.status)
            if reply.body:
                self.send_header("Content-Type", "text/xml; charset=utf-8")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def authenticated(self) -> bool:
            if self.ntlm_user:
                return True
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("NTLM "):
                self.reply(Reply(401), {"WWW-Authenticate": "NTLM"})
                return False
            if self.ntlm is None:
                self.ntlm = spnego.server(
                    hostname="127.0.0.1",
                    service="http",
                    protocol="ntlm",
                    options=spnego.NegotiateOptions.use_ntlm,
                )
            try:
                out = self.ntlm.step(base64.b64decode(auth[5:]))
            except spnego.exceptions.SpnegoError:  # wrong user or password
                self.ntlm = None
                self.reply(Reply(401), {"WWW-Authenticate": "NTLM"})
                return False
            if not self.ntlm.complete:
                challenge = base64.b64encode(out or b"").decode()
                self.reply(Reply(401), {"WWW-Authenticate": f"NTLM {challenge}"})
                return False
            self.ntlm_user = self.ntlm.client_principal
            with fake.lock:
                fake.handshakes += 1
            return True

        def do_POST(self) -> None:  # noqa: N802
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if fake.http_status is not None:
                self.reply(Reply(fake.http_status, b"<html>Service Unavailable</html>"))
                return
            if not self.authenticated():
                return
            root = ET.fromstring(data)  # noqa: S314 - the request of the client under test
            request = root.find(f"{{{SOAP}}}Body")[0]
            operation = request.tag.rsplit("}", 1)[1]
            with fake.lock:
                fake.calls.append(Call(operation, root, self.ntlm_user or "", time.monotonic()))
                if operation == "GetFolder":
                    folder = request.find(f".//{{{T}}}DistinguishedFolderId")
                    reply = Reply(200, get_folder_ok(folder.get("Id")))
                elif operation == "CreateItem":
                    if fake.create_item_always is not None:
                        reply = fake.create_item_always
                    elif fake.create_item_replies:
                        reply = fake.create_item_replies.pop(0)
                    else:
                        reply = Reply(200, create_item_ok())
                    if reply.status == 200 and b"NoError" in reply.body:
                        fake.accepted += 1
                else:
                    reply = Reply(500, b"unexpected operation " + operation.encode())
            self.reply(reply)

    return Handler


@pytest.fixture
def ntlm_accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's account database, in the flat-file form pyspnego's NTLM acceptor reads."""
    users = tmp_path / "ntlm-users"
    users.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n:{UPN}:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[FakeExchange]:
    fake = FakeExchange(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    fake.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/EWS/Exchange.asmx"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def exchange(ntlm_accounts: None) -> Iterator[FakeExchange]:
    yield from _serve()


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
    yield from _serve(tls=tls_files.server_context())


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
